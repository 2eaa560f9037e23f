/**
 * `osmen-cred` end to end: the real CLI as a child process, against a real vault
 * (SQLite file in a temp OSMEN_HOME, key generated here) holding accounts
 * connected through a real OpenID Provider on loopback (oidc-provider, refresh
 * tokens rotated, revocation on), plus an issuer whose token endpoint answers 503.
 *
 * The tests run in order and share one vault: each step leaves the state the
 * next one starts from (like a person using the tool).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { KeyCustody, KEYCHAIN_SERVICE } from '../../../src/main/core/vault/key-custody.js';
import { TokenManager } from '../../../src/main/core/vault/token-store.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { allRuns, runCli, startUnavailableIssuer } from './run-cli.js';

const SCOPES = ['openid', 'email', 'profile', 'offline_access'];
const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';
const CAROL = 'carol@example.test';

let op: TestProvider; // access tokens live 1 h
let shortOp: TestProvider; // access tokens live 60 s: always inside the 5 min refresh window
let down: Awaited<ReturnType<typeof startUnavailableIssuer>>;
let home: ReturnType<typeof makeTmpHome>;
let key = EncryptionManager.generateKey();
const oldKeys: string[] = [];
/** Every token that ever was in the vault, and the keys: none may appear in output except `token`'s answer. */
const secrets = new Set<string>();

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home.dir,
  OSMEN_HOME: home.dir,
  OAUTH_ENCRYPTION_KEY: key,
  // Never the real keychain entry, even where a Secret Service runs.
  OSMEN_KEYCHAIN_SERVICE: `${KEYCHAIN_SERVICE} (cli test ${randomUUID()})`,
  ...extra,
});

function withStore<T>(fn: (tokens: TokenManager) => T): T {
  const tokens = new TokenManager({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(key) });
  try {
    return fn(tokens);
  } finally {
    tokens.close();
  }
}

/** Reads every stored token (remembering it as a secret) and returns the account's. */
function stored(provider: string, user: string) {
  return withStore((tokens) => {
    for (const a of tokens.listTokens()) {
      const t = tokens.getToken(a.provider, a.userId)!;
      for (const s of [t.accessToken, t.refreshToken, t.idToken]) if (s) secrets.add(s);
    }
    return tokens.getToken(provider, user);
  });
}

const ERROR_LINE = /^osmen-cred: error \[[A-Za-z][A-Za-z0-9_.-]*\]: [^\n]+\n$/;

beforeAll(async () => {
  op = await startTestProvider();
  shortOp = await startTestProvider({ accessTokenTtl: 60 });
  down = await startUnavailableIssuer();
  home = makeTmpHome('osmen-cli-');
  secrets.add(key);
  const core = await createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });
  try {
    await core.addCustomProvider({ id: 'testop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
    await core.addCustomProvider({ id: 'shortop', issuer: shortOp.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
    await core.addCustomProvider({ id: 'flaky', issuer: down.issuer, clientId: 'flaky-client', scopes: ['openid'] });
    await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'alice' }) });
    await core.connectAccount('shortop', { openUrl: (url) => void browseAuthorization(url, { login: 'bob' }) });
    // An expired token at a provider that is down: the CLI must try to refresh and fail transiently.
    coreInternals(core).tokens.saveToken('flaky', CAROL, {
      access_token: `flaky-at-${randomUUID()}`,
      refresh_token: `flaky-rt-${randomUUID()}`,
      expires_in: 0,
    });
  } finally {
    await core.close();
  }
  stored('testop', ALICE);
});

afterAll(async () => {
  await op?.close();
  await shortOp?.close();
  await down?.close();
  home?.cleanup();
});

