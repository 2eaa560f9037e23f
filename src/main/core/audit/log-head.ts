import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson, entryHash, parseEntry, type LogKeys } from './log-chain.js';
import type { SecurityLogEntry } from '../contracts/security-log.js';

/**
 * The signed head record (`security.log.head`): the newest entry (seq, hash and, since v2, its
 * whole line) and the first retained one (seq, prev), HMAC-signed with a key derived from the
 * logger's key. Someone who can edit the log but does not hold the key cannot produce a
 * matching head.
 *
 * The head is written BEFORE the entry's line (write-ahead): a crash between the two leaves a
 * head that is one entry ahead of the file and holds that entry in full, so the next append
 * completes the line instead of forking the chain, and verify can tell a crash (the missing or
 * cut-off line is exactly the signed one) from removal (anything else).
 */

export const HEAD_VERSION = 2;

export interface HeadRecord {
  v: number;
  /** Newest entry. */
  seq: number;
  hash: string;
  /** First entry still retained (older ones were rotated out on purpose). */
  firstSeq: number;
  firstPrev: string;
  keyId: string;
  /** v2: the newest entry's line exactly as written to the log; null before the first entry. */
  last?: string | null;
  /** v2: an anchor in the vault has been kept for this log (sticky, so a deleted anchor is noticed). */
  anchored?: boolean;
  /**
   * v2, optional (heads written before it lack it): the seq of the first entry whose append moved
   * the vault anchor. Its line is written after the anchor, so once that line is on disk the vault
   * held an anchor: finding none then means it was removed (verify: `rolled_back`).
   */
  anchoredSince?: number;
  mac: string;
}

export type HeadState =
  /** `newest`: the newest entry as the head holds it (v2), which may not be on disk yet. */
  { status: 'ok'; head: HeadRecord; newest: SecurityLogEntry | null } | { status: 'missing' } | { status: 'invalid'; reason: string };

export function signHead(keys: LogKeys, fields: Omit<HeadRecord, 'v' | 'keyId' | 'mac'>): HeadRecord {
  const unsigned = { v: HEAD_VERSION, ...fields, keyId: keys.keyId };
  const mac = createHmac('sha256', keys.headKey).update(canonicalJson(unsigned)).digest('hex');
  return { ...unsigned, mac };
}

/** Checks the fields and signature of a parsed head record. */
export function checkHead(parsed: unknown, keys: LogKeys): HeadState {
  const h = parsed as Partial<HeadRecord>;
  if (
    !h ||
    typeof h !== 'object' ||
    (h.v !== 1 && h.v !== HEAD_VERSION) ||
    !Number.isSafeInteger(h.seq) ||
    !Number.isSafeInteger(h.firstSeq) ||
    typeof h.hash !== 'string' ||
    typeof h.firstPrev !== 'string' ||
    typeof h.keyId !== 'string' ||
    typeof h.mac !== 'string' ||
    (h.last !== undefined && h.last !== null && typeof h.last !== 'string') ||
    (h.anchored !== undefined && typeof h.anchored !== 'boolean') ||
    (h.anchoredSince !== undefined && (!Number.isSafeInteger(h.anchoredSince) || h.anchoredSince < 1 || h.anchoredSince > h.seq!))
  ) {
    return { status: 'invalid', reason: 'the head record is missing fields' };
  }
  if (h.keyId !== keys.keyId) {
    return {
      status: 'invalid',
      reason: `the head record was signed with a different key (key ${h.keyId}, this logger uses ${keys.keyId}); if the log key was replaced, re-anchor with rekey()`,
    };
  }
  const { mac, ...unsigned } = h as HeadRecord;
  const expected = createHmac('sha256', keys.headKey).update(canonicalJson(unsigned)).digest();
  const given = Buffer.from(mac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { status: 'invalid', reason: 'the head record signature does not match (edited or forged)' };
  }
  const head = h as HeadRecord;
  let newest: SecurityLogEntry | null = null;
  if (typeof head.last === 'string') {
    newest = parseEntry(head.last).entry;
    if (!newest || newest.seq !== head.seq || newest.hash !== head.hash || entryHash(newest) !== newest.hash) {
      return { status: 'invalid', reason: 'the head record names one entry and holds another' };
    }
  }
  return { status: 'ok', head, newest };
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
  return checkHead(parsed, keys);
}
