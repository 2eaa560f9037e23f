/**
 * `osmen-cred token --scopes "a b"` and the agent's `"scopes"` field, as real processes against
 * the real OpenID Provider: the token printed carries only those scopes at the provider, the
 * agent keeps it in memory (no second request), and the provider's refusal is its error.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { KEYCHAIN_SERVICE } from '../../../src/main/core/vault/key-custody.js';
import { startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { seedVault, storedToken } from '../../helpers/seed-vault.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { RawClient, startAgent, type AgentProcess } from '../agent/agent-harness.js';
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
  OSMEN_KEYCHAIN_SERVICE: `${KEYCHAIN_SERVICE} (scopes test ${randomUUID()})`,
  ...extra,
});

const stored = () => storedToken(home.dir, key, ALICE);

beforeAll(async () => {
  op = await startTestProvider({ extraScopes: ['api:read', 'api:admin'] });
  home = makeTmpHome('osmen-scopes-cli-');
  // The hand-off itself is tested here, not consent (test/integration/consent): any program of the user gets tokens.
  await seedVault(home.dir, key, op, {
    scopes: ['openid', 'email', 'offline_access', 'api:read'],
    logins: ['alice'],
    handToAnyProgram: true,
  });
});

afterAll(async () => {
  if (agent && agent.proc.exitCode === null) await agent.stop('SIGKILL');
  await op?.close();
  home?.cleanup();
});

describe('token --scopes', () => {
  it('without an agent: a token for only those scopes; the account keeps its own', async () => {
    op.resetCounts();
    const before = stored();
    const r = await runCli(['token', 'testop', ALICE, '--scopes', 'api:read', '--format', 'json'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { accessToken: string; scopes: string[]; expiresAt: string };
    expect(printed.scopes).toEqual(['api:read']);
    expect(printed.accessToken).not.toBe(before.accessToken);
    expect(await op.introspect(printed.accessToken)).toMatchObject({ active: true, sub: 'alice', scope: 'api:read' });
    const after = stored();
    expect(after.accessToken).toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken); // rotated, and saved before the CLI exited
    expect(await op.introspect(after.refreshToken!)).toMatchObject({ active: true });

    // The whole set is no narrowing: the stored token, no request.
    const all = await runCli(['token', 'testop', ALICE, '--scopes', 'offline_access api:read email openid'], env());
    expect(all.stdout).toBe(`${after.accessToken}\n`);
    expect(op.count('refresh_token')).toBe(1);

    const refused = await runCli(['token', 'testop', ALICE, '--scopes', 'api:admin'], env());
    expect(refused.code).toBe(78);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^osmen-cred: error \[invalid_scope\]: testop: invalid_scope — refresh token missing requested scope\n$/,
    );
    for (const bad of ['', '   ', 'a"b']) {
      const u = await runCli(['token', 'testop', ALICE, '--scopes', bad], env());
      expect(u.code, bad).toBe(64);
      expect(u.stdout).toBe('');
    }
  });

  it('through the agent: narrowed, kept in memory, refusals answered with the provider code', async () => {
    agent = await startAgent(env());
    op.resetCounts();
    const keyless = env({ OAUTH_ENCRYPTION_KEY: undefined });
    const first = await runCli(['token', 'testop', ALICE, '--scopes', 'openid api:read'], keyless);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    const token = first.stdout.trim();
    expect((await op.introspect(token)).scope).toBe('openid api:read');
    const again = await runCli(['token', 'testop', ALICE, '--scopes', 'api:read openid', '--format', 'json'], keyless);
    expect(JSON.parse(again.stdout)).toMatchObject({ accessToken: token, scopes: ['openid', 'api:read'] });
    expect(op.count('refresh_token')).toBe(1);

    const c = await RawClient.connect(agent.path);
    try {
      expect(await c.ask({ id: 1, method: 'token', provider: 'testop', user: ALICE, scopes: ['openid', 'api:read'] })).toMatchObject({
        id: 1,
        ok: true,
        accessToken: token,
        scopes: ['openid', 'api:read'],
      });
      expect(await c.ask({ id: 2, method: 'token', provider: 'testop', user: ALICE, scopes: ['api:admin'] })).toEqual({
        id: 2,
        ok: false,
        error: {
          code: 'invalid_scope',
          message: 'testop: invalid_scope — refresh token missing requested scope',
          retryAfter: null,
          exitCode: 78,
        },
      });
      for (const scopes of [[], 'api:read', [''], ['x'.repeat(513)]]) {
        const bad = await c.ask({ id: 3, method: 'token', provider: 'testop', user: ALICE, scopes });
        expect(bad, JSON.stringify(scopes)).toMatchObject({ id: 3, ok: false, error: { code: 'bad_request', exitCode: 64 } });
      }
      expect((await c.ask({ id: 4, method: 'token', provider: 'testop', user: ALICE, scopes: ['a b'] })).error).toMatchObject({
        code: 'INVALID_SCOPES',
        exitCode: 64,
      });
      // The agent's own answers are unchanged without scopes.
      expect(await c.ask({ id: 5, method: 'token', provider: 'testop', user: ALICE })).toMatchObject({
        ok: true,
        accessToken: stored().accessToken,
      });
    } finally {
      c.close();
    }
    expect(op.count('refresh_token')).toBe(2); // the narrowed mint and the refused one
    expect(await agent.stop()).toBe(0);
    agent = null;
    expect(await op.introspect(stored().refreshToken!)).toMatchObject({ active: true });
  });
});