describe('osmen-cred against a real vault and a real OpenID Provider', () => {
  it('prints help and rejects bad command lines with exit 64 and one error line', async () => {
    const help = await runCli(['--help'], env());
    expect(help.code).toBe(0);
    for (const c of ['token', 'list', 'check', 'refresh', 'disconnect', 'rotate-key', 'log', 'keygen']) expect(help.stdout).toContain(`  ${c}`);
    const tokenHelp = await runCli(['token', '--help'], env());
    expect(tokenHelp.code).toBe(0);
    expect(tokenHelp.stdout).toMatch(/^Usage: osmen-cred token <provider> <user>/);
    expect((await runCli(['help', 'log'], env())).stdout).toMatch(/^Usage: osmen-cred log/);

    for (const args of [['frobnicate'], ['token', 'testop'], ['token', 'testop', ALICE, 'extra'], ['list', '--bogus'], ['token', '--json', 'a', 'b'], ['log', '--tail', '0'], ['refresh'], ['refresh', '--all', 'testop', ALICE], []]) {
      const r = await runCli(args, env());
      if (args.length === 0) {
        expect(r.code).toBe(0); // bare `osmen-cred` shows the help
        continue;
      }
      expect(r.code, args.join(' ')).toBe(64);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(ERROR_LINE);
      expect(r.stderr).toContain('[USAGE]');
    }
  });

  it('list prints a table and --json metadata only', async () => {
    const table = await runCli(['list'], env());
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^PROVIDER\s+USER\s+STATUS/);
    expect(table.stdout).toContain(ALICE);
    expect(table.stdout).toContain(BOB);

    const r = await runCli(['list', '--json'], env());
    expect(r.code).toBe(0);
    const accounts = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(accounts.map((a) => `${a.provider}/${a.userId}`).sort()).toEqual([`flaky/${CAROL}`, `shortop/${BOB}`, `testop/${ALICE}`]);
    const alice = accounts.find((a) => a.userId === ALICE)!;
    expect(alice).toMatchObject({ provider: 'testop', status: 'active', hasRefreshToken: true, });
    expect(String(alice.tokenType).toLowerCase()).toBe('bearer');
    expect(Object.keys(alice).sort()).toEqual(
      ['createdAt', 'displayName', 'expiresAt', 'failureCount', 'hasRefreshToken', 'lastRefreshAt', 'nextAttemptAt', 'provider', 'scopes', 'status', 'statusDetail', 'tokenType', 'updatedAt', 'userId'].sort(),
    );
    expect(new Date(alice.expiresAt as string).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('token prints exactly the stored access token when it is fresh, without a token request', async () => {
    const before = stored('testop', ALICE)!;
    op.resetCounts();
    const r = await runCli(['token', 'testop', ALICE], env());
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${before.accessToken}\n`);
    expect(op.count()).toBe(0);
  });

  it('token refreshes first when the token is inside the refresh window', async () => {
    // 60 s tokens are inside the 5 min window from the start; this one is also past the middle of
    // its lifetime (before that, an account is not refreshed again, whatever the window).
    const before = stored('shortop', BOB)!;
    withStore((t) => t.saveToken('shortop', BOB, { access_token: before.accessToken, expires_in: 20 }));
    shortOp.resetCounts();
    const r = await runCli(['token', 'shortop', BOB], env());
    expect(r.code).toBe(0);
    const after = stored('shortop', BOB)!;
    expect(shortOp.count('refresh_token')).toBe(1);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken); // the OP rotated it; the vault kept the new one
    expect(r.stdout).toBe(`${after.accessToken}\n`);
  });

  it('four CLI processes asking at once for an expiring token make one token request', async () => {
    const current = stored('testop', ALICE)!;
    // Same tokens, 60 s left: due for every process (saveToken keeps the refresh token).
    withStore((t) => t.saveToken('testop', ALICE, { access_token: current.accessToken, expires_in: 60 }));
    op.resetCounts();
    const runs = await Promise.all(Array.from({ length: 4 }, () => runCli(['token', 'testop', ALICE], env())));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(op.count('refresh_token')).toBe(1);
    const after = stored('testop', ALICE)!;
    expect(after.accessToken).not.toBe(current.accessToken);
    // The one that refreshed prints the new token; a process that found another one refreshing
    // while its stored token was still valid printed that at once instead of waiting.
    for (const r of runs) expect([`${after.accessToken}\n`, `${current.accessToken}\n`]).toContain(r.stdout);
    expect(runs.some((r) => r.stdout === `${after.accessToken}\n`)).toBe(true);
  });

  it('works while the app has the vault open: one refresh, seen by both', async () => {
    // The "desktop app": the same core the app creates, open on the same home.
    // (Racing callers across processes are covered by the four-process test above.)
    const app = await createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });
    try {
      const current = stored('testop', ALICE)!;
      coreInternals(app).tokens.saveToken('testop', ALICE, { access_token: current.accessToken, expires_in: 60 });
      op.resetCounts();
      const cli = await runCli(['token', 'testop', ALICE], env());
      expect(cli.code).toBe(0);
      expect(op.count('refresh_token')).toBe(1);
      const after = stored('testop', ALICE)!;
      expect(cli.stdout).toBe(`${after.accessToken}\n`);
      // The app reads what the CLI wrote: no second request, same token.
      expect(await coreInternals(app).refresher.getValidAccessToken('testop', ALICE)).toBe(after.accessToken);
      expect(op.count('refresh_token')).toBe(1);
      // And the other way round: the app refreshes, the CLI serves the app's token.
      await app.refreshAccount('testop', ALICE);
      const byApp = stored('testop', ALICE)!;
      const again = await runCli(['token', 'testop', ALICE], env());
      expect(again.stdout).toBe(`${byApp.accessToken}\n`);
      expect(op.count('refresh_token')).toBe(2);
    } finally {
      await app.close();
    }
  });

  it('exits 2 for an unknown account and for a data folder without a vault', async () => {
    const r = await runCli(['token', 'testop', 'nobody@example.test'], env());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(ERROR_LINE);
    expect(r.stderr).toContain('[ACCOUNT_NOT_FOUND]');

    const empty = makeTmpHome('osmen-cli-empty-');
    try {
      const e = env({ OSMEN_HOME: empty.dir });
      const t = await runCli(['token', 'testop', ALICE], e);
      expect(t.code).toBe(2);
      expect(t.stderr).toContain('[NO_VAULT]');
      const l = await runCli(['list', '--json'], e);
      expect(l.code).toBe(0);
      expect(JSON.parse(l.stdout)).toEqual([]);
      // --home wins over OSMEN_HOME
      const viaHome = await runCli(['list', '--json', '--home', home.dir], e);
      expect(JSON.parse(viaHome.stdout)).toHaveLength(3);
      // Nothing was created in the empty folder.
      expect(readDirNames(empty.dir)).toEqual([]);
    } finally {
      empty.cleanup();
    }
  });

  it('exits 78 without a master key (creating none) and with the wrong key', async () => {
    const service = `${KEYCHAIN_SERVICE} (cli test ${randomUUID()})`;
    const noKey = await runCli(['list'], env({ OAUTH_ENCRYPTION_KEY: undefined, OSMEN_KEYCHAIN_SERVICE: service }));
    expect(noKey.code).toBe(78);
    expect(noKey.stderr).toMatch(ERROR_LINE);
    expect(noKey.stderr).toMatch(/\[(KEY_MISSING|KEYCHAIN_UNAVAILABLE)\]/);
    if (process.env.DBUS_SESSION_BUS_ADDRESS) {
      // The CLI looked in the keychain and left it as it was: no key invented beside an existing vault.
      expect(await new KeyCustody({ service, env: {} }).readKeychainKey()).toBeNull();
    }

    const wrong = await runCli(['token', 'testop', ALICE], env({ OAUTH_ENCRYPTION_KEY: EncryptionManager.generateKey() }));
    expect(wrong.code).toBe(78);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toContain('[KEY_MISMATCH]');

    const malformed = await runCli(['list'], env({ OAUTH_ENCRYPTION_KEY: 'not-a-key' }));
    expect(malformed.code).toBe(78);
    expect(malformed.stderr).toContain('[KEY_MALFORMED]');
  });

  it('exits 75 (temporary) when the token endpoint answers 503, and keeps the account', async () => {
    const r = await runCli(['token', 'flaky', CAROL], env());
    expect(r.code).toBe(75);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(ERROR_LINE);
    expect(down.tokenRequests()).toBeGreaterThanOrEqual(1);
    const list = JSON.parse((await runCli(['list', '--json'], env())).stdout) as Array<Record<string, unknown>>;
    const carol = list.find((a) => a.userId === CAROL)!;
    expect(carol).toMatchObject({ status: 'refresh_failing', hasRefreshToken: true });
    expect(carol.failureCount).toBeGreaterThanOrEqual(1);
    // Still temporary on the next call (in backoff: no new request needed to know).
    expect((await runCli(['token', 'flaky', CAROL], env())).code).toBe(75);
  });

  it('refresh <provider> <user> refreshes now, whatever the expiry', async () => {
    const before = stored('testop', ALICE)!;
    op.resetCounts();
    const r = await runCli(['refresh', 'testop', ALICE], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Refreshed testop\/alice@example\.test/);
    expect(op.count('refresh_token')).toBe(1);
    expect(stored('testop', ALICE)!.accessToken).not.toBe(before.accessToken);

    const j = await runCli(['refresh', 'testop', ALICE, '--json'], env());
    expect(j.code).toBe(0);
    const meta = JSON.parse(j.stdout) as Record<string, unknown>;
    expect(meta).toMatchObject({ provider: 'testop', userId: ALICE, status: 'active' });
    expect(meta.lastRefreshAt).not.toBeNull();
    expect(op.count('refresh_token')).toBe(2);

    const missing = await runCli(['refresh', 'testop', 'nobody@example.test'], env());
    expect(missing.code).toBe(2);
  });

  it('exits 3 (needs sign-in) once the grant is revoked at the provider, without retrying it', async () => {
    const bob = stored('shortop', BOB)!;
    const revoke = await fetch(`${shortOp.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: bob.refreshToken!, token_type_hint: 'refresh_token', client_id: PUBLIC_CLIENT_ID }),
    });
    expect(revoke.status).toBe(200);
    // Past the middle of its lifetime, so `token` refreshes it (and learns the grant is gone).
    withStore((t) => t.saveToken('shortop', BOB, { access_token: bob.accessToken, expires_in: 20 }));
    shortOp.resetCounts();
    const r = await runCli(['token', 'shortop', BOB], env());
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(ERROR_LINE);
    expect(shortOp.count('refresh_token')).toBe(1);
    const list = JSON.parse((await runCli(['list', '--json'], env())).stdout) as Array<Record<string, unknown>>;
    expect(list.find((a) => a.userId === BOB)).toMatchObject({ status: 'needs_reauth' });
    const again = await runCli(['token', 'shortop', BOB], env());
    expect(again.code).toBe(3);
    expect(shortOp.count('refresh_token')).toBe(1); // a dead grant is not hammered
  });

  it('refresh --all reports each account and exits with the worst failure', async () => {
    op.resetCounts();
    const r = await runCli(['refresh', '--all', '--json'], env());
    expect(r.code).toBe(75); // carol's provider is down; bob (needs sign-in) is skipped
    const out = JSON.parse(r.stdout) as { refreshed: number; failed: number; skipped: number; results: Array<Record<string, unknown>> };
    expect(out.skipped).toBe(1);
    expect(out.refreshed).toBe(1);
    expect(out.failed).toBe(1);
    expect(out.results.find((x) => x.userId === ALICE)).toMatchObject({ provider: 'testop', ok: true });
    expect(out.results.find((x) => x.userId === CAROL)).toMatchObject({ provider: 'flaky', ok: false, error: { exitCode: 75 } });
    expect(op.count('refresh_token')).toBe(1);

    const text = await runCli(['refresh', '--all'], env());
    expect(text.code).toBe(75);
    expect(text.stdout).toMatch(/^PROVIDER\s+USER\s+RESULT/);
    expect(text.stdout).toContain('1 account(s) skipped');
  });

  it('check prints the health report and exits 1 when a check fails', async () => {
    const ok = await runCli(['check', '--json'], env());
    const report = JSON.parse(ok.stdout) as { ok: boolean; checks: Array<{ id: string; status: string }> };
    expect(report.checks.length).toBeGreaterThan(0);
    expect(report.checks.find((c) => c.id === 'encryption-key-format')).toMatchObject({ status: 'pass' });
    expect(report.ok).toBe(true);
    expect(ok.code).toBe(0);
    const text = await runCli(['check'], env());
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/All checks passed\.\n$/);

    // A Google client id that cannot be one: a failing configuration check.
    const badEnv = env({ GOOGLE_CLIENT_ID: 'not-a-google-client-id' });
    const bad = await runCli(['check', '--json'], badEnv);
    expect(bad.code).toBe(1);
    const badReport = JSON.parse(bad.stdout) as { ok: boolean; checks: Array<{ id: string; status: string }> };
    expect(badReport.ok).toBe(false);
    expect(badReport.checks.find((c) => c.id === 'env:GOOGLE_CLIENT_ID')).toMatchObject({ status: 'fail' });
    const badText = await runCli(['check'], badEnv);
    expect(badText.code).toBe(1);
    expect(badText.stdout).toMatch(/^FAIL {2}GOOGLE_CLIENT_ID/m);
    expect(badText.stdout).toMatch(/Some checks failed\.\n$/);
  });

  it('log shows recent entries (hashed user ids), and --verify detects an edited entry', async () => {
    const r = await runCli(['log', '--tail', '5', '--json'], env());
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as Array<{ seq: number; event: string; userHash?: string }>;
    expect(entries).toHaveLength(5);
    expect(entries.every((e) => typeof e.seq === 'number' && typeof e.event === 'string')).toBe(true);
    const all = JSON.parse((await runCli(['log', '--tail', '10000', '--json'], env())).stdout) as Array<{ event: string }>;
    expect(all.map((e) => e.event)).toEqual(expect.arrayContaining(['connect', 'refresh', 'needs_reauth']));
    const text = await runCli(['log'], env());
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^#\d+ {2}\d{4}-/m);
    for (const out of [r.stdout, text.stdout]) for (const user of [ALICE, BOB, CAROL]) expect(out).not.toContain(user);

    const verified = await runCli(['log', '--verify'], env());
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^Security log verifies: \d+ entries/);

    const file = join(home.dir, 'security.log');
    const original = readFileSync(file, 'utf8');
    const lines = original.split('\n');
    lines[1] = lines[1]!.replace(/"event":"[a-z_]+"/, '"event":"tampered"');
    expect(lines.join('\n')).not.toBe(original);
    writeFileSync(file, lines.join('\n'));
    try {
      const broken = await runCli(['log', '--verify', '--json'], env());
      expect(broken.code).toBe(1);
      const result = JSON.parse(broken.stdout) as { ok: boolean; firstBad?: { line: number } };
      expect(result.ok).toBe(false);
      expect(result.firstBad?.line).toBe(2);
      expect((await runCli(['log', '--verify'], env())).stdout).toContain('does NOT verify');
    } finally {
      writeFileSync(file, original);
    }
    expect((await runCli(['log', '--verify'], env())).code).toBe(0);
  });

  it('rotate-key with an environment key needs the new key given, then only the new key opens the vault', async () => {
    const alice = stored('testop', ALICE)!;
    const refused = await runCli(['rotate-key'], env());
    expect(refused.code).toBe(78);
    expect(refused.stderr).toContain('[NEW_KEY_REQUIRED]');

    const same = await runCli(['rotate-key'], env({ OSMEN_NEW_ENCRYPTION_KEY: key }));
    expect(same.code).toBe(64);

    const next = EncryptionManager.generateKey();
    secrets.add(next);
    const r = await runCli(['rotate-key', '--json'], env({ OSMEN_NEW_ENCRYPTION_KEY: next }));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { rotated: number; keyId: string; keySource: string };
    expect(out).toEqual({ rotated: 3, keyId: new EncryptionManager(next).primaryKeyId, keySource: 'env' });

    const old = await runCli(['list'], env());
    expect(old.code).toBe(78);
    expect(old.stderr).toContain('[KEY_MISMATCH]');
    oldKeys.push(key);
    key = next;
    const t = await runCli(['token', 'testop', ALICE], env());
    expect(t.code).toBe(0);
    expect(t.stdout).toBe(`${alice.accessToken}\n`);
    const log = JSON.parse((await runCli(['log', '--tail', '3', '--json'], env())).stdout) as Array<{ event: string }>;
    expect(log.map((e) => e.event)).toContain('key_rotation');
  });

  it('disconnect revokes the grant at the provider and deletes the account', async () => {
    const alice = stored('testop', ALICE)!;
    const r = await runCli(['disconnect', 'testop', ALICE, '--json'], env());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ provider: 'testop', userId: ALICE, deleted: true, revocation: 'revoked' });
    // The provider no longer honours the refresh token.
    const reuse = await fetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: alice.refreshToken!, client_id: PUBLIC_CLIENT_ID }),
    });
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
    const list = JSON.parse((await runCli(['list', '--json'], env())).stdout) as Array<{ userId: string }>;
    expect(list.map((a) => a.userId)).not.toContain(ALICE);
    const again = await runCli(['disconnect', 'testop', ALICE], env());
    expect(again.code).toBe(2);
    expect((await runCli(['token', 'testop', ALICE], env())).code).toBe(2);
  });

  it('keygen prints a usable key and stores nothing', async () => {
    const before = readDirNames(home.dir);
    const r = await runCli(['keygen'], env());
    expect(r.code).toBe(0);
    const printed = /^ {2}(\S+)$/m.exec(r.stdout)?.[1];
    expect(printed).toBeDefined();
    expect(() => new EncryptionManager(printed!)).not.toThrow();
    expect(readDirNames(home.dir)).toEqual(before);
  });

  it('never prints a secret except the requested access token', () => {
    const known = [...secrets, ...oldKeys].filter((s) => s.length >= 16);
    expect(known.length).toBeGreaterThan(8);
    expect(allRuns.length).toBeGreaterThan(40);
    for (const run of allRuns) {
      const isToken = run.args[0] === 'token' && !run.args.includes('--help') && run.code === 0;
      const visible = isToken ? run.stderr : run.stdout + run.stderr;
      for (const s of known) expect(visible.includes(s), `${run.args.join(' ')} printed a secret`).toBe(false);
      if (isToken) {
        const printed = run.stdout.slice(0, -1);
        expect(run.stdout.endsWith('\n') && !printed.includes('\n')).toBe(true);
        // The one token printed is an access token, never a refresh or ID token or a key.
        for (const s of known) if (s !== printed) expect(printed.includes(s)).toBe(false);
        expect(secrets.has(printed)).toBe(true);
      }
    }
  });
});

function readDirNames(dir: string): string[] {
  return readdirSync(dir).sort();
}
