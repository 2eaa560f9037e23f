import { basename } from 'node:path';
import type { AnchorState } from './log-anchor.js';
import { GENESIS_HASH, entryHash, readChainLines, type ParsedLine } from './log-chain.js';
import { readTail } from './log-files.js';
import type { HeadState } from './log-head.js';
import { isPrefixOfLine } from './log-recovery.js';
import type { LogReanchor, LogRollbackCheck, LogVerifyResult, SecurityLogEntry, VerifyProblem } from '../contracts/security-log.js';

export type FirstBad = NonNullable<LogVerifyResult['firstBad']>;
type Where = { seq: number | null; file: string; line: number };

/** Where a vault-anchor problem is reported (the anchor is a row, not a file line). */
export const ANCHOR_LOCATION = 'vault (tokens.db, security_log_anchor)';

/** Every re-anchor notice in the retained chain, oldest first. */
export function collectReanchors(lines: ParsedLine[]): LogReanchor[] {
  return lines
    .filter((l) => l.entry?.event === 'log_reanchored')
    .map((l) => ({ seq: l.entry!.seq, ts: l.entry!.ts, reason: String(l.entry!.details.reason ?? 'no reason recorded') }));
}

export interface WalkResult {
  bad?: FirstBad;
  last: SecurityLogEntry | null;
  lastLine: ParsedLine | null;
}

/**
 * Walks the entries oldest → newest and names the first one that does not fit. Order of checks
 * per entry: readable, own hash, seq continuity, prev link — so the reason says what happened
 * (edited / removed / reordered) rather than only "hash mismatch".
 */
export function walk(lines: ParsedLine[], start: { seq: number; prev: string } | null): WalkResult {
  const fail = (problem: VerifyProblem, where: Where, reason: string): FirstBad => ({ ...where, reason: `${problem}: ${reason}`, problem });
  const seqs = new Map<number, number>(); // seq -> index of first occurrence
  lines.forEach((l, i) => {
    if (l.entry && !seqs.has(l.entry.seq)) seqs.set(l.entry.seq, i);
  });
  let prevEntry: SecurityLogEntry | null = null;
  let prevLine: ParsedLine | null = null;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const here = { seq: l.entry?.seq ?? null, file: l.file, line: l.line };
    const done = (bad: FirstBad): WalkResult => ({ bad, last: prevEntry, lastLine: prevLine });
    if (!l.entry) return done(fail('malformed', here, l.error ?? 'unreadable line'));
    const e = l.entry;
    const ownHash = entryHash(e);
    if (prevEntry === null) {
      const expectedSeq = start ? start.seq : 1;
      const expectedPrev = start ? start.prev : GENESIS_HASH;
      // Older than the head's first entry: a rotation was interrupted before it removed the
      // oldest file. Those entries still link into the retained chain, so they are checked too.
      const leftover = start !== null && e.seq < start.seq;
      if (!leftover && (e.seq !== expectedSeq || e.prev !== expectedPrev)) {
        if (ownHash !== e.hash) return done(fail('edited', here, `entry seq ${e.seq} does not match its own hash`));
        return done(
          fail(
            'start_removed',
            here,
            start
              ? `the log should start at seq ${start.seq} but starts at seq ${e.seq}: older entries or a rotated file were removed`
              : `the log starts at seq ${e.seq}, not 1, and there is no head record saying older entries were rotated out`,
          ),
        );
      }
    } else {
      const expectedSeq = prevEntry.seq + 1;
      if (e.seq !== expectedSeq) {
        const swappedAt = seqs.get(expectedSeq);
        if (e.seq < expectedSeq || (swappedAt !== undefined && swappedAt > i)) {
          return done(
            fail(
              'reordered',
              here,
              swappedAt !== undefined && swappedAt > i
                ? `found seq ${e.seq} where seq ${expectedSeq} belongs; seq ${expectedSeq} appears later (${basename(lines[swappedAt]!.file)} line ${lines[swappedAt]!.line})`
                : `found seq ${e.seq} after seq ${prevEntry.seq} (duplicated or moved)`,
            ),
          );
        }
        const missing = e.seq - expectedSeq;
        return done(
          fail(
            'missing',
            here,
            `seq ${expectedSeq}${missing > 1 ? `–${e.seq - 1}` : ''} removed before this entry (previous is seq ${prevEntry.seq} in ${basename(prevLine!.file)} line ${prevLine!.line})`,
          ),
        );
      }
      if (ownHash === e.hash && e.prev !== prevEntry.hash) {
        // Consecutive seqs, own hash fine, but the link is broken: the previous entry was
        // rewritten with a recomputed hash.
        return done(
          fail(
            'edited',
            { seq: prevEntry.seq, file: prevLine!.file, line: prevLine!.line },
            `entry seq ${prevEntry.seq} was changed after seq ${e.seq} recorded its hash (its hash was recomputed)`,
          ),
        );
      }
    }
    if (ownHash !== e.hash) return done(fail('edited', here, `entry seq ${e.seq} does not match its own hash`));
    prevEntry = e;
    prevLine = l;
  }
  return { last: prevEntry, lastLine: prevLine };
}

