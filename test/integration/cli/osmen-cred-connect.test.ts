/**
 * Signing in and managing custom providers from a terminal: `osmen-cred connect` (browser
 * without opening it, and --device) and `osmen-cred provider add|list|remove`, as real child
 * processes, against real OpenID Providers on loopback, starting from an empty folder. The
 * person's side of each sign-in is driven over HTTP from what the CLI printed on stderr.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { type KeyCustody, KEYCHAIN_SERVICE } from '../../../src/main/core/vault/key-custody.js';
import { peekVault } from '../../../src/main/core/vault/vault-identity.js';
import { TokenStore } from '../../../src/main/core/vault/token-store.js';
import {
  browseAuthorization,
  browseDeviceVerification,
  PUBLIC_CLIENT_ID,
  startTestProvider,
  type TestProvider,
} from '../../helpers/oidc-provider.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { vaultCustody } from '../../helpers/vault-keychain.js';
import { allRuns, runCli, startCli, type CliRun } from './run-cli.js';

const DEVICE_PROMPT =
  /open this page on any device with a browser:\n {2}(\S+)\nand enter the code:\n {2}(\S+)\n(?:\(or open (\S+), which has the code filled in\)\n)?/;
const BROWSER_PROMPT = /open this address in a browser on this machine:\n {2}(\S+)\n/;
const ERROR_LINE = /^osmen-cred: error \[[A-Za-z][A-Za-z0-9_.-]*\]: [^\n]+\n$/;
const CLIENT_SECRET = `CANARY-cli-client-secret-${randomUUID()}`;

let op: TestProvider; // device flow on, interval 1 s
let shortOp: TestProvider; // device codes live 3 s
let plain: TestProvider; // no device flow
const homes: Array<ReturnType<typeof makeTmpHome>> = [];
const custodies: KeyCustody[] = [];
const service = `${KEYCHAIN_SERVICE} (cli connect test ${randomUUID()})`;
const key = EncryptionManager.generateKey();
/** Every secret that ever was in a vault of this suite: none may appear in any output but `token`'s. */
const secrets = new Set<string>([key, CLIENT_SECRET]);

function newHome(): string {
  const h = makeTmpHome('osmen-cli-connect-');
  homes.push(h);
  return h.dir;
}

/** An environment with OAUTH_ENCRYPTION_KEY (`keychain: true`: the Secret Service instead). */
const env = (home: string, o: { keychain?: boolean } = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  OSMEN_HOME: home,
  OSMEN_KEYCHAIN_SERVICE: service,
  ...(o.keychain
    ? {
        DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
        XDG_DATA_HOME: process.env.XDG_DATA_HOME,
        XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR,
      }
    : { OAUTH_ENCRYPTION_KEY: key }),
});

const addArgs = (id: string, issuer: string, ...extra: string[]) => [
  'provider',
  'add',
  id,
  '--issuer',
  issuer,
  '--client-id',
  PUBLIC_CLIENT_ID,
  ...extra,
];

/** Runs `connect <provider> --device` and has the person approve (or deny) on the "other device". */
async function deviceConnect(
  home: string,
  provider: string,
  person: { login: string; deny?: boolean; complete?: boolean },
  extra: string[] = [],
  e = env(home),
) {
  const cli = startCli(['connect', provider, '--device', ...extra], e);
  const [, uri, code, complete] = await cli.stderrMatch(DEVICE_PROMPT);
  const page = person.complete
    ? await browseDeviceVerification(complete!, { login: person.login })
    : await browseDeviceVerification(uri!, { userCode: code!, login: person.login, deny: person.deny });
  return { run: await cli.done, uri: uri!, code: code!, complete, page };
}

function rememberSecrets(home: string, k = key): void {
  const tokens = new TokenStore({ dbPath: join(home, 'tokens.db'), encryption: new EncryptionManager(k), create: false });
  try {
    for (const a of tokens.listTokens()) {
      const t = tokens.getToken(a.provider, a.userId)!;
      for (const s of [t.accessToken, t.refreshToken, t.idToken]) if (s) secrets.add(s);
    }
  } finally {
    tokens.close();
  }
}

