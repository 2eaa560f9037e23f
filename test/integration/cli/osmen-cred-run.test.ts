/**
 * `osmen-cred run`: a real command started with the token in its environment, stdin/stdout
 * passed through, its exit code returned, signals passed on; nothing started when no token.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { seedVault, storedToken } from '../../helpers/seed-vault.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { startAgent } from '../agent/agent-harness.js';
import { BIN, runCli } from './run-cli.js';

const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';
let op: TestProvider;
let home: ReturnType<typeof makeTmpHome>;
const key = EncryptionManager.generateKey();
const node = process.execPath;

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home.dir,
  OSMEN_HOME: home.dir,
  OAUTH_ENCRYPTION_KEY: key,
  OSMEN_KEYCHAIN_SERVICE: `osmen run test ${randomUUID()}`,
  ...extra,
});
const stored = (user: string) => storedToken(home.dir, key, user);
/** A command that prints the variables it got (names only for the token, to keep it out of output checks). */
const printEnv = (...names: string[]) => [
  node,
  '-e',
  `process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, process.env[n] ?? null]))))`,
];

beforeAll(async () => {
  op = await startTestProvider();
  home = makeTmpHome('osmen-run-');
  // The hand-off itself is tested here, not consent (test/integration/consent): any program of the user gets tokens.
  await seedVault(home.dir, key, op, { logins: ['alice', 'bob'], handToAnyProgram: true });
  // Client ids in <home>/.env are for the vault: they must not reach the command.
  writeFileSync(join(home.dir, '.env'), 'GOOGLE_CLIENT_SECRET=vault-only-secret-value\n', { mode: 0o600 });
});

afterAll(async () => {
  await op?.close();
  home?.cleanup();
});

