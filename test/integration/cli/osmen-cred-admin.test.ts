/**
 * `osmen-cred` looking after a vault: the health report (`check`), the security log (`log`),
 * key rotation, disconnect and keygen. Real CLI processes, a real vault per test and real
 * OpenID Providers on loopback (cli-vault.ts); after each test, no run may have printed a
 * secret but the asked-for access token.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { PUBLIC_CLIENT_ID } from '../../helpers/oidc-provider.js';
import { ALICE, BOB, CAROL, cliVault, finishVaults, startCliProviders, type CliProviders } from './cli-vault.js';

let p: CliProviders;

beforeAll(async () => {
  p = await startCliProviders();
});
afterEach(finishVaults);
afterAll(async () => {
  await p?.close();
});

const checks = (report: { checks: Array<{ id: string; status: string }> }) => report.checks.map((c) => `${c.id}: ${c.status}`);

describe('osmen-cred looking after a vault', () => {
  it('check prints the health report and exits 1 when a check fails', async () => {
    const v = await cliVault(p, { alice: true });
    const ok = await v.cli(['check', '--json']);
    const report = JSON.parse(ok.stdout) as { ok: boolean; checks: Array<{ id: string; status: string }> };
    // What this setup must produce: the key from OAUTH_ENCRYPTION_KEY (well-formed, but not in
    // the keychain), no Google or Microsoft client, a private data folder and log, an intact chain.
    expect(checks(report)).toEqual([
      'encryption-key-format: pass',
      'encryption-key: warn',
      'providers: warn',
      'permissions:home: pass',
      'permissions:db: pass',
      'permissions:db-wal: pass',
      'permissions:db-shm: pass',
      'permissions:log: pass',
      'permissions:log-head: pass', // the log has entries (the sign-in)
      'handoff-consent: warn', // the fixture hands tokens to any program of the user (same-user)
      'security-log-chain: pass',
      'security-log-rollback: pass',
      'security-log-reanchors: pass',
    ]);
    expect(report.ok).toBe(true);
    expect(ok.code).toBe(0);
    const text = await v.cli(['check']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/All checks passed\.\n$/);

    // A Google client id that cannot be one: a failing configuration check (and Google's secret is missing).
    const badEnv = { GOOGLE_CLIENT_ID: 'not-a-google-client-id' };
    const bad = await v.cli(['check', '--json'], badEnv);
    expect(bad.code).toBe(1);
    const badReport = JSON.parse(bad.stdout) as { ok: boolean; checks: Array<{ id: string; status: string }> };
    expect(badReport.ok).toBe(false);
    expect(checks(badReport).filter((c) => c.startsWith('env:') || c.startsWith('providers'))).toEqual([
      'env:GOOGLE_CLIENT_ID: fail',
      'env:GOOGLE_CLIENT_SECRET: warn',
    ]);
    expect(badReport.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['env:GOOGLE_CLIENT_ID']);
    const badText = await v.cli(['check'], badEnv);
    expect(badText.code).toBe(1);
    expect(badText.stdout).toMatch(/^FAIL {2}GOOGLE_CLIENT_ID/m);
    expect(badText.stdout).toMatch(/Some checks failed\.\n$/);
  });

  it('log shows recent entries (hashed user ids), and --verify detects an edited entry', async () => {
    // A sign-in, a refresh, and a grant the provider no longer knows: connect, refresh and needs_reauth entries.
    const v = await cliVault(p, { alice: true, bob: 'dead-grant', carol: true });
    expect((await v.cli(['refresh', 'testop', ALICE])).code).toBe(0);
    expect((await v.cli(['token', 'shortop', BOB])).code).toBe(3);

    const r = await v.cli(['log', '--tail', '5', '--json']);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as Array<{ seq: number; event: string; userHash?: string }>;
    expect(entries).toHaveLength(5);
    expect(entries.every((e) => typeof e.seq === 'number' && typeof e.event === 'string')).toBe(true);
    const all = JSON.parse((await v.cli(['log', '--tail', '10000', '--json'])).stdout) as Array<{ event: string }>;
    expect(all.map((e) => e.event)).toEqual(expect.arrayContaining(['connect', 'refresh', 'needs_reauth']));
    const text = await v.cli(['log']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^#\d+ {2}\d{4}-/m);
    for (const out of [r.stdout, text.stdout]) for (const user of [ALICE, BOB, CAROL]) expect(out).not.toContain(user);

    const verified = await v.cli(['log', '--verify']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^Security log verifies: \d+ entries/);

    const file = join(v.home.dir, 'security.log');
    const original = readFileSync(file, 'utf8');
    const lines = original.split('\n');
    lines[1] = lines[1]!.replace(/"event":"[a-z_]+"/, '"event":"tampered"');
    expect(lines.join('\n')).not.toBe(original);
    writeFileSync(file, lines.join('\n'));
    try {
      const broken = await v.cli(['log', '--verify', '--json']);
      expect(broken.code).toBe(1);
      const result = JSON.parse(broken.stdout) as { ok: boolean; firstBad?: { line: number } };
      expect(result.ok).toBe(false);
      expect(result.firstBad?.line).toBe(2);
      expect((await v.cli(['log', '--verify'])).stdout).toContain('does NOT verify');
    } finally {
      writeFileSync(file, original);
    }
    expect((await v.cli(['log', '--verify'])).code).toBe(0);
  });

  it('rotate-key with an environment key needs the new key given, then only the new key opens the vault', async () => {
    const v = await cliVault(p, { alice: true, bob: 'needs-reauth', carol: true });
    const alice = v.stored('testop', ALICE)!;
    const refused = await v.cli(['rotate-key']);
    expect(refused.code).toBe(78);
    expect(refused.stderr).toContain('[NEW_KEY_REQUIRED]');

    const same = await v.cli(['rotate-key'], { OSMEN_NEW_ENCRYPTION_KEY: v.key });
    expect(same.code).toBe(64);

    const next = EncryptionManager.generateKey();
    const r = await v.cli(['rotate-key', '--json'], { OSMEN_NEW_ENCRYPTION_KEY: next });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { rotated: number; keyId: string; keySource: string };
    // Every account of the vault, re-encrypted.
    expect(out).toEqual({ rotated: 3, keyId: new EncryptionManager(next).primaryKeyId, keySource: 'env' });

    const old = await v.cli(['list']);
    expect(old.code).toBe(78);
    expect(old.stderr).toContain('[KEY_MISMATCH]');
    v.rotateTo(next);
    const t = await v.cli(['token', 'testop', ALICE]);
    expect(t.code).toBe(0);
    expect(t.stdout).toBe(`${alice.accessToken}\n`);
    const log = JSON.parse((await v.cli(['log', '--tail', '3', '--json'])).stdout) as Array<{ event: string }>;
    expect(log.map((e) => e.event)).toContain('key_rotation');
  });

  it('disconnect revokes the grant at the provider and deletes the account', async () => {
    const v = await cliVault(p, { alice: true });
    const alice = v.stored('testop', ALICE)!;
    const r = await v.cli(['disconnect', 'testop', ALICE, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ provider: 'testop', userId: ALICE, deleted: true, revocation: 'revoked' });
    // The provider no longer honours the refresh token.
    const reuse = await fetch(`${p.op.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: alice.refreshToken!, client_id: PUBLIC_CLIENT_ID }),
    });
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
    const list = JSON.parse((await v.cli(['list', '--json'])).stdout) as Array<{ userId: string }>;
    expect(list.map((a) => a.userId)).not.toContain(ALICE);
    const again = await v.cli(['disconnect', 'testop', ALICE]);
    expect(again.code).toBe(2);
    expect((await v.cli(['token', 'testop', ALICE])).code).toBe(2);
  });

  it('keygen prints a usable key and stores nothing', async () => {
    const v = await cliVault(p);
    const before = readdirSync(v.home.dir).sort();
    const r = await v.cli(['keygen']);
    expect(r.code).toBe(0);
    const printed = /^ {2}(\S+)$/m.exec(r.stdout)?.[1];
    expect(printed).toMatch(/^\S{40,}$/);
    expect(() => new EncryptionManager(printed!)).not.toThrow();
    expect(readdirSync(v.home.dir).sort()).toEqual(before);
  });
});