function expectError(run: CliRun, exit: number, code: string): void {
  expect(run.code, `${run.args.join(' ')}: ${run.stderr}`).toBe(exit);
  expect(run.stdout).toBe('');
  // One error line, last (a sign-in prints its instructions before it).
  const lines = run.stderr.split(/(?<=\n)/);
  expect(lines.filter((l) => l.startsWith('osmen-cred: error'))).toHaveLength(1);
  expect(lines.at(-1)).toMatch(ERROR_LINE);
  expect(lines.at(-1)).toContain(`[${code}]`);
}

beforeAll(async () => {
  op = await startTestProvider({ deviceFlow: { interval: 1 } });
  shortOp = await startTestProvider({ deviceFlow: { interval: 1, codeTtl: 3 } });
  plain = await startTestProvider();
});

afterAll(async () => {
  await op?.close();
  await shortOp?.close();
  await plain?.close();
  for (const c of custodies) await c.deleteAll().catch(() => undefined);
  for (const h of homes) h.cleanup();
});

describe('from an empty folder with OAUTH_ENCRYPTION_KEY', () => {
  const home = newHome();

  it('provider add creates the vault, checks discovery, and provider list shows it (no secret)', async () => {
    expect(readdirSync(home)).toEqual([]);
    const added = await runCli(
      addArgs('testop', op.issuer, '--display-name', 'Test OP', '--scopes', 'openid email profile offline_access'),
      env(home),
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(
      /^Added provider testop \(Test OP\) at http:\/\/127\.0\.0\.1:\d+\. Sign in with `osmen-cred connect testop`\.\n$/,
    );
    expect(peekVault(join(home, 'tokens.db')).state).toBe('vault');

    // A client secret comes through stdin only; the list says that there is one, never what it is.
    const withSecret = await runCli(addArgs('secretop', op.issuer, '--client-secret-stdin'), env(home), { input: `${CLIENT_SECRET}\n` });
    expect(withSecret.code).toBe(0);
    expect(withSecret.stdout).toContain('client secret kept in the vault');
    for (const [id, issuer] of [
      ['shortop', shortOp.issuer],
      ['plainop', plain.issuer],
    ] as const) {
      expect((await runCli(addArgs(id, issuer), env(home))).code).toBe(0);
    }

    const list = await runCli(['provider', 'list', '--json'], env(home));
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.id)).toEqual(['google', 'microsoft', 'github', 'testop', 'secretop', 'shortop', 'plainop']);
    expect(rows.find((r) => r.id === 'testop')).toEqual({
      id: 'testop',
      displayName: 'Test OP',
      kind: 'oidc',
      builtin: false,
      custom: true,
      configured: true,
      issuer: op.issuer,
      clientId: PUBLIC_CLIENT_ID,
      hasClientSecret: false,
      scopes: ['openid', 'email', 'profile', 'offline_access'],
      accounts: 0,
    });
    expect(rows.find((r) => r.id === 'secretop')).toMatchObject({
      hasClientSecret: true,
      scopes: ['openid', 'profile', 'email', 'offline_access'],
    });
    expect(rows.find((r) => r.id === 'google')).toMatchObject({
      kind: 'oidc',
      builtin: true,
      custom: false,
      configured: false,
      accounts: 0,
    });
    const table = await runCli(['provider', 'list'], env(home));
    expect(table.stdout).toMatch(/^ID\s+NAME\s+KIND\s+STATUS\s+ACCOUNTS\s+ISSUER\n/);
    expect(table.stdout).toMatch(/testop\s+Test OP\s+custom\s+configured\s+0\s+http:\/\/127\.0\.0\.1/);
  });

  it('connect --device: prints the address and the code, waits for the person, prints the account', async () => {
    const { run, uri, code, complete } = await deviceConnect(home, 'testop', { login: 'alice' });
    expect(run.stderr).toContain('To sign in to Test OP');
    expect(uri).toBe(`${op.issuer}/device`);
    expect(code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(complete).toBe(`${op.issuer}/device?user_code=${code}`);
    expect(run.stderr).toMatch(/The code expires in 10 minutes/);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('testop alice@example.test\n');
    rememberSecrets(home);

    const list = JSON.parse((await runCli(['list', '--json'], env(home))).stdout) as Array<Record<string, unknown>>;
    expect(list).toEqual([
      expect.objectContaining({
        provider: 'testop',
        userId: 'alice@example.test',
        status: 'active',
        hasRefreshToken: true,
        displayName: 'Test alice',
      }),
    ]);
    // The same security log entry as a sign-in in the app.
    const log = JSON.parse((await runCli(['log', '--json'], env(home))).stdout) as Array<Record<string, unknown>>;
    expect(log.find((e) => e.event === 'connect')).toMatchObject({ provider: 'testop', success: true, details: { source: 'device' } });
    // The stored grant serves other programs: a new vault asks first (consent), so the program
    // asking (this test process) is refused until it is allowed.
    expect((await runCli(['token', 'testop', 'alice@example.test'], env(home))).code).toBe(77);
    expect((await runCli(['allow', '--account', 'testop:alice@example.test', '--pid', String(process.pid)], env(home))).code).toBe(0);
    const token = await runCli(['token', 'testop', 'alice@example.test'], env(home));
    expect(token.code).toBe(0);
    expect(secrets.has(token.stdout.trim())).toBe(true);
  });

  it('connect --device --json with the complete URI prints the account as JSON', async () => {
    const { run } = await deviceConnect(home, 'testop', { login: 'bob', complete: true }, ['--json']);
    expect(run.code).toBe(0);
    const account = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(account).toMatchObject({ provider: 'testop', userId: 'bob@example.test', status: 'active', hasRefreshToken: true });
    expect(Object.keys(account)).not.toContain('accessToken');
    rememberSecrets(home);
  });

  it('connect --no-browser prints the sign-in address; the redirect comes back to this machine', async () => {
    const cli = startCli(['connect', 'testop', '--no-browser', '--timeout', '60'], env(home));
    const [, url] = await cli.stderrMatch(BROWSER_PROMPT);
    expect(new URL(url!).origin).toBe(op.issuer);
    expect(new URL(new URL(url!).searchParams.get('redirect_uri')!).hostname).toBe('127.0.0.1');
    const page = await browseAuthorization(url!, { login: 'carol' });
    expect(page.status).toBe(200);
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('testop carol@example.test\n');
    expect(run.stderr).toMatch(/Waiting for the sign-in \(up to 60 seconds\)/);
    rememberSecrets(home);
  });

  it('a person who declines: exit 3 (access_denied), nothing stored', async () => {
    const { run, page } = await deviceConnect(home, 'testop', { login: 'mallory', deny: true });
    expect(page.body).toMatch(/interrupted/);
    expectError(run, 3, 'access_denied');
    expect((await runCli(['list', '--json'], env(home))).stdout).not.toContain('mallory');
  });

  it('a code nobody enters in time: exit 3 (expired_token)', async () => {
    const cli = startCli(['connect', 'shortop', '--device'], env(home));
    await cli.stderrMatch(DEVICE_PROMPT);
    await cli.stderrMatch(/The code expires in 3 seconds\./);
    expectError(await cli.done, 3, 'expired_token');
  });

  it('a provider without a device endpoint: exit 78 (device_flow_unsupported), no code printed', async () => {
    const run = await runCli(['connect', 'plainop', '--device'], env(home));
    expectError(run, 78, 'device_flow_unsupported');
    expect(run.stderr).toMatch(/no device_authorization_endpoint/);
  });

  it('a provider that is unreachable: exit 75', async () => {
    const gone = await startTestProvider({ deviceFlow: { interval: 1 } });
    expect((await runCli(addArgs('goneop', gone.issuer), env(home))).code).toBe(0);
    await gone.close();
    const run = await runCli(['connect', 'goneop', '--device'], env(home));
    expectError(run, 75, 'discovery_failed');
    expect(run.stderr).toMatch(/Nothing answered at http:\/\/127\.0\.0\.1:\d+ \(the connection was refused\)/);
  });

  it('Ctrl-C cancels a sign-in that is waiting (exit 130), storing nothing', async () => {
    const cli = startCli(['connect', 'testop', '--device'], env(home));
    await cli.stderrMatch(DEVICE_PROMPT);
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('[cancelled]');
  });

  it('provider add refuses an id that exists; --replace replaces its definition, but not its issuer while accounts use it', async () => {
    const rows = async () => JSON.parse((await runCli(['provider', 'list', '--json'], env(home))).stdout) as Array<Record<string, unknown>>;
    const before = (await rows()).find((r) => r.id === 'secretop');
    const again = await runCli(addArgs('secretop', op.issuer, '--scopes', 'openid'), env(home));
    expectError(again, 78, 'provider_exists');
    expect(again.stderr).toContain('--replace');
    expect((await rows()).find((r) => r.id === 'secretop')).toEqual(before);

    // Replaced without --client-secret-stdin: the old secret goes with the old definition.
    const replaced = await runCli(addArgs('secretop', op.issuer, '--scopes', 'openid email', '--replace'), env(home));
    expect(replaced).toMatchObject({ code: 0, stderr: '' });
    expect(replaced.stdout).toMatch(/^Replaced provider secretop \(secretop\) at http:\/\/127\.0\.0\.1:\d+\. /);
    expect((await rows()).find((r) => r.id === 'secretop')).toMatchObject({ hasClientSecret: false, scopes: ['openid', 'email'] });

    // --replace for an id that does not exist yet simply adds it.
    const fresh = await runCli(addArgs('replaceop', plain.issuer, '--replace'), env(home));
    expect(fresh).toMatchObject({ code: 0, stderr: '' });
    expect(fresh.stdout).toMatch(/^Added provider replaceop /);
    expect((await runCli(['provider', 'remove', 'replaceop'], env(home))).code).toBe(0);

    // testop's accounts are bound to its issuer: re-pointing it is refused, nothing changes.
    const moved = await runCli(addArgs('testop', plain.issuer, '--replace'), env(home));
    expectError(moved, 78, 'issuer_in_use');
    expect((await rows()).find((r) => r.id === 'testop')).toMatchObject({ issuer: op.issuer });
  });

  it('provider remove is refused while accounts use the provider, and for built-ins and unknown ids', async () => {
    expectError(await runCli(['provider', 'remove', 'testop'], env(home)), 78, 'provider_in_use');
    expectError(await runCli(['provider', 'remove', 'google'], env(home)), 78, 'provider_builtin');
    expectError(await runCli(['provider', 'remove', 'nosuch'], env(home)), 2, 'PROVIDER_NOT_FOUND');
    const rows = JSON.parse((await runCli(['provider', 'list', '--json'], env(home))).stdout) as Array<Record<string, unknown>>;
    expect(rows.find((r) => r.id === 'testop')).toMatchObject({ accounts: 3 });

    const removed = await runCli(['provider', 'remove', 'secretop'], env(home));
    expect(removed).toMatchObject({ code: 0, stdout: 'Removed provider secretop.\n', stderr: '' });
    for (const user of ['alice@example.test', 'bob@example.test', 'carol@example.test']) {
      expect((await runCli(['disconnect', 'testop', user], env(home))).code).toBe(0);
    }
    expect((await runCli(['provider', 'remove', 'testop'], env(home))).code).toBe(0);
    const after = JSON.parse((await runCli(['provider', 'list', '--json'], env(home))).stdout) as Array<Record<string, unknown>>;
    expect(after.map((r) => r.id)).toEqual(['google', 'microsoft', 'github', 'shortop', 'plainop', 'goneop']);
  });
});

