import { existsSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { dataFolder, osmenHome } from '../data-folder.js';
import { ensurePrivateDir, ensurePrivateFile } from '../fs/private-files.js';
import { FileLockTimeoutError, withFileLock } from '../fs/file-lock.js';
import { readAnchorState, signAnchor, type LogAnchorStore } from './log-anchor.js';
import { loadOrCreateKeyFile, readKeyFile, toKeyBuffer } from './log-key.js';
import { chainFiles, deriveLogKeys, entryHash, firstEntryOnDisk, hashUserId, parseEntry, type LogKeys } from './log-chain.js';
import { SecurityLogError, errnoOf, writeError } from './log-errors.js';
import { exportChain } from './log-export.js';
import { appendDurable, linesFromEnd, writeFileAtomic } from './log-files.js';
import { readHead, signHead } from './log-head.js';
import { planContinuation, type ChainState, type EntryInput } from './log-recovery.js';
import { verifyChain } from './log-verify.js';
import { redactField, sanitizeDetails } from './redaction.js';
import type { LogDetails, LogVerifyResult, SecurityEventSink, SecurityEventType, SecurityLogEntry } from '../contracts/security-log.js';

/**
 * The security log: one JSON object per line, hash-chained (log-chain.ts), anchored by a signed
 * head record next to it (log-head.ts) and by a monotonic anchor in the vault (log-anchor.ts).
 *
 * An append, under a cross-process lock, writes in this order:
 *   1. the head record, holding the new entry in full (atomic rename);
 *   2. the vault anchor (SQLite, synchronous=FULL), when there is a vault;
 *   3. the rotation of the files, when the live file is full;
 *   4. the line, fsynced.
 * A crash or a failure between any two steps leaves the head at most one entry ahead of the
 * file, holding that entry: verify reports an interrupted write, never tampering, and the next
 * append (any process) completes the line before it writes its own (log-recovery.ts).
 *
 * User ids are written only as HMAC-SHA256 under a key derived from `hmacKey`. The app passes
 * a random key kept encrypted in the vault. Without hmacKey the logger uses a random key
 * persisted in `<logFile>.key` (0600): a per-process key would make the same user hash
 * differently after every restart and leave the head unverifiable. The key file is weaker than
 * the vault (anyone who can read the data folder can read it) and exists for tools and tests.
 */

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_BACKUPS = 5;
/** Largest n readRecent() returns. */
export const MAX_RECENT = 10_000;

export { SecurityLogError, type SecurityLogErrorCode } from './log-errors.js';
export { VaultLogAnchorStore, type LogAnchor, type LogAnchorStore } from './log-anchor.js';

export interface SecurityLoggerOptions {
  /** Default ~/.osmen/security.log (OSMEN_HOME overrides the folder). */
  logFile?: string;
  /** Rotate before a write would make the live file larger than this. Default 10 MiB. */
  maxBytes?: number;
  /** Rotated files kept: security.log.1 (newest) … security.log.N. Default 5. */
  backups?: number;
  /** Key for user-id hashes, the head record and the anchor (>= 16 bytes). See the module comment. */
  hmacKey?: Buffer | string;
  /** The monotonic anchor in the vault. Without it the log works, but rollback detection is off. */
  anchorStore?: LogAnchorStore;
  /** Called after each entry is durably written (the app forwards it as 'log-appended'). */
  onAppend?: (entry: SecurityLogEntry) => void;
  now?: () => Date;
  /** How long an append waits for another process holding the log lock. Default 10 s. */
  lockTimeoutMs?: number;
}

/** Sidecar paths next to the log. */
export function securityLogPaths(logFile: string): { head: string; lock: string; key: string } {
  return { head: `${logFile}.head`, lock: `${logFile}.lock`, key: `${logFile}.key` };
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

const HELD_BY_HEAD = (seq: number) =>
  `The entry (seq ${seq}) is held by the signed head record: verify reports it as an interrupted write, and the next append writes it.`;

export class SecurityLogger implements SecurityEventSink {
  readonly logFile: string;
  readonly maxBytes: number;
  readonly backups: number;
  private keys: LogKeys;
  private readonly paths: { head: string; lock: string; key: string };
  private readonly anchorStore: LogAnchorStore | undefined;
  private readonly onAppend: ((entry: SecurityLogEntry) => void) | undefined;
  private readonly now: () => Date;
  private readonly lockTimeoutMs: number;
  private closed = false;

  constructor(options: SecurityLoggerOptions = {}) {
    this.logFile = options.logFile ?? dataFolder(osmenHome()).log;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.backups = options.backups ?? DEFAULT_BACKUPS;
    if (!Number.isSafeInteger(this.maxBytes) || this.maxBytes < 1024) {
      throw new SecurityLogError('BAD_OPTIONS', 'maxBytes must be an integer of at least 1024.');
    }
    if (!Number.isSafeInteger(this.backups) || this.backups < 0 || this.backups > 100) {
      throw new SecurityLogError('BAD_OPTIONS', 'backups must be an integer from 0 to 100.');
    }
    this.paths = securityLogPaths(this.logFile);
    this.anchorStore = options.anchorStore;
    this.onAppend = options.onAppend;
    this.now = options.now ?? (() => new Date());
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;

    ensurePrivateDir(dirname(this.logFile));
    ensurePrivateFile(this.logFile);
    this.keys = deriveLogKeys(options.hmacKey !== undefined ? toKeyBuffer(options.hmacKey) : loadOrCreateKeyFile(this.paths.key));
  }

  logOAuthEvent(
    type: SecurityEventType,
    provider: string,
    userId: string,
    success: boolean,
    details?: LogDetails,
    level?: SecurityLogEntry['level'],
  ): void {
    this.append({
      level: level === 'info' || level === 'warn' || level === 'error' ? level : success ? 'info' : 'warn',
      category: 'oauth',
      event: redactField(String(type), 64),
      provider: redactField(String(provider), 64),
      ...(userId ? { userHash: hashUserId(this.keys, String(userId)) } : {}),
      success: Boolean(success),
      details: sanitizeDetails(details).details,
    });
  }

  logTokenEvent(type: SecurityEventType, provider: string, userId: string): void {
    this.append({
      level: 'info',
      category: 'token',
      event: redactField(String(type), 64),
      provider: redactField(String(provider), 64),
      ...(userId ? { userHash: hashUserId(this.keys, String(userId)) } : {}),
      success: true,
      details: {},
    });
  }

  /** A security event that is not a failure (a key created or rotated, a provider added): level info unless told. */
  logSecurityEvent(type: SecurityEventType, details: LogDetails, level: SecurityLogEntry['level'] = 'info'): void {
    this.append({
      level: level === 'warn' || level === 'error' ? level : 'info',
      category: 'security',
      event: redactField(String(type), 64),
      details: sanitizeDetails(details).details,
    });
  }

  /** A security failure (decryption failure, rejected IPC, failed validation): level error. */
  logSecurityError(type: SecurityEventType, details: LogDetails): void {
    this.logSecurityEvent(type, details, 'error');
  }

  /** The user-id hash as it appears in entries (for filtering the log by account). */
  userHash(userId: string): string {
    return hashUserId(this.keys, userId);
  }

  /** The newest `n` entries, newest first, across rotated files. Unreadable lines are skipped. */
  readRecent(n: number): SecurityLogEntry[] {
    const want = Math.max(0, Math.min(Math.floor(n), MAX_RECENT));
    const out: SecurityLogEntry[] = [];
    if (want === 0) return out;
    const files = chainFiles(this.logFile, this.backups).reverse(); // live first
    for (const file of files) {
      if (!existsSync(file)) continue;
      for (const text of linesFromEnd(file)) {
        const { entry } = parseEntry(text);
        if (entry) out.push(entry);
        if (out.length >= want) return out;
      }
    }
    return out;
  }

  /** Checks the retained chain, the head record and the vault anchor; names the first entry that does not fit. */
  verify(): LogVerifyResult {
    return this.locked(
      () =>
        verifyChain(
          chainFiles(this.logFile, this.backups),
          readHead(this.paths.head, this.keys),
          this.paths.head,
          readAnchorState(this.anchorStore, this.keys),
        ),
      { readOnly: true },
    );
  }

  /**
   * Writes every retained entry, oldest first, to `destPath` (0600, atomically), with a header
   * line, so `osmen-cred log --verify --file` can check the chain elsewhere.
   */
  exportTo(destPath: string): { path: string; entries: number } {
    this.assertOpen();
    return exportChain({
      dest: destPath,
      files: chainFiles(this.logFile, this.backups),
      headFile: this.paths.head,
      ownFiles: [...chainFiles(this.logFile, this.backups), ...Object.values(this.paths)],
      keys: this.keys,
      snapshot: (read) => this.locked(read),
      now: this.now,
    });
  }

  /**
   * Switches to a new log key (the log key is a vault secret, so rotating the master key does
   * not change it; this is for replacing a log key believed exposed): the current head must
   * verify under the old key; a `log_rekeyed` entry is written and signed under the new key.
   * User hashes differ before and after.
   */
  rekey(newKey: Buffer | string): void {
    this.assertOpen();
    const next = deriveLogKeys(toKeyBuffer(newKey));
    this.writeUnderLock((state, written) => {
      const oldKeyId = this.keys.keyId;
      this.keys = next;
      written.push(
        this.writeOne(state, { level: 'info', category: 'security', event: 'log_rekeyed', details: { oldKeyId, newKeyId: next.keyId } }),
      );
    });
  }

  close(): void {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new SecurityLogError('CLOSED', 'The security log is closed.');
  }

  /**
   * Runs `fn` under the cross-process lock. A read (`readOnly`) that cannot create the lock file
   * because the disk is full reads without it: no writer can take the lock then either, and
   * verify is what someone runs to see whether the log survived the full disk.
   */
  private locked<T>(fn: () => T, opts: { readOnly?: boolean } = {}): T {
    let entered = false;
    try {
      return withFileLock(
        this.paths.lock,
        () => {
          entered = true;
          return fn();
        },
        { timeoutMs: this.lockTimeoutMs },
      );
    } catch (err) {
      if (err instanceof FileLockTimeoutError) throw new SecurityLogError('LOCK_TIMEOUT', err.message);
      // The lock file could not be created (a full disk fails here first): typed, and nothing was written.
      if (!entered && errnoOf(err)) {
        const full = writeError(err, 'taking the security log lock', 'Nothing was written; the log is unchanged.');
        if (opts.readOnly && full.code === 'DISK_FULL') return fn();
        throw full;
      }
      throw err;
    }
  }

  private append(input: EntryInput): void {
    this.assertOpen();
    this.writeUnderLock((state, written) => {
      written.push(this.writeOne(state, input));
    });
  }

  /**
   * Under the lock: settle where the chain stands (repairs and notices first), then `write`.
   * Listeners hear of every entry that reached the disk, also when a later step failed.
   */
  private writeUnderLock(write: (state: ChainState, written: SecurityLogEntry[]) => void): void {
    const written: SecurityLogEntry[] = [];
    try {
      this.locked(() => {
        const plan = this.prepare();
        written.push(...plan.written);
        for (const notice of plan.state.notices.splice(0)) written.push(this.writeOne(plan.state, notice));
        write(plan.state, written);
      });
    } finally {
      this.notify(written);
    }
  }

  private notify(written: SecurityLogEntry[]): void {
    if (!this.onAppend) return;
    for (const entry of written) {
      try {
        this.onAppend(entry);
      } catch (err) {
        // The entry is on disk; a listener failure must not turn into a failed security event.
        process.emitWarning(`SecurityLogger onAppend listener failed: ${(err as Error)?.name ?? 'Error'}`);
      }
    }
  }

  /** Where the chain continues (read on every append: another process may have written since). Runs under the lock. */
  private prepare(): { state: ChainState; written: SecurityLogEntry[] } {
    return planContinuation({
      files: chainFiles(this.logFile, this.backups),
      logFile: this.logFile,
      head: readHead(this.paths.head, this.keys),
      anchor: readAnchorState(this.anchorStore, this.keys),
    });
  }

  private advanceAnchor(seq: number, hash: string): void {
    if (!this.anchorStore) return;
    try {
      this.anchorStore.advance(signAnchor(this.keys, seq, hash));
    } catch (err) {
      const code = (err as { code?: unknown })?.code;
      if (code === 'SQLITE_FULL')
        throw new SecurityLogError(
          'DISK_FULL',
          `The disk is full while moving the log's anchor in the vault (SQLITE_FULL). ${HELD_BY_HEAD(seq)}`,
          {
            cause: err,
          },
        );
      throw new SecurityLogError(
        'ANCHOR_FAILED',
        `Could not move the log's anchor in the vault to seq ${seq}${typeof code === 'string' ? ` (${code})` : ''}. ${HELD_BY_HEAD(seq)}`,
        { cause: err },
      );
    }
  }

  /** Writes one entry: head (write-ahead), vault anchor, rotation, line. Must run under the lock. */
  private writeOne(state: ChainState, input: EntryInput): SecurityLogEntry {
    const body: Omit<SecurityLogEntry, 'hash'> = {
      seq: state.lastSeq + 1,
      ts: this.now().toISOString(),
      level: input.level,
      category: input.category,
      event: input.event,
      ...(input.provider !== undefined ? { provider: input.provider } : {}),
      ...(input.userHash !== undefined ? { userHash: input.userHash } : {}),
      ...(input.success !== undefined ? { success: input.success } : {}),
      details: input.details,
      prev: state.lastHash,
    };
    const entry: SecurityLogEntry = { ...body, hash: entryHash(body) };
    const line = JSON.stringify(entry);
    const bytes = Buffer.from(`${line}\n`, 'utf8');

    const size = fileSize(this.logFile);
    const rotate = size > 0 && size + bytes.length > this.maxBytes;
    let { firstSeq, firstPrev } = state;
    if (rotate) {
      // The start anchor moves with the file that rotation drops; it is signed before the drop,
      // and verify accepts older entries a crash left behind (they still link into the chain).
      const dropped = this.backups === 0 ? [this.logFile] : [`${this.logFile}.${this.backups}`].filter((f) => existsSync(f));
      if (dropped.length > 0) {
        const first = firstEntryOnDisk(chainFiles(this.logFile, this.backups).filter((f) => !dropped.includes(f)));
        firstSeq = first ? first.seq : entry.seq;
        firstPrev = first ? first.prev : entry.prev;
      }
    }
    const anchored = state.anchored || this.anchorStore !== undefined;
    const anchoredSince = state.anchoredSince ?? (this.anchorStore ? entry.seq : null);

    try {
      const head = signHead(this.keys, {
        seq: entry.seq,
        hash: entry.hash,
        firstSeq,
        firstPrev,
        last: line,
        anchored,
        ...(anchoredSince !== null ? { anchoredSince } : {}),
      });
      writeFileAtomic(this.paths.head, JSON.stringify(head));
    } catch (err) {
      throw writeError(err, 'writing the head record of the security log', 'Nothing was written; the log is unchanged.');
    }
    this.advanceAnchor(entry.seq, entry.hash);
    if (rotate) {
      try {
        this.rotate();
      } catch (err) {
        throw writeError(err, 'rotating the security log files', HELD_BY_HEAD(entry.seq));
      }
    }
    try {
      appendDurable(this.logFile, bytes);
    } catch (err) {
      throw writeError(err, 'appending to the security log', HELD_BY_HEAD(entry.seq));
    }

    state.lastSeq = entry.seq;
    state.lastHash = entry.hash;
    state.firstSeq = firstSeq;
    state.firstPrev = firstPrev;
    state.anchored = anchored;
    state.anchoredSince = anchoredSince;
    return entry;
  }

  /** security.log → .1 → … → .N; the oldest is dropped. Each step keeps the files in chain order. */
  private rotate(): void {
    if (this.backups === 0) {
      unlinkSync(this.logFile);
      return;
    }
    const oldest = `${this.logFile}.${this.backups}`;
    if (existsSync(oldest)) unlinkSync(oldest);
    for (let i = this.backups - 1; i >= 1; i--) {
      const from = `${this.logFile}.${i}`;
      if (existsSync(from)) renameSync(from, `${this.logFile}.${i + 1}`);
    }
    renameSync(this.logFile, `${this.logFile}.1`);
  }
}

/**
 * Verifies a log without opening a logger (for tools): nothing is written, so a missing or
 * invalid head is reported, not repaired. Without hmacKey the `<logFile>.key` file is used when
 * it exists. Without anchorStore rollback detection is off.
 */
export function verifySecurityLog(
  options: { logFile?: string; backups?: number; hmacKey?: Buffer | string; anchorStore?: LogAnchorStore } = {},
): LogVerifyResult {
  const logFile = options.logFile ?? dataFolder(osmenHome()).log;
  const paths = securityLogPaths(logFile);
  const key = options.hmacKey !== undefined ? toKeyBuffer(options.hmacKey) : existsSync(paths.key) ? readKeyFile(paths.key) : null;
  const files = chainFiles(logFile, options.backups ?? DEFAULT_BACKUPS);
  if (!key) {
    // Without a key the head cannot be trusted; the chain itself is still checked and reported first.
    return verifyChain(files, { status: 'invalid', reason: 'no key to check the head record with (pass hmacKey)' }, paths.head);
  }
  const keys = deriveLogKeys(key);
  return verifyChain(files, readHead(paths.head, keys), paths.head, readAnchorState(options.anchorStore, keys));
}
