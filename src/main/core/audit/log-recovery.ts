import type { AnchorState } from './log-anchor.js';
import { GENESIS_HASH, firstEntryOnDisk, lastEntryOnDisk, parseEntry } from './log-chain.js';
import { writeError } from './log-errors.js';
import { appendDurable, readTail, truncateDurable } from './log-files.js';
import type { HeadState } from './log-head.js';
import { sanitizeDetails } from './redaction.js';
import type { LogDetails, SecurityLogEntry } from '../contracts/security-log.js';

/**
 * Where the chain continues, decided under the log's lock before every append: what the head
 * record, the files and the vault anchor say, the repair of an interrupted write, and the
 * notices that make every re-anchor visible in the log itself.
 */

export type EntryInput = Omit<SecurityLogEntry, 'seq' | 'ts' | 'prev' | 'hash'>;

export interface ChainState {
  lastSeq: number;
  lastHash: string;
  firstSeq: number;
  firstPrev: string;
  /** The head says a vault anchor has been kept for this log. */
  anchored: boolean;
  /** The first entry that moved the vault anchor (log-head.ts), when the head says. */
  anchoredSince: number | null;
  /** Entries to write before the caller's own: re-anchor and repair notices. */
  notices: EntryInput[];
}

export interface ContinuationInput {
  files: string[];
  logFile: string;
  head: HeadState;
  anchor: AnchorState;
}

interface DiskTail {
  /** The last complete line of the chain (entry null when it is not an entry). */
  last: { entry: SecurityLogEntry | null } | null;
  /** Bytes after the last newline of the newest non-empty file. */
  fragment: { file: string; start: number; bytes: Buffer } | null;
}

function diskTail(files: string[]): DiskTail {
  let fragment: DiskTail['fragment'] = null;
  let newestSeen = false;
  for (let i = files.length - 1; i >= 0; i--) {
    const file = files[i]!;
    const t = readTail(file);
    if (!t || t.size === 0) continue;
    if (!newestSeen && t.fragment) fragment = { file, ...t.fragment };
    newestSeen = true;
    if (t.lastLine !== null) return { last: { entry: parseEntry(t.lastLine).entry }, fragment };
  }
  return { last: null, fragment };
}

/** Bytes cut off by an interrupted write are a prefix of the line the head holds. */
export function isPrefixOfLine(fragment: Buffer, line: string): boolean {
  const full = Buffer.from(`${line}\n`, 'utf8');
  return fragment.length < full.length && full.subarray(0, fragment.length).equals(fragment);
}

function notice(event: string, level: EntryInput['level'], reason: string, extra: LogDetails = {}): EntryInput {
  return { level, category: 'security', event, details: sanitizeDetails({ reason, ...extra }).details };
}
const reanchor = (reason: string, level: EntryInput['level'] = 'error'): EntryInput => notice('log_reanchored', level, reason);
/** "seq 7" or "seq 7–9". */
const seqRange = (from: number, to: number): string => (from === to ? `seq ${from}` : `seq ${from}–${to}`);

/**
 * Reads where the chain stands and repairs an interrupted write: when the head holds the entry
 * right after the last complete line, and whatever follows that line is a prefix of it, the
 * cut-off bytes are removed and the whole line is written (the event is kept, not dropped),
 * followed by a `log_write_completed` notice. Returns the state to continue from and the
 * entries written by the repair.
 */
