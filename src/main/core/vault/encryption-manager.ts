import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { EncryptionError } from '../errors.js';

/**
 * AES-256-GCM token encryption with a key ring.
 *
 * Output format (ASCII, safe to store in TEXT columns):
 *   v1.<keyId>.<base64url(nonce[12] || ciphertext || tag[16])>
 * The version and key id are bound into the AAD together with the caller's
 * context, so a ciphertext moved to another row (other context) or relabelled
 * with another key id fails authentication instead of decrypting.
 *
 * Keys are 32 random bytes, accepted as base64 or base64url; a Python
 * `Fernet.generate_key()` key is exactly that, so existing keys keep working.
 * The raw master key is never used directly: HKDF derives the token-encryption subkey, so
 * the master key itself never meets a cipher. (The security log's HMAC key is not derived
 * from it: it is a random secret stored in the vault, which survives key rotation.)
 */

const FORMAT_VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const ENCRYPTION_INFO = 'osmen/token-encryption/v1';

/** What to do about a missing or malformed key: shown by the CLI and on the app's locked screen, so no back-ticks or build commands. */
export const KEY_HELP = 'Make one with osmen-cred keygen and set OAUTH_ENCRYPTION_KEY, or let the app keep it in the OS keychain.';

interface RingKey {
  id: string;
  encKey: Buffer;
  master: Buffer;
}

/** Decodes a 32-byte key given as base64 or base64url; throws a typed error otherwise. */
export function decodeKey(key: string): Buffer {
  const trimmed = typeof key === 'string' ? key.trim() : '';
  if (!trimmed) throw new EncryptionError('KEY_MISSING', `Encryption key is empty. ${KEY_HELP}`);
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new EncryptionError('KEY_MALFORMED', `Encryption key is not base64/base64url text. ${KEY_HELP}`);
  }
  const normal = trimmed.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Buffer.from(normal, 'base64');
  if (bytes.length !== KEY_BYTES) {
    throw new EncryptionError('KEY_MALFORMED', `Encryption key must decode to ${KEY_BYTES} bytes, got ${bytes.length}. ${KEY_HELP}`);
  }
  return bytes;
}

/** A short, non-secret identifier of a key: lets ciphertexts name the key that made them. */
export function keyIdOf(master: Buffer): string {
  return createHash('sha256').update('osmen/key-id/v1').update(master).digest('base64url').slice(0, 8);
}

function deriveSubkey(master: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, KEY_BYTES));
}

export class EncryptionManager {
  private readonly ring: RingKey[];
  private readonly byId: Map<string, RingKey>;

  /**
   * @param key one key, or a key ring (first encrypts, all decrypt).
   *            Defaults to env OAUTH_ENCRYPTION_KEY.
   */
  constructor(key?: string | string[]) {
    const source = key ?? process.env.OAUTH_ENCRYPTION_KEY;
    const list = (Array.isArray(source) ? source : source ? [source] : []).filter((k) => typeof k === 'string' && k.trim() !== '');
    if (list.length === 0) {
      throw new EncryptionError('KEY_MISSING', `No encryption key was provided. ${KEY_HELP}`);
    }
    this.ring = [];
    this.byId = new Map();
    for (const k of list) {
      const master = decodeKey(k);
      const id = keyIdOf(master);
      if (this.byId.has(id)) continue;
      const entry: RingKey = { id, master, encKey: deriveSubkey(master, ENCRYPTION_INFO) };
      this.ring.push(entry);
      this.byId.set(id, entry);
    }
  }

  /** A new random 32-byte key in base64url (the same text shape Fernet uses). */
  static generateKey(): string {
    return randomBytes(KEY_BYTES).toString('base64url') + '=';
  }

  /** Id of the key that encrypts new data. */
  get primaryKeyId(): string {
    return this.ring[0]!.id;
  }

  get keyIds(): string[] {
    return this.ring.map((k) => k.id);
  }

  /** True when a ciphertext was made by a key other than the primary (needs re-encryption). */
  isStale(ciphertext: string): boolean {
    const id = ciphertext.split('.', 3)[1];
    return id !== this.primaryKeyId;
  }

  encryptToken(plaintext: string, context = ''): string {
    if (typeof plaintext !== 'string' || plaintext.length === 0) {
      throw new EncryptionError('EMPTY_INPUT', 'Cannot encrypt an empty token.');
    }
    const key = this.ring[0]!;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.encKey, nonce);
    cipher.setAAD(aad(key.id, context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const blob = Buffer.concat([nonce, body, cipher.getAuthTag()]);
    return `${FORMAT_VERSION}.${key.id}.${blob.toString('base64url')}`;
  }

  decryptToken(ciphertext: string, context = ''): string {
    if (typeof ciphertext !== 'string' || ciphertext.length === 0) {
      throw new EncryptionError('EMPTY_INPUT', 'Cannot decrypt an empty ciphertext.');
    }
    const parts = ciphertext.split('.');
    if (parts.length !== 3 || parts[0] !== FORMAT_VERSION || !/^[A-Za-z0-9_-]+$/.test(parts[2]!)) {
      throw new EncryptionError(
        'CIPHERTEXT_MALFORMED',
        'Ciphertext is not in the v1.<keyId>.<data> format; it may be corrupt or from another program.',
      );
    }
    const [, id, data] = parts as [string, string, string];
    const key = this.byId.get(id);
    if (!key) {
      throw new EncryptionError(
        'UNKNOWN_KEY_ID',
        `Ciphertext was made with key ${id}, which is not in the key ring (${this.keyIds.join(', ')}). ` +
          'Add the old key to the ring or restore it from your backup.',
      );
    }
    const blob = Buffer.from(data, 'base64url');
    if (blob.length < NONCE_BYTES + TAG_BYTES + 1) {
      throw new EncryptionError('CIPHERTEXT_MALFORMED', 'Ciphertext is too short to be valid.');
    }
    const nonce = blob.subarray(0, NONCE_BYTES);
    const tag = blob.subarray(blob.length - TAG_BYTES);
    const body = blob.subarray(NONCE_BYTES, blob.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.encKey, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(key.id, context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      // Deliberately no cause: it says nothing useful and must not echo data.
      throw new EncryptionError(
        'DECRYPT_FAILED',
        'Decryption failed: the data was tampered with, belongs to another record, or the key is wrong.',
      );
    }
  }

  /** Constant-time comparison of two keys' identity, for callers that check "same key?". */
  static sameKey(a: string, b: string): boolean {
    const x = decodeKey(a);
    const y = decodeKey(b);
    return timingSafeEqual(x, y);
  }
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`${FORMAT_VERSION}\u0000${keyId}\u0000${context}`, 'utf8');
}
