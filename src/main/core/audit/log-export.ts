import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deriveLogKeys, parseEntry, splitLines, type LogKeys, type ParsedLine } from './log-chain.js';
import { SecurityLogError, errnoOf, writeError } from './log-errors.js';
import { writeFileAtomic } from './log-files.js';
import { checkHead, type HeadRecord } from './log-head.js';
import { isPrefixOfLine } from './log-recovery.js';
import { collectReanchors, walk, type FirstBad } from './log-verify.js';
import type { LogReanchor } from '../contracts/security-log.js';

/**
 * Export of the whole retained chain, oldest first, as one file that can be checked elsewhere
 * (`osmen-cred log --verify --file`), without the vault or the log key.
 *
 * The file is the log's own lines behind one header line. The header carries what the export
 * claims (count, first and last entry) and the signed head record at export time; someone who
 * holds the log key can check that signature later, anyone can check the chain against the
 * claims. A plain copy of security.log (no header) is accepted by the verifier too.
 */

export const EXPORT_FORMAT = 'osmen-security-log-export';

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  v: 1;
  exportedAt: string;
  entries: number;
  firstSeq: number | null;
  lastSeq: number | null;
  lastHash: string | null;
  head: HeadRecord | null;
}

export interface ExportChainOptions {
  dest: string;
  /** Chain files oldest first. */
  files: string[];
  headFile: string;
  /** The log's own files: the export may not overwrite them. */
  ownFiles: string[];
  keys: LogKeys;
  /** Runs `read` under the log's lock, so no append or rotation runs while the files are read. */
  snapshot: <T>(read: () => T) => T;
  now: () => Date;
}

function lastNewline(buf: Buffer): number {
  return buf.lastIndexOf(0x0a);
}

/** Writes the retained chain oldest first to `dest` (0600, atomic rename). */
export function exportChain(o: ExportChainOptions): { path: string; entries: number } {
  const dest = resolve(o.dest);
  if (o.ownFiles.some((f) => resolve(f) === dest) || dest.endsWith('.tmp')) {
    throw new SecurityLogError('BAD_OPTIONS', `Export to another file than the log's own (${dest}).`);
  }
  const snap = o.snapshot(() => ({
    contents: o.files.filter((f) => existsSync(f)).map((f) => readFileSync(f)),
    headText: existsSync(o.headFile) ? readFileSync(o.headFile, 'utf8') : null,
  }));
  let headRecord: HeadRecord | null = null;
  let newestLine: string | null = null;
  if (snap.headText !== null) {
    try {
      const state = checkHead(JSON.parse(snap.headText), o.keys);
      if (state.status === 'ok') {
        headRecord = state.head;
        newestLine = state.newest ? state.head.last! : null;
      }
    } catch {
      // an unreadable head is not exported; the chain still is
    }
  }

  const lines: string[] = [];
  const nonEmpty = snap.contents.filter((b) => b.length > 0);
  nonEmpty.forEach((buf, i) => {
    const isLast = i === nonEmpty.length - 1;
    const nl = lastNewline(buf);
    const complete = buf.subarray(0, nl + 1);
    for (const l of splitLines(complete.toString('utf8'))) lines.push(l);
    const rest = buf.subarray(nl + 1);
    if (rest.length === 0) return;
    // A line cut off by an interrupted write: the head holds it whole. Anything else is kept as is.
    if (isLast && newestLine && isPrefixOfLine(rest, newestLine)) return;
    lines.push(rest.toString('utf8'));
  });
  // The newest entry when its line is not (or not wholly) on disk yet: the head's copy is the entry.
  if (newestLine && headRecord) {
    const lastParsed = lines.length ? parseEntry(lines[lines.length - 1]!).entry : null;
    const newest = parseEntry(newestLine).entry!;
    const before = lastParsed
      ? { seq: lastParsed.seq, hash: lastParsed.hash }
      : { seq: headRecord.firstSeq - 1, hash: headRecord.firstPrev };
    if (before.seq === newest.seq - 1 && before.hash === newest.prev) lines.push(newestLine);
  }

  const entries = lines.map((l) => parseEntry(l).entry);
  const first = entries.find((e) => e) ?? null;
  const last = [...entries].reverse().find((e) => e) ?? null;
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    v: 1,
    exportedAt: o.now().toISOString(),
    entries: lines.length,
    firstSeq: first?.seq ?? null,
    lastSeq: last?.seq ?? null,
    lastHash: last?.hash ?? null,
    head: headRecord,
  };
  const data = `${[JSON.stringify(header), ...lines].join('\n')}\n`;
  try {
    writeFileAtomic(dest, data, `${process.pid}.${randomBytes(4).toString('hex')}`);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT')
      throw new SecurityLogError('WRITE_FAILED', `Cannot write ${dest}: its folder does not exist.`, { cause: err });
    throw writeError(err, `writing the export to ${dest}`, 'No export file was written.');
  }
  return { path: dest, entries: lines.length };
}