/**
 * The vault anchor against the end of the log. `hashAt` finds the retained entry with a given seq.
 * `anchoredSince` is the signed head's first entry that moved the anchor, `lastOnDisk` the newest
 * complete entry in the files: that entry's line follows its anchor, so an anchor missing after
 * it was removed from the vault.
 */
export function compareAnchor(
  anchor: AnchorState,
  tip: { seq: number; hash: string },
  hashAt: (seq: number) => string | undefined,
  since: { anchoredSince?: number | undefined; lastOnDisk: number } = { lastOnDisk: 0 },
): LogRollbackCheck {
  switch (anchor.status) {
    case 'off':
      return { status: 'off', message: 'Rollback detection is off: the log was checked without the vault that anchors it.' };
    case 'missing':
      if (since.anchoredSince !== undefined && since.lastOnDisk >= since.anchoredSince) {
        return {
          status: 'rolled_back',
          message:
            `The signed head record says the vault has anchored this log since seq ${since.anchoredSince}, but the vault holds no anchor: ` +
            'it was removed from the vault (tokens.db), which hides a log restored from an older copy.',
        };
      }
      return tip.seq === 0
        ? { status: 'ok', message: 'Nothing has been logged yet.' }
        : {
            status: 'missing',
            message: 'The vault holds no anchor for the log yet; the next entry creates it. Until then a rollback cannot be detected.',
          };
    case 'invalid':
      return {
        status: 'invalid',
        message: `The vault anchor cannot be trusted: ${anchor.reason}.`,
        ...(anchor.seq !== undefined ? { anchorSeq: anchor.seq } : {}),
      };
    case 'ok':
      break;
  }
  const a = anchor.anchor;
  const base = { anchorSeq: a.seq };
  if (a.seq > tip.seq) {
    const n = a.seq - tip.seq;
    return {
      status: 'rolled_back',
      message: `The vault anchors seq ${a.seq}, but the log ends at seq ${tip.seq}: ${n} ${n === 1 ? 'entry was' : 'entries were'} removed from the end, or the log and its head were restored from an older copy.`,
      ...base,
    };
  }
  const at = a.seq === tip.seq ? tip.hash : hashAt(a.seq);
  if (at !== undefined && at !== a.hash) {
    return {
      status: 'forked',
      message: `The entry at seq ${a.seq} is not the one the vault anchored: the log was rewritten from there.`,
      ...base,
    };
  }
  if (a.seq === tip.seq) return { status: 'ok', message: `The log ends at the entry the vault anchors (seq ${a.seq}).`, ...base };
  if (tip.seq - a.seq === 1 && at !== undefined) {
    return {
      status: 'ok',
      message: `The vault anchors seq ${a.seq}, one behind the log: a write was interrupted between the head and the vault; the next entry catches up.`,
      ...base,
    };
  }
  return {
    status: 'behind',
    message:
      `The vault anchors seq ${a.seq}, behind the log's seq ${tip.seq}${at === undefined ? ' (that entry was rotated out, so it cannot be compared)' : ''}: ` +
      'the vault was restored from an older copy, or entries were written without it. The next entry moves the anchor up and records a re-anchor.',
    ...base,
  };
}

/**
 * Checks the retained chain, the signed head and the vault anchor. A last line cut off by an
 * interrupted write is not a failure when it is exactly the entry the head holds (the next
 * append completes it): that is reported as `interrupted`.
 */
