/**
 * The AAD of stored tokens: injective (length-prefixed), bound to the issuer and token endpoint
 * origin the account was connected at, readable for rows written by the version-1 encoding, and
 * ids with control characters refused.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/main/core/index.js';
import { legacyTokenContext } from '../../src/main/core/vault/token-context.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { tokenContext } from '../../src/main/core/vault/token-context.js';

let home: { dir: string; cleanup: () => void };
const key = EncryptionManager.generateKey();
const dbPath = () => join(home.dir, 'tokens.db');
const open = (opts: { create?: boolean } = {}) => new TokenStore({ dbPath: dbPath(), encryption: new EncryptionManager(key), ...opts });
const GOOGLE = { issuer: 'https://accounts.google.com', tokenOrigin: 'https://oauth2.googleapis.com' };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

beforeEach(() => {
  home = makeTmpHome();
});
afterEach(() => home.cleanup());

describe('associated data', () => {
  it('is injective: provider "x\\0y" / user "z" and provider "x" / user "y\\0z" are different contexts', () => {
    const a = tokenContext('x\u0000y', 'z', 'access');
    const b = tokenContext('x', 'y\u0000z', 'access');
    expect(a).not.toBe(b);
    const m = new EncryptionManager(key);
    expect(() => m.decryptToken(m.encryptToken('secret', a), b)).toThrow(/Decryption failed/);
    // The same holds across the other parts: a user ending in a field name, an issuer moved into the user.
    expect(tokenContext('p', 'u', 'access', { issuer: 'i', tokenOrigin: null })).not.toBe(
      tokenContext('p', 'u', 'access', { issuer: null, tokenOrigin: 'i' }),
    );
  });

  it('refuses provider and user ids with control characters or broken Unicode', () => {
    const tm = open();
    for (const [provider, user] of [
      ['x\u0000y', 'z'],
      ['google', 'a\u0000b'],
      ['google', 'line\nbreak'],
      ['google', 'del\u007f'],
      ['google', 'lone\ud800surrogate'],
    ] as const) {
      expect(codeOf(() => tm.saveToken(provider, user, { access_token: 'a' }))).toBe('INVALID_ID');
    }
    expect(tm.count()).toBe(0);
    tm.close();
  });

  it('binds the ciphertext to the issuer and token endpoint origin: editing either column breaks decryption', () => {
    const tm = open();
    tm.saveToken('google', 'alice', { access_token: 'at', refresh_token: 'rt' }, { binding: GOOGLE });
    expect(tm.getToken('google', 'alice')).toMatchObject({ refreshToken: 'rt', issuer: GOOGLE.issuer, tokenOrigin: GOOGLE.tokenOrigin });
    expect(tm.getMetadata('google', 'alice')!.issuer).toBe(GOOGLE.issuer);
    tm.close();
    for (const [column, value] of [
      ['issuer', 'http://127.0.0.1:9/'],
      ['token_origin', 'http://127.0.0.1:9'],
    ] as const) {
      const db = new Database(dbPath());
      const before = db.prepare(`SELECT ${column} AS v FROM tokens`).get() as { v: string };
      db.prepare(`UPDATE tokens SET ${column} = ?`).run(value);
      db.close();
      const again = open();
      expect(codeOf(() => again.getToken('google', 'alice'))).toBe('DECRYPT_FAILED');
      again.close();
      const fix = new Database(dbPath());
      fix.prepare(`UPDATE tokens SET ${column} = ?`).run(before.v);
      fix.close();
    }
    const restored = open();
    expect(restored.getToken('google', 'alice')!.refreshToken).toBe('rt');
    restored.close();
  });

  it('a response without a refresh token keeps the stored one, unless the account moves to another issuer', () => {
    const tm = open();
    tm.saveToken(
      'custom',
      'u',
      { access_token: 'a1', refresh_token: 'r1' },
      { binding: { issuer: 'https://one.example', tokenOrigin: null } },
    );
    // Same issuer, token origin learnt now: the refresh token is kept and re-sealed.
    tm.saveToken('custom', 'u', { access_token: 'a2' }, { binding: { issuer: 'https://one.example', tokenOrigin: 'https://one.example' } });
    expect(tm.getToken('custom', 'u')).toMatchObject({ accessToken: 'a2', refreshToken: 'r1', tokenOrigin: 'https://one.example' });
    // Another issuer: the old server's refresh token must not be bound to the new one.
    tm.saveToken('custom', 'u', { access_token: 'a3' }, { binding: { issuer: 'https://two.example', tokenOrigin: null } });
    const t = tm.getToken('custom', 'u')!;
    expect(t.refreshToken).toBeUndefined();
    expect(t.issuer).toBe('https://two.example');
    tm.close();
  });

  it('bindAccount binds an unbound account and refuses to re-bind a bound one', () => {
    const tm = open();
    tm.saveToken('google', 'legacy', { access_token: 'a', refresh_token: 'r' });
    expect(tm.getToken('google', 'legacy')!.issuer).toBeNull();
    expect(tm.bindAccount('google', 'legacy', GOOGLE)).toBe(true);
    expect(tm.getToken('google', 'legacy')).toMatchObject({ refreshToken: 'r', issuer: GOOGLE.issuer });
    expect(tm.bindAccount('google', 'legacy', { issuer: 'http://127.0.0.1:1', tokenOrigin: null })).toBe(false);
    expect(tm.getToken('google', 'legacy')!.issuer).toBe(GOOGLE.issuer);
    expect(tm.bindAccount('google', 'nobody', GOOGLE)).toBe(false);
    tm.close();
  });

  it('reads rows sealed with the version-1 encoding and re-seals them on the next write or rotation', () => {
    const tm = open();
    tm.saveToken('google', 'old', { access_token: 'placeholder' });
    tm.close();
    // Rewrite the row as the previous release stored it: NUL-joined context, aad_version 1.
    const m = new EncryptionManager(key);
    const db = new Database(dbPath());
    db.prepare('UPDATE tokens SET access_token_enc = ?, refresh_token_enc = ?, aad_version = 1').run(
      m.encryptToken('old-access', legacyTokenContext('google', 'old', 'access')),
      m.encryptToken('old-refresh', legacyTokenContext('google', 'old', 'refresh')),
    );
    db.close();
    const again = open();
    expect(again.getToken('google', 'old')).toMatchObject({ accessToken: 'old-access', refreshToken: 'old-refresh' });
    expect(again.getAccessToken('google', 'old')!.accessToken).toBe('old-access');
    again.saveToken('google', 'old', { access_token: 'new-access' });
    expect(again.getToken('google', 'old')).toMatchObject({ accessToken: 'new-access', refreshToken: 'old-refresh' });
    again.close();
    const check = new Database(dbPath(), { readonly: true });
    expect((check.prepare('SELECT aad_version AS v FROM tokens').get() as { v: number }).v).toBe(2);
    check.close();
  });
});

describe('opening an existing vault only (create: false)', () => {
  it('a zero-length tokens.db is NO_VAULT and stays zero-length', () => {
    writeFileSync(dbPath(), '', { mode: 0o600 });
    expect(codeOf(() => open({ create: false }))).toBe('NO_VAULT');
    expect(readFileSync(dbPath()).length).toBe(0);
    expect(existsSync(`${dbPath()}-wal`)).toBe(false);
  });

  it('a missing tokens.db is NO_VAULT and nothing is created', () => {
    expect(codeOf(() => open({ create: false }))).toBe('NO_VAULT');
    expect(existsSync(dbPath())).toBe(false);
  });

  it('an empty SQLite database (no vault tables) is NO_VAULT and is not initialised', () => {
    const db = new Database(dbPath());
    db.exec('CREATE TABLE other (x)');
    db.close();
    const before = readFileSync(dbPath());
    expect(codeOf(() => open({ create: false }))).toBe('NO_VAULT');
    expect(readFileSync(dbPath()).equals(before)).toBe(true);
  });

  it('opens a vault that exists', () => {
    const tm = open();
    tm.saveToken('google', 'u', { access_token: 'a' });
    tm.close();
    const ro = open({ create: false });
    expect(ro.getToken('google', 'u')!.accessToken).toBe('a');
    ro.close();
  });
});
