import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { LogVerifyResult, SecurityLogEntry } from '../contracts.js';

/**
 * The hash chain of the security log and its signed head record.
 *
 * Each entry stores `prev` (the previous entry's hash) and `hash` (SHA-256 of
 * its own canonical JSON without `hash`), so editing, removing or reordering
 * any entry breaks the chain at that point. What a chain alone cannot show is
 * removal at the end (tail truncation, a deleted newest file) or at the start
 * (a deleted oldest backup), because what is left is still a valid chain. The
 * head record anchors both ends: the last (seq, hash) and the first retained
 * (seq, prev), HMAC-signed with a key derived from the logger's key, kept in a
 * 0600 sidecar file and rewritten on every append. Someone who can edit the
 * log but does not hold the key cannot produce a matching head.
 */

export const GENESIS_HASH = '0'.repeat(64);
export const HEAD_VERSION = 1;

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
  /** Public fingerprint of the key, stored in the head so a key change is told apart from tampering. */
  keyId: string;
}

export function deriveLogKeys(hmacKey: Buffer): LogKeys {
  const sub = (info: string): Buffer => Buffer.from(hkdfSync('sha256', hmacKey, Buffer.alloc(0), info, 32));
  const fp = createHmac('sha256', sub('osmen/security-log/key-id')).update('key-id').digest('hex');
  return { userIdKey: sub('osmen/security-log/user-id'), headKey: sub('osmen/security-log/head'), keyId: fp.slice(0, 16) };
}

/** Keyed hash of a user id: HMAC-SHA256, hex, first 32 characters (128 bits). */
export function hashUserId(keys: LogKeys, userId: string): string {
  return createHmac('sha256', keys.userIdKey).update(userId, 'utf8').digest('hex').slice(0, 32);
}

export interface HeadRecord {
  v: number;
  /** Last entry written. */
  seq: number;
  hash: string;
  /** First entry still retained (older ones were rotated out on purpose). */
  firstSeq: number;
  firstPrev: string;
  keyId: string;
  mac: string;
}

export type HeadState =
  | { status: 'ok'; head: HeadRecord }
  | { status: 'missing' }
  | { status: 'invalid'; reason: string };

export function signHead(keys: LogKeys, fields: Omit<HeadRecord, 'v' | 'keyId' | 'mac'>): HeadRecord {
  const unsigned = { v: HEAD_VERSION, ...fields, keyId: keys.keyId };
  const mac = createHmac('sha256', keys.headKey).update(canonicalJson(unsigned)).digest('hex');
  return { ...unsigned, mac };
}

