import { readFileSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/main/core/index.js';
import { type VaultError } from '../../src/main/core/errors.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';

let home: { dir: string; cleanup: () => void };
const key = EncryptionManager.generateKey();
const open = (dbPath = join(home.dir, 'vault', 'tokens.db'), k = key, now?: () => number) =>
  new TokenStore({ dbPath, encryption: new EncryptionManager(k), now });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as VaultError).code;
  }
  return undefined;
}

beforeEach(() => {
  home = makeTmpHome();
});
afterEach(() => home.cleanup());

describe('TokenStore storage', () => {
  it('saves, retrieves, lists and deletes', () => {
    const tm = open();
    tm.saveToken('google', 'alice@example.com', {
      access_token: 'ya29.access-A',
      refresh_token: '1//refresh-A',
      expires_in: 3599,
      scope: 'openid email https://www.googleapis.com/auth/gmail.readonly',
      id_token: 'eyJ.id.token',
      token_type: 'Bearer',
    });
    const t = tm.getToken('google', 'alice@example.com')!;
    expect(t.accessToken).toBe('ya29.access-A');
    expect(t.refreshToken).toBe('1//refresh-A');
    expect(t.idToken).toBe('eyJ.id.token');
    expect(t.tokenType).toBe('Bearer');
    expect(t.scopes).toEqual(['openid', 'email', 'https://www.googleapis.com/auth/gmail.readonly']);
    expect(Math.abs(t.expiresAt!.getTime() - (Date.now() + 3599_000))).toBeLessThan(5000);
    const list = tm.listTokens();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ provider: 'google', userId: 'alice@example.com', status: 'active', hasRefreshToken: true });
    expect(JSON.stringify(list)).not.toMatch(/ya29|1\/\/|eyJ/);
    expect(tm.deleteToken('google', 'alice@example.com')).toBe(true);
    expect(tm.deleteToken('google', 'alice@example.com')).toBe(false);
    expect(tm.getToken('google', 'alice@example.com')).toBeNull();
    tm.close();
  });

  it('accepts the seed shape (scopes list) and absolute expires_at', () => {
    const tm = open(':memory:');
    tm.saveToken('microsoft', 'bob', { access_token: 'a', scopes: ['User.Read', 'offline_access'], expires_at: 2_000_000_000 });
    const t = tm.getToken('microsoft', 'bob')!;
    expect(t.scopes).toEqual(['User.Read', 'offline_access']);
    expect(t.expiresAt!.getTime()).toBe(2_000_000_000_000);
    tm.close();
  });

  it('keeps the stored refresh token when a refresh response has none (Google)', () => {
    const tm = open();
    tm.saveToken('google', 'u', { access_token: 'a1', refresh_token: '1//keep-me', expires_in: 3600, scope: 'openid' });
    tm.saveToken('google', 'u', { access_token: 'a2', expires_in: 3599 });
    const t = tm.getToken('google', 'u')!;
    expect(t.accessToken).toBe('a2');
    expect(t.refreshToken).toBe('1//keep-me');
    expect(t.scopes).toEqual(['openid']); // RFC 6749 §5.1: scope omitted = unchanged
    tm.close();
  });

  it('replaces the refresh token when the provider rotates it (Microsoft)', () => {
    const tm = open();
    tm.saveToken('microsoft', 'u', { access_token: 'a1', refresh_token: 'r1' });
    tm.saveToken('microsoft', 'u', { access_token: 'a2', refresh_token: 'r2' });
    expect(tm.getToken('microsoft', 'u')!.refreshToken).toBe('r2');
    tm.close();
  });

  it('keeps created_at across upserts and moves updated_at', () => {
    let now = 1_700_000_000_000;
    const tm = open(undefined, key, () => now);
    tm.saveToken('google', 'u', { access_token: 'a1', expires_in: 60 });
    now += 10_000;
    tm.saveToken('google', 'u', { access_token: 'a2', expires_in: 60 }, { refreshed: true });
    const [m] = tm.listTokens();
    expect(m!.createdAt.getTime()).toBe(1_700_000_000_000);
    expect(m!.updatedAt.getTime()).toBe(1_700_000_010_000);
    expect(m!.lastRefreshAt!.getTime()).toBe(1_700_000_010_000);
    expect(m!.expiresAt!.getTime()).toBe(1_700_000_070_000);
    tm.close();
  });

  it('stores times as UTC epoch milliseconds', () => {
    const tm = open();
    tm.saveToken('google', 'u', { access_token: 'a', expires_in: 100 });
    tm.close();
    const db = new Database(join(home.dir, 'vault', 'tokens.db'), { readonly: true });
    const row = db.prepare('SELECT expires_at, created_at, typeof(expires_at) AS t FROM tokens').get() as Record<string, unknown>;
    db.close();
    expect(row.t).toBe('integer');
    expect(Math.abs((row.created_at as number) - Date.now())).toBeLessThan(5000);
  });

  it('a ciphertext copied into another row does not decrypt', () => {
    const dbPath = join(home.dir, 'vault', 'tokens.db');
    const tm = open(dbPath);
    tm.saveToken('google', 'alice', { access_token: 'alice-secret', refresh_token: 'alice-refresh' });
    tm.saveToken('google', 'mallory', { access_token: 'mallory-secret', refresh_token: 'mallory-refresh' });
    tm.close();
    const db = new Database(dbPath);
    const alice = db.prepare("SELECT access_token_enc, refresh_token_enc FROM tokens WHERE user_id='alice'").get() as Record<
      string,
      string
    >;
    db.prepare("UPDATE tokens SET access_token_enc = ? WHERE user_id='mallory'").run(alice.access_token_enc);
    db.prepare("UPDATE tokens SET refresh_token_enc = ? WHERE user_id='alice'").run(alice.access_token_enc);
    db.close();
    const again = open(dbPath);
    expect(codeOf(() => again.getToken('google', 'mallory'))).toBe('DECRYPT_FAILED');
    // swapping fields inside one row fails too
    expect(codeOf(() => again.getToken('google', 'alice'))).toBe('DECRYPT_FAILED');
    again.close();
  });

  it('getAccessToken decrypts only the access token', () => {
    const dbPath = join(home.dir, 'vault', 'tokens.db');
    const tm = open(dbPath);
    tm.saveToken('google', 'alice', { access_token: 'hot', refresh_token: 'cold', expires_in: 60 });
    tm.close();
    const db = new Database(dbPath);
    // A sealed value of this vault's key, but bound to the access-token field: opening it as
    // the refresh token is a real decryption attempt that fails (not a malformed-input shortcut).
    db.prepare('UPDATE tokens SET refresh_token_enc = access_token_enc').run();
    db.close();
    const again = open(dbPath);
    expect(again.getAccessToken('google', 'alice')).toMatchObject({ accessToken: 'hot', status: 'active' });
    expect(codeOf(() => again.getToken('google', 'alice'))).toBe('DECRYPT_FAILED');
    expect(again.getAccessToken('google', 'nobody')).toBeNull();
    again.close();
  });

  it('tampered ciphertext in the database gives a typed error', () => {
    const dbPath = join(home.dir, 'vault', 'tokens.db');
    const tm = open(dbPath);
    tm.saveToken('google', 'alice', { access_token: 'alice-secret' });
    tm.close();
    const db = new Database(dbPath);
    const ct = (db.prepare('SELECT access_token_enc AS c FROM tokens').get() as { c: string }).c;
    const flipped = ct.slice(0, -3) + (ct.at(-3) === 'A' ? 'B' : 'A') + ct.slice(-2);
    db.prepare('UPDATE tokens SET access_token_enc = ?').run(flipped);
    db.close();
    const again = open(dbPath);
    expect(codeOf(() => again.getToken('google', 'alice'))).toBe('DECRYPT_FAILED');
    again.close();
  });

  it('opening with the wrong key is refused and loses nothing', () => {
    const dbPath = join(home.dir, 'vault', 'tokens.db');
    const tm = open(dbPath);
    tm.saveToken('google', 'alice', { access_token: 'keep' });
    tm.close();
    expect(codeOf(() => open(dbPath, EncryptionManager.generateKey()))).toBe('KEY_MISMATCH');
    const again = open(dbPath);
    expect(again.getToken('google', 'alice')!.accessToken).toBe('keep');
    again.close();
  });

  it('rotateKey re-encrypts every row under the new key', () => {
    const dbPath = join(home.dir, 'vault', 'tokens.db');
    const tm = open(dbPath);
    for (let i = 0; i < 50; i++) tm.saveToken('google', `u${i}`, { access_token: `a${i}`, refresh_token: `r${i}`, id_token: `i${i}` });
    const newKey = EncryptionManager.generateKey();
    const result = tm.rotateKey(newKey);
    expect(result.rotated).toBe(50);
    expect(tm.getToken('google', 'u7')!.refreshToken).toBe('r7');
    tm.close();
    // the old key no longer opens it; the new one reads every row
    expect(codeOf(() => open(dbPath, key))).toBe('KEY_MISMATCH');
    const rotated = open(dbPath, newKey);
    const newId = new EncryptionManager(newKey).primaryKeyId;
    const db = new Database(dbPath, { readonly: true });
    const ids = db.prepare('SELECT access_token_enc a, refresh_token_enc r, id_token_enc i FROM tokens').all() as Record<string, string>[];
    db.close();
    for (const row of ids) for (const v of Object.values(row)) expect(v.split('.')[1]).toBe(newId);
    expect(rotated.getToken('google', 'u49')).toMatchObject({ accessToken: 'a49', refreshToken: 'r49', idToken: 'i49' });
    rotated.close();
  });

  it('a save after another connection rotated the key is sealed with the new key, not the retired one', () => {
    const dbPath = join(home.dir, 'vault', 'tokens.db');
    let keychain = [key]; // stands in for the OS keychain both processes read
    const app = new TokenStore({ dbPath, encryption: new EncryptionManager(key), reloadKeys: () => new EncryptionManager(keychain) });
    app.saveToken('google', 'u', { access_token: 'a1', refresh_token: 'r1' });
    // The app read the row and is waiting for the provider; meanwhile `osmen-cred rotate-key` runs.
    const cli = open(dbPath);
    const newKey = EncryptionManager.generateKey();
    cli.rotateKey(newKey);
    keychain = [newKey];
    cli.close();
    // The provider answered with a rotated refresh token: the only copy of the grant.
    app.saveToken('google', 'u', { access_token: 'a2', refresh_token: 'r2-rotated' });
    app.close();
    // After a restart only the new key exists.
    const restarted = open(dbPath, newKey);
    expect(restarted.getToken('google', 'u')).toMatchObject({ accessToken: 'a2', refreshToken: 'r2-rotated' });
    restarted.close();
  });

  it('named vault secrets are encrypted and survive key rotation unchanged', () => {
    const dbPath = join(home.dir, 'vault', 'tokens.db');
    const tm = open(dbPath);
    const hmac = tm.getOrCreateSecret('security-log-hmac');
    expect(hmac.length).toBe(32);
    expect(tm.getOrCreateSecret('security-log-hmac').equals(hmac)).toBe(true);
    tm.putSecret('provider/acme/client_secret', 'CANARY-CLIENT-SECRET-55aa');
    const newKey = EncryptionManager.generateKey();
    tm.rotateKey(newKey);
    tm.close();
    const raw = readFileSync(dbPath);
    expect(raw.includes(Buffer.from('CANARY-CLIENT-SECRET-55aa'))).toBe(false);
    const again = open(dbPath, newKey);
    expect(again.getOrCreateSecret('security-log-hmac').equals(hmac)).toBe(true);
    expect(again.readSecret('provider/acme/client_secret')).toBe('CANARY-CLIENT-SECRET-55aa');
    expect(again.readSecret('nope')).toBeNull();
    again.close();
  });

  it('creates the folder 0700 and tokens.db, -wal, -shm 0600', () => {
    const dir = join(home.dir, 'fresh-home');
    const tm = open(join(dir, 'tokens.db'));
    tm.saveToken('google', 'u', { access_token: 'a' });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of ['tokens.db', 'tokens.db-wal', 'tokens.db-shm']) {
      expect(existsSync(join(dir, f))).toBe(true);
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    }
    tm.close();
  });

  it('creates the files private even under a permissive umask', () => {
    const previous = process.umask(0o000);
    try {
      const dir = join(home.dir, 'umask-home');
      const tm = open(join(dir, 'tokens.db'));
      tm.saveToken('google', 'u', { access_token: 'a' });
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
      tm.close();
    } finally {
      process.umask(previous);
    }
  });

  it('canary: no plaintext token bytes in the database or WAL files', () => {
    const dir = join(home.dir, 'canary');
    const tm = open(join(dir, 'tokens.db'));
    const canaries = ['CANARY-ACCESS-7f3a9c', 'CANARY-REFRESH-2b8e1d', 'CANARY-ID-9c4f0a'];
    tm.saveToken('google', 'u', { access_token: canaries[0]!, refresh_token: canaries[1]!, id_token: canaries[2]! });
    tm.saveToken('google', 'u', { access_token: canaries[0]! + '-2' });
    let scanned = 0;
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f));
      scanned += bytes.length;
      for (const c of canaries) {
        expect(bytes.includes(Buffer.from(c))).toBe(false);
        expect(bytes.includes(Buffer.from(Buffer.from(c).toString('base64')))).toBe(false);
      }
    }
    expect(scanned).toBeGreaterThan(0);
    tm.close();
  });

  it('a corrupt database gives DB_CORRUPT and is left untouched', () => {
    const dbPath = join(home.dir, 'tokens.db');
    const junk = Buffer.from('this is not a sqlite database, just some bytes'.repeat(200));
    writeFileSync(dbPath, junk, { mode: 0o600 });
    expect(codeOf(() => open(dbPath))).toBe('DB_CORRUPT');
    expect(readFileSync(dbPath).equals(junk)).toBe(true);
  });

  it('a newer schema gives DB_NEWER_SCHEMA and is left untouched', () => {
    const dbPath = join(home.dir, 'tokens.db');
    const tm = open(dbPath);
    tm.saveToken('google', 'u', { access_token: 'a' });
    tm.close();
    const db = new Database(dbPath);
    db.pragma('user_version = 99');
    db.close();
    expect(codeOf(() => open(dbPath))).toBe('DB_NEWER_SCHEMA');
    const check = new Database(dbPath, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(99);
    expect((check.prepare('SELECT COUNT(*) n FROM tokens').get() as { n: number }).n).toBe(1);
    check.close();
  });

  it('a database locked by another connection gives DB_LOCKED and loses nothing', () => {
    const dbPath = join(home.dir, 'tokens.db');
    const tm = new TokenStore({ dbPath, encryption: new EncryptionManager(key), busyTimeoutMs: 50 });
    tm.saveToken('google', 'u', { access_token: 'before' });
    const holder = new Database(dbPath);
    holder.exec('BEGIN EXCLUSIVE');
    expect(codeOf(() => tm.saveToken('google', 'u', { access_token: 'during' }))).toBe('DB_LOCKED');
    holder.exec('ROLLBACK');
    holder.close();
    expect(tm.getToken('google', 'u')!.accessToken).toBe('before');
    tm.close();
  });

  it('runs migrations and records the schema version', () => {
    const dbPath = join(home.dir, 'tokens.db');
    open(dbPath).close();
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const idx = db.prepare("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='tokens'").all();
    expect(idx.map((r) => (r as { name: string }).name)).toContain('tokens_due');
    db.close();
  });

  it('answers the scheduler query: next due time and the due accounts', () => {
    let now = 1_000_000;
    const tm = open(':memory:', key, () => now);
    tm.saveToken('google', 'soon', { access_token: 'a', expires_in: 200 });
    tm.saveToken('google', 'later', { access_token: 'a', expires_in: 5000 });
    tm.saveToken('google', 'unknown', { access_token: 'a' });
    expect(tm.nextDueAt(100_000)).toBe(now + 200_000 - 100_000);
    expect(tm.listDue(now, 300_000)).toEqual([{ provider: 'google', userId: 'soon' }]);
    tm.setStatus('google', 'soon', { status: 'needs_reauth', detail: 'invalid_grant' });
    expect(tm.listDue(now, 300_000)).toEqual([]);
    tm.setStatus('google', 'later', { status: 'refresh_failing', failureCount: 2, nextAttemptAt: now + 50 });
    expect(tm.nextDueAt(100_000)).toBe(now + 50);
    now += 100;
    expect(tm.listDue(now, 0)).toEqual([{ provider: 'google', userId: 'later' }]);
    tm.close();
  });

  it('rejects a response without access_token and bad ids', () => {
    const tm = open(':memory:');
    expect(codeOf(() => tm.saveToken('google', 'u', {} as never))).toBe('INVALID_TOKEN_RESPONSE');
    expect(codeOf(() => tm.saveToken('', 'u', { access_token: 'a' }))).toBe('INVALID_ID');
    expect(codeOf(() => tm.saveToken('google', 'u', { access_token: 'a', expires_in: 'soon' }))).toBe('INVALID_TOKEN_RESPONSE');
    tm.close();
  });
});
