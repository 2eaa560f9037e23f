/**
 * `osmen-cred` end to end: the real CLI as a child process, against a real vault (SQLite file
 * in a temp OSMEN_HOME, key generated here) holding accounts connected through a real OpenID
 * Provider on loopback (oidc-provider, refresh tokens rotated, revocation on), plus an issuer
 * whose token endpoint answers 503. Each test has a vault and accounts of its own
 * (cli-vault.ts); after each, no run may have printed a secret but the asked-for access token.
 * Health, log, key rotation, disconnect and keygen: osmen-cred-admin.test.ts.
 */
import { readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { KeyCustody, KEYCHAIN_SERVICE } from '../../../src/main/core/vault/key-custody.js';
import { PUBLIC_CLIENT_ID } from '../../helpers/oidc-provider.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import {
  ALICE,
  BOB,
  CAROL,
  ERROR_LINE,
  cliVault,
  finishVaults,
  printedSecrets,
  startCliProviders,
  type CliProviders,
} from './cli-vault.js';

let p: CliProviders;

beforeAll(async () => {
  p = await startCliProviders();
});
afterEach(finishVaults);
afterAll(async () => {
  await p?.close();
});

describe('osmen-cred against a real vault and a real OpenID Provider', () => {
  it('prints help and rejects bad command lines with exit 64 and one error line', async () => {
    const v = await cliVault(p);
    const help = await v.cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['token', 'list', 'check', 'refresh', 'disconnect', 'rotate-key', 'log', 'keygen'])
      expect(help.stdout).toContain(`  ${c}`);
    const tokenHelp = await v.cli(['token', '--help']);
    expect(tokenHelp.code).toBe(0);
    expect(tokenHelp.stdout).toMatch(/^Usage: osmen-cred token <provider> <user>/);
    expect((await v.cli(['help', 'log'])).stdout).toMatch(/^Usage: osmen-cred log/);

    for (const args of [
      ['frobnicate'],
      ['token', 'testop'],
      ['token', 'testop', ALICE, 'extra'],
      ['list', '--bogus'],
      ['token', '--json', 'a', 'b'],
      ['log', '--tail', '0'],
      ['refresh'],
      ['refresh', '--all', 'testop', ALICE],
      [],
    ]) {
      const r = await v.cli(args);
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
    const v = await cliVault(p, { alice: true, bob: 'connected', carol: true });
    const table = await v.cli(['list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^PROVIDER\s+USER\s+STATUS/);
    expect(table.stdout).toContain(ALICE);
    expect(table.stdout).toContain(BOB);

    const r = await v.cli(['list', '--json']);
    expect(r.code).toBe(0);
    const accounts = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(accounts.map((a) => `${a.provider}/${a.userId}`).sort()).toEqual([`flaky/${CAROL}`, `shortop/${BOB}`, `testop/${ALICE}`]);
    const alice = accounts.find((a) => a.userId === ALICE)!;
    expect(alice).toMatchObject({ provider: 'testop', status: 'active', hasRefreshToken: true });
    expect(String(alice.tokenType).toLowerCase()).toBe('bearer');
    expect(Object.keys(alice).sort()).toEqual(
      [
        'createdAt',
        'displayName',
        'expiresAt',
        'failureCount',
        'hasRefreshToken',
        'lastRefreshAt',
        'nextAttemptAt',
        'provider',
        'scopes',
        'status',
        'statusDetail',
        'tokenType',
        'updatedAt',
        'userId',
      ].sort(),
    );
    expect(new Date(alice.expiresAt as string).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
  });

  it('token prints exactly the stored access token when it is fresh, without a token request', async () => {
    const v = await cliVault(p, { alice: true });
    const before = v.stored('testop', ALICE)!;
    p.op.resetCounts();
    const r = await v.cli(['token', 'testop', ALICE]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${before.accessToken}\n`);
    expect(p.op.count()).toBe(0);
  });

  it('token refreshes first when the token is inside the refresh window', async () => {
    const v = await cliVault(p, { bob: 'connected' });
    // 60 s tokens are inside the 5 min window from the start; this one is also past the middle of
    // its lifetime (before that, an account is not refreshed again, whatever the window).
    const before = v.stored('shortop', BOB)!;
    v.withStore((t) => t.saveToken('shortop', BOB, { access_token: before.accessToken, expires_in: 20 }));
    p.shortOp.resetCounts();
    const r = await v.cli(['token', 'shortop', BOB]);
    expect(r.code).toBe(0);
    const after = v.stored('shortop', BOB)!;
    expect(p.shortOp.count('refresh_token')).toBe(1);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken); // the OP rotated it; the vault kept the new one
    expect(r.stdout).toBe(`${after.accessToken}\n`);
  });

  it('four CLI processes asking at once for an expiring token make one token request', async () => {
    const v = await cliVault(p, { alice: true });
    const current = v.stored('testop', ALICE)!;
    // Same tokens, 60 s left: due for every process (saveToken keeps the refresh token).
    v.withStore((t) => t.saveToken('testop', ALICE, { access_token: current.accessToken, expires_in: 60 }));
    p.op.resetCounts();
    const runs = await Promise.all(Array.from({ length: 4 }, () => v.cli(['token', 'testop', ALICE])));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(p.op.count('refresh_token')).toBe(1);
    const after = v.stored('testop', ALICE)!;
    expect(after.accessToken).not.toBe(current.accessToken);
    // The one that refreshed prints the new token; a process that found another one refreshing
    // while its stored token was still valid printed that at once instead of waiting.
    for (const r of runs) expect([`${after.accessToken}\n`, `${current.accessToken}\n`]).toContain(r.stdout);
    expect(runs.some((r) => r.stdout === `${after.accessToken}\n`)).toBe(true);
  });

  it('works while the app has the vault open: one refresh, seen by both', async () => {
    const v = await cliVault(p, { alice: true });
    // The "desktop app": the same core the app creates, open on the same home.
    // (Racing callers across processes are covered by the four-process test above.)
    const app = await createCredentialCore({ home: v.home.dir, encryptionKey: v.key, env: {} });
    try {
      const current = v.stored('testop', ALICE)!;
      coreInternals(app).tokens.saveToken('testop', ALICE, { access_token: current.accessToken, expires_in: 60 });
      p.op.resetCounts();
      const cli = await v.cli(['token', 'testop', ALICE]);
      expect(cli.code).toBe(0);
      expect(p.op.count('refresh_token')).toBe(1);
      const after = v.stored('testop', ALICE)!;
      expect(cli.stdout).toBe(`${after.accessToken}\n`);
      // The app reads what the CLI wrote: no second request, same token.
      expect(await coreInternals(app).refresher.getValidAccessToken('testop', ALICE)).toBe(after.accessToken);
      expect(p.op.count('refresh_token')).toBe(1);
      // And the other way round: the app refreshes, the CLI serves the app's token.
      await app.refreshAccount('testop', ALICE);
      const byApp = v.stored('testop', ALICE)!;
      const again = await v.cli(['token', 'testop', ALICE]);
      expect(again.stdout).toBe(`${byApp.accessToken}\n`);
      expect(p.op.count('refresh_token')).toBe(2);
    } finally {
      await app.close();
    }
  });

  it('exits 2 for an unknown account and for a data folder without a vault', async () => {
    const v = await cliVault(p, { alice: true, carol: true });
    const r = await v.cli(['token', 'testop', 'nobody@example.test']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(ERROR_LINE);
    expect(r.stderr).toContain('[ACCOUNT_NOT_FOUND]');

    const empty = makeTmpHome('osmen-cli-empty-');
    try {
      const e = { OSMEN_HOME: empty.dir };
      const t = await v.cli(['token', 'testop', ALICE], e);
      expect(t.code).toBe(2);
      expect(t.stderr).toContain('[NO_VAULT]');
      const l = await v.cli(['list', '--json'], e);
      expect(l.code).toBe(0);
      expect(JSON.parse(l.stdout)).toEqual([]);
      // --home wins over OSMEN_HOME: the vault's two accounts.
      const viaHome = await v.cli(['list', '--json', '--home', v.home.dir], e);
      expect((JSON.parse(viaHome.stdout) as Array<{ userId: string }>).map((a) => a.userId).sort()).toEqual([ALICE, CAROL]);
      // Nothing was created in the empty folder.
      expect(readdirSync(empty.dir)).toEqual([]);
    } finally {
      empty.cleanup();
    }
  });

  it('exits 78 without a master key (creating none) and with the wrong key', async () => {
    const v = await cliVault(p, { alice: true });
    const service = `${KEYCHAIN_SERVICE} (cli test ${randomUUID()})`;
    const noKey = await v.cli(['list'], { OAUTH_ENCRYPTION_KEY: undefined, OSMEN_KEYCHAIN_SERVICE: service });
    expect(noKey.code).toBe(78);
    expect(noKey.stderr).toMatch(ERROR_LINE);
    expect(noKey.stderr).toMatch(/\[(KEY_MISSING|KEYCHAIN_UNAVAILABLE)\]/);
    if (process.env.DBUS_SESSION_BUS_ADDRESS) {
      // The CLI looked in the keychain and left it as it was: no key invented beside an existing vault.
      expect(await new KeyCustody({ service, env: {} }).readKeychainKey()).toBeNull();
    }

    const wrong = await v.cli(['token', 'testop', ALICE], { OAUTH_ENCRYPTION_KEY: EncryptionManager.generateKey() });
    expect(wrong.code).toBe(78);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toContain('[KEY_MISMATCH]');

    const malformed = await v.cli(['list'], { OAUTH_ENCRYPTION_KEY: 'not-a-key' });
    expect(malformed.code).toBe(78);
    expect(malformed.stderr).toContain('[KEY_MALFORMED]');
  });

  it('exits 75 (temporary) when the token endpoint answers 503, and keeps the account', async () => {
    const v = await cliVault(p, { carol: true });
    const hitsBefore = p.down.tokenRequests();
    const r = await v.cli(['token', 'flaky', CAROL]);
    expect(r.code).toBe(75);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(ERROR_LINE);
    expect(p.down.tokenRequests() - hitsBefore).toBeGreaterThanOrEqual(1);
    const list = JSON.parse((await v.cli(['list', '--json'])).stdout) as Array<Record<string, unknown>>;
    const carol = list.find((a) => a.userId === CAROL)!;
    expect(carol).toMatchObject({ status: 'refresh_failing', hasRefreshToken: true });
    expect(carol.failureCount).toBeGreaterThanOrEqual(1);
    // Still temporary on the next call (in backoff: no new request needed to know).
    expect((await v.cli(['token', 'flaky', CAROL])).code).toBe(75);
  });

  it('refresh <provider> <user> refreshes now, whatever the expiry', async () => {
    const v = await cliVault(p, { alice: true });
    const before = v.stored('testop', ALICE)!;
    p.op.resetCounts();
    const r = await v.cli(['refresh', 'testop', ALICE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Refreshed testop\/alice@example\.test/);
    expect(p.op.count('refresh_token')).toBe(1);
    expect(v.stored('testop', ALICE)!.accessToken).not.toBe(before.accessToken);

    const j = await v.cli(['refresh', 'testop', ALICE, '--json']);
    expect(j.code).toBe(0);
    const meta = JSON.parse(j.stdout) as Record<string, unknown>;
    expect(meta).toMatchObject({ provider: 'testop', userId: ALICE, status: 'active' });
    expect(meta.lastRefreshAt).not.toBeNull();
    expect(p.op.count('refresh_token')).toBe(2);

    const missing = await v.cli(['refresh', 'testop', 'nobody@example.test']);
    expect(missing.code).toBe(2);
  });

  it('exits 3 (needs sign-in) once the grant is revoked at the provider, without retrying it', async () => {
    const v = await cliVault(p, { bob: 'connected' });
    const bob = v.stored('shortop', BOB)!;
    const revoke = await fetch(`${p.shortOp.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: bob.refreshToken!, token_type_hint: 'refresh_token', client_id: PUBLIC_CLIENT_ID }),
    });
    expect(revoke.status).toBe(200);
    // Past the middle of its lifetime, so `token` refreshes it (and learns the grant is gone).
    v.withStore((t) => t.saveToken('shortop', BOB, { access_token: bob.accessToken, expires_in: 20 }));
    p.shortOp.resetCounts();
    const r = await v.cli(['token', 'shortop', BOB]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(ERROR_LINE);
    expect(p.shortOp.count('refresh_token')).toBe(1);
    const list = JSON.parse((await v.cli(['list', '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(list.find((a) => a.userId === BOB)).toMatchObject({ status: 'needs_reauth' });
    const again = await v.cli(['token', 'shortop', BOB]);
    expect(again.code).toBe(3);
    expect(p.shortOp.count('refresh_token')).toBe(1); // a dead grant is not hammered
  });

  it('refresh --all reports each account and exits with the worst failure', async () => {
    const v = await cliVault(p, { alice: true, bob: 'needs-reauth', carol: true });
    p.op.resetCounts();
    const r = await v.cli(['refresh', '--all', '--json']);
    expect(r.code).toBe(75); // carol's provider is down; bob (needs sign-in) is skipped
    const out = JSON.parse(r.stdout) as { refreshed: number; failed: number; skipped: number; results: Array<Record<string, unknown>> };
    expect(out.skipped).toBe(1);
    expect(out.refreshed).toBe(1);
    expect(out.failed).toBe(1);
    expect(out.results.find((x) => x.userId === ALICE)).toMatchObject({ provider: 'testop', ok: true });
    expect(out.results.find((x) => x.userId === CAROL)).toMatchObject({ provider: 'flaky', ok: false, error: { exitCode: 75 } });
    expect(p.op.count('refresh_token')).toBe(1);

    const text = await v.cli(['refresh', '--all']);
    expect(text.code).toBe(75);
    expect(text.stdout).toMatch(/^PROVIDER\s+USER\s+RESULT/);
    expect(text.stdout).toContain('1 account(s) skipped');
  });
});

describe('the secret check run after each test', () => {
  it('catches a key or refresh token in any output, and a token command printing anything but an access token', () => {
    const secrets = { access: new Set(['ACCESS-TOKEN-0123456789']), other: new Set(['REFRESH-TOKEN-0123456789', 'KEY-0123456789abcdef']) };
    const run = (args: string[], stdout: string, stderr = '', code = 0) => ({ args, code, stdout, stderr });
    expect(printedSecrets([run(['token', 'p', 'u'], 'ACCESS-TOKEN-0123456789\n'), run(['list'], 'no secrets here\n')], secrets)).toEqual(
      [],
    );
    expect(printedSecrets([run(['list'], 'x KEY-0123456789abcdef\n')], secrets)).toEqual(['list printed a secret']);
    expect(printedSecrets([run(['check'], '', 'ACCESS-TOKEN-0123456789', 1)], secrets)).toEqual(['check printed a secret']);
    expect(printedSecrets([run(['token', 'p', 'u'], 'REFRESH-TOKEN-0123456789\n')], secrets)).toEqual([
      'token p u printed something that is not a stored access token',
    ]);
    expect(printedSecrets([run(['token', 'p', 'u'], 'ACCESS-TOKEN-0123456789\n', 'REFRESH-TOKEN-0123456789')], secrets)).toEqual([
      'token p u printed a secret',
    ]);
  });
});