describe('connect without --no-browser', () => {
  const home = newHome();
  const BROWSER_OPENED = /Opening the browser to sign in to \S+\. If it does not open, visit:\n {2}(\S+)\n/;

  it('hands the sign-in address to the system opener (xdg-open here) as one argument', async () => {
    expect((await runCli(addArgs('testop', op.issuer), env(home))).code).toBe(0);
    // A stand-in for xdg-open that records its arguments; the test then plays the browser.
    const bin = newHome();
    const record = join(bin, 'opened.txt');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$#" "$@" > '${record}'\n`, { mode: 0o755 });
    const cli = startCli(['connect', 'testop'], { ...env(home), PATH: `${bin}:${process.env.PATH}` });
    const [, url] = await cli.stderrMatch(BROWSER_OPENED);
    await browseAuthorization(url!, { login: 'frank' });
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('testop frank@example.test\n');
    expect(readFileSync(record, 'utf8')).toBe(`1\n${url}\n`);
    rememberSecrets(home);
  });

  it('without an opener it says so and keeps waiting for the printed address', async () => {
    const emptyBin = newHome();
    const cli = startCli(['connect', 'testop'], { ...env(home), PATH: emptyBin });
    const [, url] = await cli.stderrMatch(BROWSER_OPENED);
    await cli.stderrMatch(/Could not start the system browser \(xdg-open\): ENOENT; open the address above yourself\./);
    await browseAuthorization(url!, { login: 'grace' });
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('testop grace@example.test\n');
    rememberSecrets(home);
  });
});