export function planContinuation(c: ContinuationInput): { state: ChainState; written: SecurityLogEntry[] } {
  const written: SecurityLogEntry[] = [];
  const tail = diskTail(c.files);
  let state: ChainState;
  let fragmentDone = false;
  let prevOfTip: string | undefined;

  if (c.head.status === 'ok') {
    const h = c.head.head;
    const newest = c.head.newest;
    state = {
      lastSeq: h.seq,
      lastHash: h.hash,
      firstSeq: h.firstSeq,
      firstPrev: h.firstPrev,
      anchored: h.anchored === true,
      anchoredSince: h.anchoredSince ?? null,
      notices: [],
    };
    // An empty log ends just before the head's first retained entry.
    const onDisk = tail.last ? tail.last.entry : { seq: h.firstSeq - 1, hash: h.firstPrev, prev: undefined };
    prevOfTip = newest?.prev;
    if (onDisk && onDisk.seq === h.seq && onDisk.hash === h.hash) {
      // in step
    } else if (
      onDisk &&
      newest &&
      h.last &&
      onDisk.seq === h.seq - 1 &&
      newest.prev === onDisk.hash &&
      (!tail.fragment || isPrefixOfLine(tail.fragment.bytes, h.last))
    ) {
      const cut = tail.fragment;
      try {
        if (cut) truncateDurable(cut.file, cut.start);
        appendDurable(c.logFile, Buffer.from(`${h.last}\n`, 'utf8'));
      } catch (err) {
        throw writeError(
          err,
          'completing an interrupted write in the security log',
          `The entry (seq ${h.seq}) stays in the head record; the next append tries again.`,
        );
      }
      fragmentDone = true;
      written.push(newest);
      const total = Buffer.byteLength(`${h.last}\n`);
      state.notices.push(
        notice(
          'log_write_completed',
          'warn',
          `seq ${h.seq} was cut off by an interrupted write (${cut ? cut.bytes.length : 0} of ${total} bytes were on disk); it was completed from the signed head record`,
          { count: cut ? cut.bytes.length : 0 },
        ),
      );
    } else if (onDisk && onDisk.seq > h.seq) {
      state.lastSeq = onDisk.seq;
      state.lastHash = onDisk.hash;
      prevOfTip = 'prev' in onDisk ? onDisk.prev : undefined;
      state.notices.push(
        reanchor(
          `${seqRange(h.seq + 1, onDisk.seq)} in the log but the head record ends at seq ${h.seq}: written without it ` +
            '(an interrupted write of an older version, or lines added by hand); the chain continues after them',
        ),
      );
    }
    // Otherwise the head is the anchor: a break on disk stays visible to verify.
  } else {
    const last = lastEntryOnDisk(c.files);
    const first = firstEntryOnDisk(c.files);
    const reason = c.head.status === 'missing' ? 'the head record was missing' : c.head.reason;
    state =
      last && first
        ? {
            lastSeq: last.seq,
            lastHash: last.hash,
            firstSeq: first.seq,
            firstPrev: first.prev,
            anchored: false,
            anchoredSince: null,
            notices: [],
          }
        : { lastSeq: 0, lastHash: GENESIS_HASH, firstSeq: 1, firstPrev: GENESIS_HASH, anchored: false, anchoredSince: null, notices: [] };
    prevOfTip = last?.prev;
    if (last || c.head.status === 'invalid') state.notices.push(reanchor(`${reason}; the chain was continued from the last entry on disk`));
  }

  if (tail.fragment && !fragmentDone && tail.fragment.file === c.logFile) {
    // Not the entry the head holds: keep the bytes as evidence, but end their line so the next
    // entry is not glued to them.
    try {
      appendDurable(c.logFile, Buffer.from('\n'));
    } catch (err) {
      throw writeError(err, 'ending a damaged last line of the security log', 'Nothing else was written.');
    }
  }
  reconcileAnchor(state, c.anchor, prevOfTip);
  return { state, written };
}

/**
 * Compares the vault anchor with where the chain continues. Anything but "in step" or "one
 * behind after a crash" writes a re-anchor notice; an anchor ahead of the log moves the chain's
 * numbering past it, so the removed entries stay a visible gap and the anchor never moves back.
 */
function reconcileAnchor(state: ChainState, anchor: AnchorState, prevOfTip: string | undefined): void {
  const tip = { seq: state.lastSeq, hash: state.lastHash };
  switch (anchor.status) {
    case 'off':
      return;
    case 'missing':
      if (tip.seq === 0) return;
      state.notices.push(
        state.anchored
          ? reanchor(
              'the vault holds no anchor for this log although it had one (removed from the vault, or a different vault); the vault now anchors the log as it is',
            )
          : notice('log_anchored', 'info', `the vault now anchors the log; rollback detection is on from seq ${tip.seq}`),
      );
      return;
    case 'invalid':
      state.notices.push(reanchor(`${anchor.reason}; the vault now anchors the log as it is`));
      if (anchor.seq !== undefined && anchor.seq > tip.seq) state.lastSeq = anchor.seq;
      return;
    case 'ok':
      break;
  }
  const a = anchor.anchor;
  if (a.seq === tip.seq && a.hash === tip.hash) return;
  if (a.seq > tip.seq) {
    state.notices.push(
      reanchor(
        `the vault anchors seq ${a.seq}, but the log ends at seq ${tip.seq}: ${seqRange(tip.seq + 1, a.seq)} removed ` +
          `(the log was rolled back to an older copy, or truncated); the chain continues at seq ${a.seq + 1}, so the gap stays visible`,
      ),
    );
    state.lastSeq = a.seq;
    return;
  }
  if (a.seq === tip.seq) {
    state.notices.push(
      reanchor(
        `the entry at seq ${a.seq} is not the one the vault anchored: the log was rewritten; the vault now anchors the log as it is`,
      ),
    );
    return;
  }
  // One behind with the matching hash: a crash between the head and the vault; the next entry catches up.
  if (tip.seq - a.seq === 1 && prevOfTip === a.hash) return;
  state.notices.push(
    reanchor(
      `the vault anchored seq ${a.seq}, behind the log's seq ${tip.seq} (the vault was restored from an older copy, or entries were written without it); the vault now anchors the log`,
      'warn',
    ),
  );
}
