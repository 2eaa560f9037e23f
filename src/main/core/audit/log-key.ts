/**
 * The security log's HMAC key: given by the app (a random secret kept in the vault), or, for
 * tools and tests without a vault, a random key persisted next to the log (0600, created
 * exclusively so two processes starting at once end up with the same key).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { SecurityLogError } from './log-errors.js';

export function toKeyBuffer(key: Buffer | string): Buffer {
  const buf = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (buf.length < 16) {
    throw new SecurityLogError(
      'BAD_OPTIONS',
      'hmacKey must be at least 16 bytes; the app passes the vault secret tokens.getOrCreateSecret("security-log-hmac").',
    );
  }
  return buf;
}

export function readKeyFile(keyFile: string): Buffer {
  const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
  if (key.length !== 32) {
    throw new SecurityLogError(
      'KEY_FILE',
      `${keyFile} does not hold a 32-byte base64 key. Remove it only if you accept that older log entries can no longer be verified.`,
    );
  }
  return key;
}

/** Loads the persisted log key, creating it (0600, exclusive) on first use. */
export function loadOrCreateKeyFile(keyFile: string): Buffer {
  if (existsSync(keyFile)) return readKeyFile(keyFile);
  const key = randomBytes(32);
  let fd: number;
  try {
    fd = openSync(keyFile, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(keyFile); // another process won
    throw new SecurityLogError('KEY_FILE', `Cannot create ${keyFile}.`, { cause: err });
  }
  try {
    writeSync(fd, key.toString('base64'));
  } finally {
    closeSync(fd);
  }
  return key;
}