describe('the app and the CLI writing settings.json', () => {
  it("a provider added or removed from the CLI while the app runs survives the app's next settings change", async () => {
    const home = newHome();
    const app = await createCredentialCore({ home, encryptionKey: key, env: {} });
    try {
      await app.createCustomProvider({ id: 'appop', issuer: plain.issuer, clientId: PUBLIC_CLIENT_ID, scopes: ['openid'] });
      expect((await runCli(addArgs('cliop', op.issuer), env(home))).code).toBe(0);
      expect((await runCli(['provider', 'remove', 'appop'], env(home))).code).toBe(0);
      app.updateSettings({ refreshWindowMs: 120_000 });
      await app.createCustomProvider({ id: 'laterop', issuer: shortOp.issuer, clientId: PUBLIC_CLIENT_ID, scopes: ['openid'] });
    } finally {
      await app.close();
    }
    const again = await createCredentialCore({ home, encryptionKey: key, env: {} });
    try {
      expect(
        again
          .listCustomProviders()
          .map((p) => p.id)
          .sort(),
      ).toEqual(['cliop', 'laterop']);
      expect(again.getSettings().refreshWindowMs).toBe(120_000);
    } finally {
      await again.close();
    }
  });
});

describe('what creates a vault, and what does not', () => {
  it('connect and provider add refuse, creating nothing, what they can tell is wrong before a vault exists', async () => {
    const home = newHome();
    expectError(await runCli(['connect', 'nosuch', '--device'], env(home)), 78, 'unknown_provider');
    expectError(await runCli(['connect', 'google', '--device'], env(home)), 78, 'not_configured');
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadIssuer = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((r) => dead.close(() => r()));
    expectError(await runCli(addArgs('acme', deadIssuer), env(home)), 75, 'discovery_failed');
    expectError(await runCli(addArgs('acme', 'http://idp.example.com'), env(home)), 78, 'insecure_endpoint');
    expectError(await runCli(addArgs('google', op.issuer), env(home)), 78, 'provider_id_taken');
    expect(readdirSync(home)).toEqual([]);
  });

  it('provider list and provider remove, like every read-only command, never make one', async () => {
    const home = newHome();
    for (const args of [
      ['provider', 'list'],
      ['provider', 'list', '--json'],
      ['provider', 'remove', 'acme'],
    ]) {
      expectError(await runCli(args, env(home)), 2, 'NO_VAULT');
    }
    const absent = join(newHome(), 'absent');
    expectError(await runCli(['provider', 'list'], env(absent)), 2, 'NO_VAULT');
    expect(readdirSync(home)).toEqual([]);
    expect(existsSync(absent)).toBe(false);
  });

  it('bad command lines: exit 64, nothing read or created', async () => {
    const home = newHome();
    for (const args of [
      ['connect', 'testop', '--device', '--no-browser'],
      ['connect', 'testop', '--timeout', '0'],
      ['connect', 'testop', '--timeout', 'soon'],
      ['connect', 'testop', '--tenant', 'contoso.com'],
      ['connect', 'microsoft', '--tenant', 'not a tenant'],
      ['connect', 'testop', '--issuer', 'x'],
      ['connect'],
      ['provider'],
      ['provider', 'frobnicate'],
      ['provider', 'list', '--issuer', op.issuer],
      ['provider', 'list', 'extra'],
      ['provider', 'remove'],
      ['provider', 'remove', 'acme', '--json'],
      ['provider', 'add', 'acme', '--client-id', 'x'],
      ['provider', 'add', 'acme', '--issuer', op.issuer],
      ['provider', 'add', 'Bad.Id', '--issuer', op.issuer, '--client-id', 'x'],
      ['provider', 'add', 'acme', '--issuer', op.issuer, '--client-id', 'x', '--scopes', ' '],
    ]) {
      expectError(await runCli(args, env(home)), 64, 'USAGE');
    }
    expectError(await runCli(addArgs('acme', op.issuer, '--client-secret-stdin'), env(home), { input: '' }), 64, 'USAGE');
    expect(readdirSync(home)).toEqual([]);
  });
});

