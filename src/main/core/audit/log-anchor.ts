import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson, type LogKeys } from './log-chain.js';
import { codedErrorClass } from '../errors.js';

/**
 * The log's monotonic anchor in the vault: the sequence number and hash of the newest entry,
 * HMAC-signed with a key derived from the log key. The head record lives next to the log, so
 * restoring an older copy of both (or deleting the newest entries and the head) leaves a log
 * that verifies on its own; the vault is a different file with its own durability
 * (SQLite, synchronous=FULL), and an anchor that never moves back shows the loss.
 *
 * Written on every append, under the log's lock, after the head and before the line (see
 * security-logger.ts), so a crash leaves the anchor at most one entry behind the head and never
 * ahead of it. Restoring the vault and the log together from the same backup cannot be told from
 * the real thing; nothing short of trusted hardware can.
 */

export interface LogAnchor {
  seq: number;
  hash: string;
  keyId: string;
  mac: string;
}

/** Where the anchor is kept. `advance` must never move it back (it throws instead). */
export interface LogAnchorStore {
  read(): LogAnchor | null;
  advance(anchor: LogAnchor): void;
}

/** The anchor in the vault is unreadable or would move back: its data can't be trusted. */
export class LogAnchorError extends codedErrorClass('LogAnchorError', { ANCHOR_UNREADABLE: 'data', ANCHOR_REGRESSION: 'data' }) {}

const HEX64 = /^[0-9a-f]{64}$/;
/** Anything beyond this is not a sequence number the log could have reached; treated as unreadable. */
const MAX_SEQ = 2 ** 48;

function parseAnchor(text: string): LogAnchor {
  let v: Partial<LogAnchor>;
  try {
    v = JSON.parse(text) as Partial<LogAnchor>;
  } catch {
    throw new LogAnchorError('ANCHOR_UNREADABLE', 'the vault anchor is not valid JSON');
  }
  if (
    !v ||
    typeof v !== 'object' ||
    !Number.isSafeInteger(v.seq) ||
    v.seq! < 0 ||
    v.seq! > MAX_SEQ ||
    typeof v.hash !== 'string' ||
    !HEX64.test(v.hash) ||
    typeof v.keyId !== 'string' ||
    typeof v.mac !== 'string'
  ) {
    throw new LogAnchorError('ANCHOR_UNREADABLE', 'the vault anchor is missing fields');
  }
  return { seq: v.seq!, hash: v.hash, keyId: v.keyId, mac: v.mac };
}

const META_KEY = 'security_log_anchor';

/** What the anchor needs of the vault: one meta value, read and compare-and-written atomically. */
export interface MetaValueStore {
  getMetaValue(key: string): string | null;
  updateMetaValue(key: string, update: (current: string | null) => string): void;
}

/**
 * The anchor in the vault's `meta` table (tokens.db). The store is looked up per call: the
 * core closes the vault on shutdown, and a logger outliving it then fails loudly (CLOSED)
 * rather than writing to a stale handle. The read-compare-write is one vault transaction.
 */
export class VaultLogAnchorStore implements LogAnchorStore {
  constructor(private readonly vault: () => MetaValueStore) {}

  read(): LogAnchor | null {
    const value = this.vault().getMetaValue(META_KEY);
    return value === null ? null : parseAnchor(value);
  }

  advance(anchor: LogAnchor): void {
    this.vault().updateMetaValue(META_KEY, (value) => {
      let current: LogAnchor | null;
      try {
        current = value === null ? null : parseAnchor(value);
      } catch {
        current = null; // unreadable: nothing to be monotonic against; the logger has re-anchored
      }
      if (current && (anchor.seq < current.seq || (anchor.seq === current.seq && anchor.hash !== current.hash))) {
        throw new LogAnchorError(
          'ANCHOR_REGRESSION',
          `the vault anchor is at seq ${current.seq}; it cannot move back to seq ${anchor.seq}`,
        );
      }
      return JSON.stringify(anchor);
    });
  }
}

export function signAnchor(keys: LogKeys, seq: number, hash: string): LogAnchor {
  const unsigned = { seq, hash, keyId: keys.keyId };
  return { ...unsigned, mac: createHmac('sha256', keys.anchorKey).update(canonicalJson(unsigned)).digest('hex') };
}

export type AnchorState =
  { status: 'off' } | { status: 'missing' } | { status: 'invalid'; reason: string; seq?: number } | { status: 'ok'; anchor: LogAnchor };

/** Reads the anchor and checks its signature. Without a store rollback detection is off. */
export function readAnchorState(store: LogAnchorStore | undefined, keys: LogKeys): AnchorState {
  if (!store) return { status: 'off' };
  let anchor: LogAnchor | null;
  try {
    anchor = store.read();
  } catch (err) {
    if (err instanceof LogAnchorError) return { status: 'invalid', reason: err.message };
    throw err;
  }
  if (!anchor) return { status: 'missing' };
  if (anchor.keyId !== keys.keyId) {
    return { status: 'invalid', reason: `the vault anchor was signed with a different key (${anchor.keyId})`, seq: anchor.seq };
  }
  const expected = signAnchor(keys, anchor.seq, anchor.hash).mac;
  const a = Buffer.from(anchor.mac, 'hex');
  const b = Buffer.from(expected, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    return { status: 'invalid', reason: 'the vault anchor signature does not match (edited or forged)', seq: anchor.seq };
  }
  return { status: 'ok', anchor };
}