export interface ExportVerifyResult {
  ok: boolean;
  entries: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The file carries an export header (a plain copy of security.log does not). */
  header: boolean;
  firstBad?: FirstBad;
  reanchors: LogReanchor[];
  /** What was checked, and what a check without the vault and the log key cannot show. */
  checked: string[];
  notChecked: string[];
}

/**
 * Verifies an exported log (or a copy of security.log) on its own: the chain links and each
 * entry's hash, against the header's claims. With `hmacKey` (the log key) the signed head in the
 * header is checked too.
 */
export function verifyExportFile(path: string, options: { hmacKey?: Buffer } = {}): ExportVerifyResult {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SecurityLogError('READ_FAILED', `Cannot read ${path}${errnoOf(err) ? ` (${errnoOf(err)})` : ''}.`, { cause: err });
  }
  const raw = splitLines(content);
  let header: ExportHeader | null = null;
  try {
    const h = JSON.parse(raw[0] ?? '') as Partial<ExportHeader>;
    if (h && typeof h === 'object' && h.format === EXPORT_FORMAT) header = h as ExportHeader;
  } catch {
    // no header: a plain copy of the log
  }
  const offset = header ? 1 : 0;
  const lines: ParsedLine[] = raw.slice(offset).map((text, i) => {
    const { entry, error } = parseEntry(text);
    return { file: path, line: i + 1 + offset, entry, text, ...(error ? { error } : {}) };
  });
  const firstEntry = lines[0]?.entry ?? null;
  // Older entries were rotated out before the export: where the retained chain starts cannot be checked.
  const start = firstEntry && firstEntry.seq !== 1 ? { seq: firstEntry.seq, prev: firstEntry.prev } : null;
  const w = walk(lines, start);
  let bad = w.bad;
  const fail = (reason: string, where = { seq: null as number | null, file: path, line: 1 }): FirstBad => ({
    ...where,
    reason: `truncated: ${reason}`,
    problem: 'truncated',
  });
  const last = w.last;
  const checked = [
    'every entry matches its own hash',
    'every entry links to the one before it (nothing inside was edited, removed or reordered)',
  ];
  const notChecked = [
    'that nobody rewrote the whole file with recomputed hashes (that takes the log key: `--verify` on the machine that wrote the log)',
    'the vault anchor (rollback to an older copy before the export)',
  ];
  if (start) notChecked.push(`entries before seq ${start.seq} (rotated out before the export)`);
  else checked.push('the chain starts at the first entry ever written (seq 1)');

  if (header) {
    if (!bad && (header.entries !== lines.length || header.lastSeq !== (last?.seq ?? null) || header.lastHash !== (last?.hash ?? null))) {
      bad = fail(
        `the header says ${header.entries} entries ending at seq ${header.lastSeq ?? 'none'}, the file holds ${lines.length} ending at seq ${last?.seq ?? 'none'}: entries at the end were removed or added`,
        { seq: last ? last.seq + 1 : null, file: path, line: lines.length + offset + 1 },
      );
    }
    checked.push('the file ends where the export header says (entries at the end were not cut off — unless the header was edited as well)');
    if (options.hmacKey && header.head) {
      const state = checkHead(header.head, deriveLogKeys(options.hmacKey));
      if (state.status !== 'ok') {
        bad ??= {
          seq: null,
          file: path,
          line: 1,
          reason: `head_invalid: ${state.status === 'invalid' ? state.reason : 'missing'}`,
          problem: 'head_invalid',
        };
      } else if (!bad && (state.head.seq !== last?.seq || state.head.hash !== last?.hash)) {
        bad = {
          seq: last?.seq ?? null,
          file: path,
          line: lines.length + offset,
          reason: 'edited: the last entry is not the one the signed head record names',
          problem: 'edited',
        };
      }
      checked.push('the signed head record in the header (with the log key)');
      notChecked.shift();
    } else {
      notChecked.push('the signed head record in the header (needs the log key)');
    }
  } else {
    notChecked.push('whether entries at the end were removed (a plain copy has no export header)');
  }
  return {
    ok: !bad,
    entries: lines.length,
    firstSeq: firstEntry?.seq ?? null,
    lastSeq: last?.seq ?? null,
    header: header !== null,
    ...(bad ? { firstBad: bad } : {}),
    reanchors: collectReanchors(lines),
    checked,
    notChecked,
  };
}
