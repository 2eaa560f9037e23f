import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type EncryptionError } from '../../src/main/core/errors.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';

const key = () => EncryptionManager.generateKey();

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as EncryptionError).code;
  }
  return undefined;
}

describe('EncryptionManager', () => {
  it('round-trips a token and never returns the plaintext as ciphertext', () => {
    const m = new EncryptionManager(key());
    const ct = m.encryptToken('test_access_token_12345', 'ctx');
    expect(ct).not.toContain('test_access_token_12345');
    expect(ct.startsWith(`v1.${m.primaryKeyId}.`)).toBe(true);
    expect(m.decryptToken(ct, 'ctx')).toBe('test_access_token_12345');
  });

  it('uses a fresh nonce per message', () => {
    const m = new EncryptionManager(key());
    const seen = new Set(Array.from({ length: 200 }, () => m.encryptToken('same', 'c').split('.')[2]!.slice(0, 16)));
    expect(seen.size).toBe(200);
  });

  it('rejects empty input both ways', () => {
    const m = new EncryptionManager(key());
    expect(codeOf(() => m.encryptToken(''))).toBe('EMPTY_INPUT');
    expect(codeOf(() => m.decryptToken(''))).toBe('EMPTY_INPUT');
  });

  it('detects tampering anywhere in the ciphertext', () => {
    const m = new EncryptionManager(key());
    const ct = m.encryptToken('secret-value', 'ctx');
    const data = Buffer.from(ct.split('.')[2]!, 'base64url');
    for (const pos of [0, 5, 12, data.length - 17, data.length - 1]) {
      const bad = Buffer.from(data);
      bad[pos]! ^= 0x01;
      const forged = `v1.${m.primaryKeyId}.${bad.toString('base64url')}`;
      expect(codeOf(() => m.decryptToken(forged, 'ctx'))).toBe('DECRYPT_FAILED');
    }
  });

  it('binds the context: another context does not decrypt', () => {
    const m = new EncryptionManager(key());
    const ct = m.encryptToken('secret-value', 'token\0google\0alice\0access');
    expect(codeOf(() => m.decryptToken(ct, 'token\0google\0bob\0access'))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => m.decryptToken(ct, 'token\0google\0alice\0refresh'))).toBe('DECRYPT_FAILED');
  });

  it('refuses a ciphertext relabelled with another key id', () => {
    const a = new EncryptionManager(key());
    const b = key();
    const ring = new EncryptionManager([b, ...[]]);
    const ct = a.encryptToken('x', 'c');
    const relabelled = ct.replace(`.${a.primaryKeyId}.`, `.${ring.primaryKeyId}.`);
    expect(codeOf(() => ring.decryptToken(relabelled, 'c'))).toBe('DECRYPT_FAILED');
  });

  it('fails with the wrong key, naming the unknown key id', () => {
    const a = new EncryptionManager(key());
    const b = new EncryptionManager(key());
    const ct = a.encryptToken('secret', 'c');
    expect(codeOf(() => b.decryptToken(ct, 'c'))).toBe('UNKNOWN_KEY_ID');
    expect(() => b.decryptToken(ct, 'c')).toThrow(a.primaryKeyId);
  });

  it('key ring: first key encrypts, every key decrypts', () => {
    const oldKey = key();
    const newKey = key();
    const old = new EncryptionManager(oldKey);
    const ring = new EncryptionManager([newKey, oldKey]);
    const legacy = old.encryptToken('legacy', 'c');
    expect(ring.decryptToken(legacy, 'c')).toBe('legacy');
    expect(ring.isStale(legacy)).toBe(true);
    const fresh = ring.encryptToken('fresh', 'c');
    expect(ring.isStale(fresh)).toBe(false);
    expect(fresh.split('.')[1]).toBe(new EncryptionManager(newKey).primaryKeyId);
  });

  it('accepts base64, base64url and Python Fernet-format keys', () => {
    const raw = randomBytes(32);
    const fernet = raw.toString('base64url') + '='; // what Fernet.generate_key() prints
    const std = raw.toString('base64');
    const a = new EncryptionManager(fernet);
    const b = new EncryptionManager(std);
    expect(a.primaryKeyId).toBe(b.primaryKeyId);
    expect(b.decryptToken(a.encryptToken('t', 'c'), 'c')).toBe('t');
    // A real key printed by Python's cryptography (Fernet.generate_key()).
    expect(() => new EncryptionManager('ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=')).not.toThrow();
  });

  it('rejects missing and malformed keys with a message that says how to make one', () => {
    const saved = process.env.OAUTH_ENCRYPTION_KEY;
    delete process.env.OAUTH_ENCRYPTION_KEY;
    try {
      expect(codeOf(() => new EncryptionManager())).toBe('KEY_MISSING');
      expect(() => new EncryptionManager()).toThrow(/keygen/);
      expect(codeOf(() => new EncryptionManager('short'))).toBe('KEY_MALFORMED');
      expect(codeOf(() => new EncryptionManager('not base64 at all!!'))).toBe('KEY_MALFORMED');
      expect(codeOf(() => new EncryptionManager(randomBytes(16).toString('base64')))).toBe('KEY_MALFORMED');
    } finally {
      if (saved !== undefined) process.env.OAUTH_ENCRYPTION_KEY = saved;
    }
  });

  it('reads OAUTH_ENCRYPTION_KEY by default', () => {
    const saved = process.env.OAUTH_ENCRYPTION_KEY;
    const k = key();
    process.env.OAUTH_ENCRYPTION_KEY = k;
    try {
      expect(new EncryptionManager().primaryKeyId).toBe(new EncryptionManager(k).primaryKeyId);
    } finally {
      if (saved === undefined) delete process.env.OAUTH_ENCRYPTION_KEY;
      else process.env.OAUTH_ENCRYPTION_KEY = saved;
    }
  });

  it('rejects malformed ciphertexts with a typed error', () => {
    const m = new EncryptionManager(key());
    for (const bad of ['garbage', 'v2.abc.def', 'v1..', `v1.${m.primaryKeyId}.!!`, `v1.${m.primaryKeyId}.AAAA`]) {
      expect(['CIPHERTEXT_MALFORMED', 'UNKNOWN_KEY_ID']).toContain(codeOf(() => m.decryptToken(bad)));
    }
  });

  it('generates distinct 32-byte keys', () => {
    const keys = new Set(Array.from({ length: 50 }, key));
    expect(keys.size).toBe(50);
    for (const k of keys) expect(Buffer.from(k, 'base64url').length).toBe(32);
  });
});