export function verifyChain(
  files: string[],
  headState: HeadState,
  headFile: string,
  anchorState: AnchorState = { status: 'off' },
): LogVerifyResult {
  const all = readChainLines(files);
  const head = headState.status === 'ok' ? headState.head : null;
  const newest = headState.status === 'ok' ? headState.newest : null;
  const reanchors = collectReanchors(all);
  const lines = all.slice();
  const tail = lines.at(-1);
  const fragment = tail?.unterminated && !tail.entry ? lines.pop()! : null;
  const fragmentBytes = fragment ? (readTail(fragment.file)?.fragment?.bytes ?? Buffer.from(fragment.text)) : null;

  const w = walk(lines, head ? { seq: head.firstSeq, prev: head.firstPrev } : null);
  let bad = w.bad;
  let interrupted: LogVerifyResult['interrupted'];
  const liveFile = files[files.length - 1]!;
  const fail = (problem: VerifyProblem, where: Where, reason: string): FirstBad => ({ ...where, reason: `${problem}: ${reason}`, problem });
  const fragmentBad = (why: string): FirstBad => fail('malformed', { seq: null, file: fragment!.file, line: fragment!.line }, why);

  if (!bad && head) {
    const lastSeq = w.last ? w.last.seq : head.firstSeq - 1;
    const lastHash = w.last ? w.last.hash : head.firstPrev;
    const nextLine = (): { file: string; line: number } =>
      fragment
        ? { file: fragment.file, line: fragment.line }
        : w.lastLine && w.lastLine.file === liveFile
          ? { file: liveFile, line: w.lastLine.line + 1 }
          : { file: liveFile, line: 1 };
    if (lastSeq === head.seq) {
      if (lastHash !== head.hash) {
        bad = fail(
          'edited',
          { seq: lastSeq, file: w.lastLine!.file, line: w.lastLine!.line },
          `the last entry (seq ${lastSeq}) differs from what the head record signed`,
        );
      } else if (fragment) {
        bad = fragmentBad(`bytes after the newest entry (seq ${head.seq}) that the logger did not write`);
      }
    } else if (
      lastSeq === head.seq - 1 &&
      newest &&
      newest.prev === lastHash &&
      (!fragmentBytes || isPrefixOfLine(fragmentBytes, head.last!))
    ) {
      interrupted = {
        seq: head.seq,
        ...nextLine(),
        reason: fragmentBytes
          ? `the last line (seq ${head.seq}) was cut off after ${fragmentBytes.length} bytes by an interrupted write; the signed head record holds the whole entry and the next append completes it`
          : `seq ${head.seq} was being written when the writer stopped; the signed head record holds the whole entry and the next append writes it`,
      };
    } else if (fragment) {
      bad = fragmentBad('the last line was cut off, and it is not the entry the head record holds');
    } else if (lastSeq < head.seq) {
      bad =
        w.last === null
          ? fail(
              'truncated',
              { seq: head.firstSeq, file: liveFile, line: 1 },
              `the head record says the log holds seq ${head.firstSeq}–${head.seq}, but no entries are left`,
            )
          : fail(
              'truncated',
              { seq: lastSeq + 1, ...nextLine() },
              `the log ends at seq ${lastSeq} but the head record says seq ${head.seq} was written: entries at the end (or the newest file) were removed`,
            );
    } else {
      const l = lines.find((x) => x.entry?.seq === head.seq + 1)!;
      bad = fail(
        'malformed',
        { seq: head.seq + 1, file: l.file, line: l.line },
        `entries after seq ${head.seq} were not written by the logger (the head record ends there)`,
      );
    }
  } else if (!bad && fragment) {
    bad = fragmentBad('the last line was cut off, and there is no valid head record holding it');
  } else if (!bad && headState.status === 'invalid') {
    bad = fail('head_invalid', { seq: null, file: headFile, line: 0 }, headState.reason);
  } else if (!bad && headState.status === 'missing' && lines.length > 0) {
    bad = fail(
      'head_missing',
      { seq: null, file: headFile, line: 0 },
      'the head record is missing, so removal of the newest entries cannot be ruled out',
    );
  }

  // The end of the log as far as the log itself can tell: the signed head, else the last entry on disk.
  const lastOnDisk = [...lines].reverse().find((l) => l.entry)?.entry ?? null;
  const tip = head
    ? { seq: head.seq, hash: head.hash }
    : lastOnDisk
      ? { seq: lastOnDisk.seq, hash: lastOnDisk.hash }
      : { seq: 0, hash: GENESIS_HASH };
  const hashes = new Map<number, string>();
  for (const l of lines) if (l.entry && !hashes.has(l.entry.seq)) hashes.set(l.entry.seq, l.entry.hash);
  if (newest) hashes.set(newest.seq, newest.hash);
  const rollback = compareAnchor(anchorState, tip, (seq) => hashes.get(seq), {
    anchoredSince: head?.anchoredSince,
    lastOnDisk: lastOnDisk?.seq ?? 0,
  });
  if (!bad && (rollback.status === 'rolled_back' || rollback.status === 'forked')) {
    const at = rollback.status === 'forked' ? lines.find((l) => l.entry?.seq === rollback.anchorSeq) : undefined;
    bad = fail(
      'rolled_back',
      at
        ? { seq: rollback.anchorSeq!, file: at.file, line: at.line }
        : { seq: tip.seq + 1, file: liveFile, line: (w.lastLine?.file === liveFile ? w.lastLine.line : 0) + 1 },
      rollback.message,
    );
  } else if (!bad && rollback.status === 'invalid') {
    bad = fail('anchor_invalid', { seq: null, file: ANCHOR_LOCATION, line: 0 }, rollback.message);
  }

  return {
    ok: !bad,
    entries: lines.length,
    head: headState.status,
    reanchors,
    rollback,
    ...(bad ? { firstBad: bad } : {}),
    ...(interrupted && !bad ? { interrupted } : {}),
  };
}