describe('from an empty folder with the key in the OS keychain', () => {
  it('provider add makes the vault and its keychain entry; connect --device signs in; token serves it', async () => {
    const home = newHome();
    const e = env(home, { keychain: true });
    const added = await runCli(addArgs('testop', op.issuer), e);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const custody = vaultCustody(service, home);
    custodies.push(custody);
    const vaultKey = await custody.readKeychainKey();
    expect(vaultKey).toBeTruthy();
    secrets.add(vaultKey!);

    const { run } = await deviceConnect(home, 'testop', { login: 'dave' }, [], e);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('testop dave@example.test\n');
    rememberSecrets(home, vaultKey!);
    // A new vault asks before a program gets a token: this test process is allowed first.
    expect((await runCli(['allow', '--account', 'testop:*', '--pid', String(process.pid)], e)).code).toBe(0);
    const token = await runCli(['token', 'testop', 'dave@example.test'], e);
    expect(token.code).toBe(0);
    // Another connect reuses the vault and its key: no second key is made.
    const again = await deviceConnect(home, 'testop', { login: 'dave' }, [], e);
    expect(again.run.code).toBe(0);
    expect(await vaultCustody(service, home).readKeychainKey()).toBe(vaultKey);
    const check = JSON.parse((await runCli(['check', '--json'], e)).stdout) as { checks: Array<{ id: string; status: string }> };
    expect(check.checks.find((c) => c.id === 'encryption-key')).toMatchObject({ status: 'pass' });
  });

  it('connect from nothing without a keychain or OAUTH_ENCRYPTION_KEY: exit 78, nothing created', async () => {
    const home = newHome();
    const run = await runCli(['connect', 'microsoft', '--device'], {
      ...env(home, { keychain: true }),
      MICROSOFT_CLIENT_ID: 'test-client',
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/osmen-test-bus',
    });
    expectError(run, 78, 'KEYCHAIN_UNAVAILABLE');
    expect(readdirSync(home)).toEqual([]);
  });
});

describe('output', () => {
  it('no token, key or client secret in anything the CLI printed, except token answers', () => {
    expect(allRuns.length).toBeGreaterThan(40);
    for (const run of allRuns) {
      const text = run.args[0] === 'token' ? run.stderr : run.stdout + run.stderr;
      for (const s of secrets) expect(text.includes(s), `${run.args.join(' ')} printed a secret`).toBe(false);
    }
  });
});