export function readHead(headFile: string, keys: LogKeys): HeadState {
  let text: string;
  try {
    text = readFileSync(headFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'invalid', reason: `cannot read the head record (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { status: 'invalid', reason: 'the head record is not valid JSON' };
  }
  const h = parsed as Partial<HeadRecord>;
  if (
    !h ||
    typeof h !== 'object' ||
    h.v !== HEAD_VERSION ||
    !Number.isSafeInteger(h.seq) ||
    !Number.isSafeInteger(h.firstSeq) ||
    typeof h.hash !== 'string' ||
    typeof h.firstPrev !== 'string' ||
    typeof h.keyId !== 'string' ||
    typeof h.mac !== 'string'
  ) {
    return { status: 'invalid', reason: 'the head record is missing fields' };
  }
  if (h.keyId !== keys.keyId) {
    return {
      status: 'invalid',
      reason: `the head record was signed with a different key (key ${h.keyId}, this logger uses ${keys.keyId}); if the master key was rotated, re-anchor with rekey()`,
    };
  }
  const { mac, ...unsigned } = h as HeadRecord;
  const expected = createHmac('sha256', keys.headKey).update(canonicalJson(unsigned)).digest();
  const given = Buffer.from(mac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { status: 'invalid', reason: 'the head record signature does not match (edited or forged)' };
  }
  return { status: 'ok', head: h as HeadRecord };
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
    const lines = splitLines(readFileSync(file, 'utf8'));
    lines.forEach((text, i) => {
      const { entry, error } = parseEntry(text);
      out.push({ file, line: i + 1, entry, ...(error ? { error } : {}) });
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

export type VerifyProblem =
  | 'malformed'
  | 'edited'
  | 'missing'
  | 'reordered'
  | 'truncated'
  | 'start_removed'
  | 'head_missing'
  | 'head_invalid';

export interface SecurityLogVerifyResult extends LogVerifyResult {
  firstBad?: { seq: number | null; file: string; line: number; reason: string; problem: VerifyProblem };
  /** State of the signed head record. */
  head: 'ok' | 'missing' | 'invalid';
}

/**
 * Walks every entry oldest → newest and names the first one that does not fit.
 * Order of checks per entry: readable, own hash, seq continuity, prev link —
 * so the reason says what happened (edited / removed / reordered) rather than
 * only "hash mismatch".
 */
export function verifyChain(files: string[], headState: HeadState, headFile: string): SecurityLogVerifyResult {
  const lines = readChainLines(files);
  const head = headState.status === 'ok' ? headState.head : null;
  const headStatus = headState.status;
  const fail = (
    problem: VerifyProblem,
    where: { seq: number | null; file: string; line: number },
    reason: string,
  ): SecurityLogVerifyResult => ({
    ok: false,
    entries: lines.length,
    head: headStatus,
    firstBad: { ...where, reason: `${problem}: ${reason}`, problem },
  });

  const seqs = new Map<number, number>(); // seq -> index of first occurrence
  lines.forEach((l, i) => {
    if (l.entry && !seqs.has(l.entry.seq)) seqs.set(l.entry.seq, i);
  });

  let prevEntry: SecurityLogEntry | null = null;
  let prevLine: ParsedLine | null = null;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const here = { seq: l.entry?.seq ?? null, file: l.file, line: l.line };
    if (!l.entry) return fail('malformed', here, l.error ?? 'unreadable line');
    const e = l.entry;
    const ownHash = entryHash(e);

    if (prevEntry === null) {
      // Start of what is retained.
      const expectedSeq = head ? head.firstSeq : 1;
      const expectedPrev = head ? head.firstPrev : GENESIS_HASH;
      if (e.seq !== expectedSeq || e.prev !== expectedPrev) {
        if (ownHash !== e.hash) return fail('edited', here, `entry seq ${e.seq} does not match its own hash`);
        return fail(
          'start_removed',
          here,
          head
            ? `the log should start at seq ${head.firstSeq} but starts at seq ${e.seq}: older entries or a rotated file were removed`
            : `the log starts at seq ${e.seq}, not 1, and there is no head record saying older entries were rotated out`,
        );
      }
    } else {
      const expectedSeq = prevEntry.seq + 1;
      if (e.seq !== expectedSeq) {
        const swappedAt = seqs.get(expectedSeq);
        if (e.seq < expectedSeq || (swappedAt !== undefined && swappedAt > i)) {
          return fail(
            'reordered',
            here,
            swappedAt !== undefined && swappedAt > i
              ? `found seq ${e.seq} where seq ${expectedSeq} belongs; seq ${expectedSeq} appears later (${basename(lines[swappedAt]!.file)} line ${lines[swappedAt]!.line})`
              : `found seq ${e.seq} after seq ${prevEntry.seq} (duplicated or moved)`,
          );
        }
        const missing = e.seq - expectedSeq;
        return fail(
          'missing',
          here,
          `seq ${expectedSeq}${missing > 1 ? `–${e.seq - 1}` : ''} removed before this entry (previous is seq ${prevEntry.seq} in ${basename(prevLine!.file)} line ${prevLine!.line})`,
        );
      }
      if (ownHash !== e.hash) return fail('edited', here, `entry seq ${e.seq} does not match its own hash`);
      if (e.prev !== prevEntry.hash) {
        // Consecutive seqs, own hash fine, but the link is broken: the previous entry was
        // rewritten with a recomputed hash.
        return fail(
          'edited',
          { seq: prevEntry.seq, file: prevLine!.file, line: prevLine!.line },
          `entry seq ${prevEntry.seq} was changed after seq ${e.seq} recorded its hash (its hash was recomputed)`,
        );
      }
      prevEntry = e;
      prevLine = l;
      continue;
    }
    if (ownHash !== e.hash) return fail('edited', here, `entry seq ${e.seq} does not match its own hash`);
    prevEntry = e;
    prevLine = l;
  }

  const liveFile = files[files.length - 1]!;
  if (head) {
    if (prevEntry === null) {
      if (head.seq >= head.firstSeq) {
        return fail('truncated', { seq: head.firstSeq, file: liveFile, line: 1 }, `the head record says the log holds seq ${head.firstSeq}–${head.seq}, but no entries are left`);
      }
    } else if (prevEntry.seq < head.seq) {
      const atLive = prevLine!.file === liveFile;
      return fail(
        'truncated',
        { seq: prevEntry.seq + 1, file: liveFile, line: atLive ? prevLine!.line + 1 : 1 },
        `the log ends at seq ${prevEntry.seq} but the head record says seq ${head.seq} was written: entries at the end (or the newest file) were removed`,
      );
    } else if (prevEntry.seq > head.seq) {
      const idx = seqs.get(head.seq + 1)!;
      const l = lines[idx]!;
      return fail('malformed', { seq: head.seq + 1, file: l.file, line: l.line }, `entries after seq ${head.seq} were not written by the logger (the head record ends there)`);
    } else if (prevEntry.hash !== head.hash) {
      return fail('edited', { seq: prevEntry.seq, file: prevLine!.file, line: prevLine!.line }, `the last entry (seq ${prevEntry.seq}) differs from what the head record signed`);
    }
  } else if (headState.status === 'invalid') {
    return fail('head_invalid', { seq: null, file: headFile, line: 0 }, headState.reason);
  } else if (lines.length > 0) {
    return fail('head_missing', { seq: null, file: headFile, line: 0 }, 'the head record is missing, so removal of the newest entries cannot be ruled out');
  }

  return { ok: true, entries: lines.length, head: headStatus };
}
