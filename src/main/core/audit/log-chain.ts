import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { SecurityLogEntry } from '../contracts/security-log.js';

/**
 * The hash chain of the security log.
 *
 * Each entry stores `prev` (the previous entry's hash) and `hash` (SHA-256 of
 * its own canonical JSON without `hash`), so editing, removing or reordering
 * any entry breaks the chain at that point. What a chain alone cannot show is
 * removal at the end (tail truncation, a deleted newest file) or at the start
 * (a deleted oldest backup), because what is left is still a valid chain: the
 * signed head record (log-head.ts) anchors both ends, and the vault anchor
 * (log-anchor.ts) catches a head and log restored together from an older copy.
 */

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level: the bytes that get hashed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function entryHash(entry: Omit<SecurityLogEntry, 'hash'> | SecurityLogEntry): string {
  const { hash: _omit, ...rest } = entry as SecurityLogEntry;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** Per-purpose subkeys of the logger's key, so the user-id hash key never signs heads and vice versa. */
export interface LogKeys {
  userIdKey: Buffer;
  headKey: Buffer;
  /** Signs the anchor kept in the vault. */
  anchorKey: Buffer;
  /** Public fingerprint of the key, stored in the head so a key change is told apart from tampering. */
  keyId: string;
}

export function deriveLogKeys(hmacKey: Buffer): LogKeys {
  const sub = (info: string): Buffer => Buffer.from(hkdfSync('sha256', hmacKey, Buffer.alloc(0), info, 32));
  const fp = createHmac('sha256', sub('osmen/security-log/key-id')).update('key-id').digest('hex');
  return {
    userIdKey: sub('osmen/security-log/user-id'),
    headKey: sub('osmen/security-log/head'),
    anchorKey: sub('osmen/security-log/anchor'),
    keyId: fp.slice(0, 16),
  };
}

/** Keyed hash of a user id: HMAC-SHA256, hex, first 32 characters (128 bits). */
export function hashUserId(keys: LogKeys, userId: string): string {
  return createHmac('sha256', keys.userIdKey).update(userId, 'utf8').digest('hex').slice(0, 32);
}

/** Rotated files oldest first, then the live file: security.log.N … security.log.1, security.log. */
export function chainFiles(logFile: string, backups: number): string[] {
  const files: string[] = [];
  for (let i = backups; i >= 1; i--) files.push(`${logFile}.${i}`);
  files.push(logFile);
  return files;
}

export interface ParsedLine {
  file: string;
  /** 1-based line number within its file. */
  line: number;
  entry: SecurityLogEntry | null;
  /** Why the line could not be read as an entry. */
  error?: string;
  /** The file's last line has no newline: it may have been cut off by an interrupted write. */
  unterminated?: boolean;
  /** The line as it is in the file (without its newline). */
  text: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

export function parseEntry(text: string): { entry: SecurityLogEntry | null; error?: string } {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return { entry: null, error: 'not a JSON object (line damaged or cut off)' };
  }
  const e = obj as Partial<SecurityLogEntry>;
  if (
    !e ||
    typeof e !== 'object' ||
    !Number.isSafeInteger(e.seq) ||
    typeof e.ts !== 'string' ||
    typeof e.event !== 'string' ||
    typeof e.prev !== 'string' ||
    typeof e.hash !== 'string' ||
    !HEX64.test(e.prev) ||
    !HEX64.test(e.hash) ||
    typeof e.details !== 'object' ||
    e.details === null
  ) {
    return { entry: null, error: 'not a security log entry (fields missing or of the wrong type)' };
  }
  return { entry: e as SecurityLogEntry };
}

/** Splits file content into lines, dropping only the empty remainder after the final newline. */
export function splitLines(content: string): string[] {
  const lines = content.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function readChainLines(files: string[]): ParsedLine[] {
  const out: ParsedLine[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const content = readFileSync(file, 'utf8');
    const lines = splitLines(content);
    const unterminated = content.length > 0 && !content.endsWith('\n');
    lines.forEach((text, i) => {
      const { entry, error } = parseEntry(text);
      const last = unterminated && i === lines.length - 1;
      out.push({ file, line: i + 1, entry, text, ...(error ? { error } : {}), ...(last ? { unterminated: true } : {}) });
    });
  }
  return out;
}

/** The last entry on disk (for continuing the chain when no valid head exists). */
export function lastEntryOnDisk(files: string[]): SecurityLogEntry | null {
  for (let i = files.length - 1; i >= 0; i--) {
    const file = files[i]!;
    if (!existsSync(file)) continue;
    const lines = splitLines(readFileSync(file, 'utf8'));
    for (let j = lines.length - 1; j >= 0; j--) {
      const { entry } = parseEntry(lines[j]!);
      if (entry) return entry;
    }
  }
  return null;
}

/** The first entry of the oldest file on disk. */
export function firstEntryOnDisk(files: string[]): SecurityLogEntry | null {
  for (const file of files) {
    if (!existsSync(file)) continue;
    const lines = splitLines(readFileSync(file, 'utf8'));
    for (const text of lines) {
      const { entry } = parseEntry(text);
      if (entry) return entry;
    }
  }
  return null;
}
