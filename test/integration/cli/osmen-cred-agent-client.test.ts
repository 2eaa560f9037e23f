/**
 * `osmen-cred token` and `status` with and without a running agent: the agent answers first
 * ($OSMEN_AGENT_SOCK, then <data folder>/agent.sock), the vault is opened only when no agent
 * answers, and both paths print the same thing and exit with the same codes.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { KEYCHAIN_SERVICE } from '../../../src/main/core/vault/key-custody.js';
import { startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { seedVault, storedToken } from '../../helpers/seed-vault.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { startAgent, type AgentProcess } from '../agent/agent-harness.js';
import { runCli } from './run-cli.js';

const ALICE = 'alice@example.test';
let op: TestProvider;
let home: ReturnType<typeof makeTmpHome>;
const key = EncryptionManager.generateKey();
let agent: AgentProcess | null = null;

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home.dir,
  OSMEN_HOME: home.dir,
  OAUTH_ENCRYPTION_KEY: key,
  OSMEN_KEYCHAIN_SERVICE: `${KEYCHAIN_SERVICE} (agent cli test ${randomUUID()})`,
  ...extra,
});
/** A caller that could not open the vault itself: no key, and a keychain entry that does not exist. */
const keyless = (extra: NodeJS.ProcessEnv = {}) => env({ OAUTH_ENCRYPTION_KEY: undefined, ...extra });

const stored = () => storedToken(home.dir, key, ALICE);

beforeAll(async () => {
  op = await startTestProvider();
  home = makeTmpHome('osmen-agent-cli-');
  // The hand-off itself is tested here, not consent (test/integration/consent): any program of the user gets tokens.
  await seedVault(home.dir, key, op, { logins: ['alice'], handToAnyProgram: true });
});

afterAll(async () => {
  if (agent && agent.proc.exitCode === null) await agent.stop('SIGKILL');
  await op?.close();
  home?.cleanup();
});

describe('osmen-cred token/status and the agent', () => {
  it('without an agent, opens the vault: --format raw|header|json, --min-ttl, status', async () => {
    const t = stored();
    expect((await runCli(['token', 'testop', ALICE], env())).stdout).toBe(`${t.accessToken}\n`);
    expect((await runCli(['token', 'testop', ALICE, '--format', 'header'], env())).stdout).toBe(`Authorization: Bearer ${t.accessToken}\n`);
    const j = await runCli(['token', 'testop', ALICE, '--format', 'json', '--min-ttl', '600'], env());
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({
      accessToken: t.accessToken,
      tokenType: 'Bearer',
      expiresAt: t.expiresAt!.toISOString(),
      scopes: t.scopes,
    });
    for (const bad of [
      ['--format', 'xml'],
      ['--min-ttl', 'soon'],
      ['--min-ttl', '86401'],
    ]) {
      const r = await runCli(['token', 'testop', ALICE, ...bad], env());
      expect(r.code, bad.join(' ')).toBe(64);
      expect(r.stdout).toBe('');
    }
    const s = await runCli(['status'], env());
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/^ok +testop +alice@example\.test +expires in \d+m\n$/);
    // No agent and no key: the vault cannot be opened (78). The next test gives this caller an agent.
    expect((await runCli(['token', 'testop', ALICE], keyless())).code).toBe(78);
  });

  it('with an agent, answers from it (a caller without the key gets tokens) in every format', async () => {
    agent = await startAgent(env());
    const t = stored();
    const raw = await runCli(['token', 'testop', ALICE], keyless());
    expect(raw).toMatchObject({ code: 0, stdout: `${t.accessToken}\n`, stderr: '' });
    expect((await runCli(['token', 'testop', ALICE, '--format', 'header'], keyless())).stdout).toBe(
      `Authorization: Bearer ${t.accessToken}\n`,
    );
    const viaAgent = await runCli(['token', 'testop', ALICE, '--format', 'json', '--min-ttl', '600'], keyless());
    const viaVault = await runCli(
      ['token', 'testop', ALICE, '--format', 'json', '--min-ttl', '600'],
      env({ OSMEN_AGENT_SOCK: join(home.dir, 'nobody.sock'), OSMEN_HOME: home.dir }),
    );
    expect(JSON.parse(viaAgent.stdout)).toEqual(JSON.parse(viaVault.stdout));

    const missing = await runCli(['token', 'testop', 'nobody@example.test'], keyless());
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(
      'osmen-cred: error [ACCOUNT_NOT_FOUND]: No account testop/nobody@example.test in the vault. See `osmen-cred list`.\n',
    );
    const direct = await runCli(
      ['token', 'testop', 'nobody@example.test'],
      env({ OSMEN_HOME: home.dir, OSMEN_AGENT_SOCK: '/nonexistent/agent.sock' }),
    );
    expect(direct.code).toBe(2);

    const status = await runCli(['status', '--json'], keyless());
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ usable: true, accounts: [{ provider: 'testop', userId: ALICE, state: 'ok' }] });
    // Bad command lines are still the CLI's usage errors.
    expect((await runCli(['token', 'testop', ALICE, '--format', 'xml'], keyless())).code).toBe(64);
  });

  it("asks $OSMEN_AGENT_SOCK first; with --home only that folder's agent", async () => {
    const elsewhere = makeTmpHome('osmen-agent-cli-other-');
    try {
      const viaEnv = await runCli(['token', 'testop', ALICE], keyless({ OSMEN_HOME: elsewhere.dir, OSMEN_AGENT_SOCK: agent!.path }));
      expect(viaEnv).toMatchObject({ code: 0, stdout: `${stored().accessToken}\n` });
      // --home names another data folder: its (absent) agent and vault, not $OSMEN_AGENT_SOCK's.
      const viaHome = await runCli(['token', 'testop', ALICE, '--home', elsewhere.dir], keyless({ OSMEN_AGENT_SOCK: agent!.path }));
      expect(viaHome.code).toBe(2);
      expect(viaHome.stderr).toContain('[NO_VAULT]');
    } finally {
      elsewhere.cleanup();
    }
  });

  it('an agent killed with SIGKILL leaves a stale socket: the CLI falls back to the vault', async () => {
    expect(await agent!.stop('SIGKILL')).toBe(137);
    const r = await runCli(['token', 'testop', ALICE, '--format', 'header'], env());
    expect(r).toMatchObject({ code: 0, stdout: `Authorization: Bearer ${stored().accessToken}\n`, stderr: '' });
    expect((await runCli(['token', 'testop', ALICE], keyless())).code).toBe(78); // and no agent answered
    agent = null;
  });
});