describe('osmen-cred run', () => {
  it('puts the token and its expiry in the environment, and returns the exit code', async () => {
    const r = await runCli(
      [
        'run',
        '--account',
        `testop:${ALICE}`,
        '--',
        ...printEnv('OSMEN_ACCESS_TOKEN', 'OSMEN_ACCESS_TOKEN_EXPIRES_AT', 'GOOGLE_CLIENT_SECRET'),
      ],
      env(),
    );
    expect(r.code).toBe(0);
    const t = stored(ALICE);
    expect(JSON.parse(r.stdout)).toEqual({
      OSMEN_ACCESS_TOKEN: t.accessToken,
      OSMEN_ACCESS_TOKEN_EXPIRES_AT: t.expiresAt!.toISOString(),
      GOOGLE_CLIENT_SECRET: null,
    });

    const two = await runCli(
      [
        'run',
        '--account',
        `testop:${ALICE}`,
        '--env',
        'A_TOKEN',
        '--account',
        `testop:${BOB}`,
        '--env',
        'B_TOKEN',
        '--min-ttl',
        '60',
        '--',
        ...printEnv('A_TOKEN', 'B_TOKEN', 'B_TOKEN_EXPIRES_AT', 'OSMEN_ACCESS_TOKEN'),
      ],
      env(),
    );
    expect(two.code).toBe(0);
    expect(JSON.parse(two.stdout)).toEqual({
      A_TOKEN: stored(ALICE).accessToken,
      B_TOKEN: stored(BOB).accessToken,
      B_TOKEN_EXPIRES_AT: stored(BOB).expiresAt!.toISOString(),
      OSMEN_ACCESS_TOKEN: null,
    });

    for (const code of [0, 3, 42, 255]) {
      const x = await runCli(['run', '--account', `testop:${ALICE}`, '--', node, '-e', `process.exit(${code})`], env());
      expect(x.code).toBe(code);
    }
    // Arguments after -- are the command's, even when they look like options; no shell.
    const args = await runCli(['run', '--account', `testop:${ALICE}`, '--', 'echo', '--', '--json', '$HOME', '*', '--help'], env());
    expect(args.stdout).toBe('-- --json $HOME * --help\n');
  });

  it('passes stdin through and works through a running agent too', async () => {
    const agent = await startAgent(env());
    try {
      const child = spawn(node, [BIN, 'run', '--account', `testop:${ALICE}`, '--', node, '-e', 'process.stdin.pipe(process.stdout)'], {
        env: { ...env({ OAUTH_ENCRYPTION_KEY: undefined }), OSMEN_CLI_SOURCE: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stdin.end('line one\nline two\n');
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      expect(code).toBe(0); // without the key: the token came from the agent
      expect(out).toBe('line one\nline two\n');
    } finally {
      await agent.stop();
    }
  });

  it('never hands the command the vault key or where to find it, from the vault or through an agent', async () => {
    const newKey = EncryptionManager.generateKey();
    const keyEnv = env({ OSMEN_NEW_ENCRYPTION_KEY: newKey, KEEP_ME: 'kept' });
    /** What `env` (a real program printing its whole environment) saw: name → value. */
    const childEnv = (stdout: string) =>
      new Map(
        stdout
          .split('\0')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    const check = (stdout: string) => {
      const seen = childEnv(stdout);
      for (const name of ['OAUTH_ENCRYPTION_KEY', 'OSMEN_NEW_ENCRYPTION_KEY', 'OSMEN_KEYCHAIN_SERVICE']) expect(seen.has(name)).toBe(false);
      for (const secret of [key, newKey, keyEnv.OSMEN_KEYCHAIN_SERVICE!]) expect(stdout).not.toContain(secret);
      // Everything else is the caller's, and the token is there.
      expect(seen.get('KEEP_ME')).toBe('kept');
      expect(seen.get('OSMEN_HOME')).toBe(home.dir);
      expect(seen.get('OSMEN_ACCESS_TOKEN')).toBe(stored(ALICE).accessToken);
    };
    const fromVault = await runCli(['run', '--account', `testop:${ALICE}`, '--', 'env', '-0'], keyEnv);
    expect(fromVault.code).toBe(0);
    check(fromVault.stdout);

    const agent = await startAgent(env());
    try {
      const viaAgent = await runCli(['run', '--account', `testop:${ALICE}`, '--', 'env', '-0'], keyEnv);
      expect(viaAgent.code).toBe(0);
      check(viaAgent.stdout);
    } finally {
      await agent.stop();
    }
  });

  it('passes signals to the command and exits with its code, or 128+n when the signal ended it', async () => {
    const start = (script: string) => {
      const child = spawn(node, [BIN, 'run', '--account', `testop:${ALICE}`, '--', node, '-e', script], {
        env: { ...env(), OSMEN_CLI_SOURCE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const ready = new Promise<void>((r) =>
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('ready')) r();
        }),
      );
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      return { child, ready, exited, out: () => out };
    };
    // A command that handles SIGTERM and SIGHUP itself: it gets them, and its exit code is ours.
    const handles = start(`
      process.on('SIGHUP', () => process.stdout.write('got SIGHUP\\n'));
      process.on('SIGTERM', () => { process.stdout.write('got SIGTERM\\n'); process.exit(7); });
      process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`);
    await handles.ready;
    handles.child.kill('SIGHUP');
    await new Promise<void>((r) => {
      const check = () => (handles.out().includes('got SIGHUP') ? r() : setTimeout(check, 10));
      check();
    });
    handles.child.kill('SIGTERM');
    expect(await handles.exited).toBe(7);
    expect(handles.out()).toBe('ready\ngot SIGHUP\ngot SIGTERM\n');

    // A command that does not handle SIGINT dies of it: 130, as a shell would say.
    const dies = start(`process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`);
    await dies.ready;
    dies.child.kill('SIGINT');
    expect(await dies.exited).toBe(130);
  });

  it('starts nothing when a token cannot be had, and says why with the CLI exit code', async () => {
    const marker = join(home.dir, `started-${randomUUID()}`);
    const touch = [node, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`];
    const missing = await runCli(['run', '--account', 'testop:nobody@example.test', '--', ...touch], env());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('[ACCOUNT_NOT_FOUND]');
    const noKey = await runCli(['run', '--account', `testop:${ALICE}`, '--', ...touch], env({ OAUTH_ENCRYPTION_KEY: undefined }));
    expect(noKey.code).toBe(78);
    expect(existsSync(marker)).toBe(false);

    const usage = await runCli(['run', '--account', `testop:${ALICE}`, node, '-e', '0'], env());
    expect(usage.code).toBe(64);
    const notFound = await runCli(['run', '--account', `testop:${ALICE}`, '--', 'osmen-no-such-command-xyz'], env());
    expect(notFound.code).toBe(127);
    expect(notFound.stderr).toMatch(/^osmen-cred: error \[COMMAND_NOT_FOUND\]/);
    for (const r of [missing, noKey, usage, notFound]) expect(r.stderr).not.toContain(stored(ALICE).accessToken);
  });
});
