import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { EOL } from 'node:os';
import { dirname } from 'node:path';
import electronLog from 'electron-log/node';
import type { LogDetails, SecurityEventSink, SecurityEventType, SecurityLogEntry } from '../contracts.js';
import { defaultLogPath } from '../paths.js';
import { ensurePrivateDir, ensurePrivateFile } from './private-files.js';
import { FileLockTimeoutError, withFileLock } from './file-lock.js';
import {
  GENESIS_HASH,
  chainFiles,
  deriveLogKeys,
  entryHash,
  firstEntryOnDisk,
  hashUserId,
  lastEntryOnDisk,
  parseEntry,
  readHead,
  signHead,
  verifyChain,
  type HeadRecord,
  type LogKeys,
  type SecurityLogVerifyResult,
} from './log-chain.js';
import { redactField, sanitizeDetails } from './redaction.js';

/**
 * The security log: one JSON object per line, written through electron-log's
 * file transport (so it works in the Electron main process and in plain Node),
 * hash-chained and anchored by a signed head record (see log-chain.ts).
 *
 * User ids are written only as HMAC-SHA256 under a key derived from `hmacKey`.
 * The app passes `encryption.deriveKey('security-log/user-id')`, so the hash
 * key lives wherever the master key lives (the OS keychain). Without hmacKey
 * the logger uses a random key persisted in `<logFile>.key` (0600): a per-process
 * random key would make the same user hash differently after every restart and
 * leave the head record unverifiable, and an unkeyed SHA-256 of an e-mail can
 * be reversed by guessing addresses. The key file is weaker than the keychain
 * (anyone who can read the data folder can read it) and exists for tools and
 * tests; the app should always pass a key.
 */

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_BACKUPS = 5;
/** Largest n readRecent() returns. */
export const MAX_RECENT = 10_000;

export type SecurityLogErrorCode = 'CLOSED' | 'WRITE_FAILED' | 'LOCK_TIMEOUT' | 'BAD_OPTIONS' | 'KEY_FILE';

export class SecurityLogError extends Error {
  readonly code: SecurityLogErrorCode;
  constructor(code: SecurityLogErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecurityLogError';
    this.code = code;
  }
}

export interface SecurityLoggerOptions {
  /** Default ~/.osmen/security.log (OSMEN_HOME overrides the folder). */
  logFile?: string;
  /** Rotate before a write would make the live file larger than this. Default 10 MiB. */
  maxBytes?: number;
  /** Rotated files kept: security.log.1 (newest) … security.log.N. Default 5. */
  backups?: number;
  /** Key for user-id hashes and the head record (>= 16 bytes). See the module comment. */
  hmacKey?: Buffer | string;
  /** Called after each entry is durably written (the app forwards it as 'log-appended'). */
  onAppend?: (entry: SecurityLogEntry) => void;
  now?: () => Date;
  /** How long an append waits for another process holding the log lock. Default 10 s. */
  lockTimeoutMs?: number;
}

export type { SecurityLogVerifyResult, VerifyProblem } from './log-chain.js';

/** Sidecar paths next to the log. */
export function securityLogPaths(logFile: string): { head: string; lock: string; key: string } {
  return { head: `${logFile}.head`, lock: `${logFile}.lock`, key: `${logFile}.key` };
}

function toKeyBuffer(key: Buffer | string): Buffer {
  const buf = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (buf.length < 16) {
    throw new SecurityLogError('BAD_OPTIONS', 'hmacKey must be at least 16 bytes; pass encryption.deriveKey("security-log/user-id").');
  }
  return buf;
}

function readKeyFile(keyFile: string): Buffer {
  const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
  if (key.length !== 32) {
    throw new SecurityLogError('KEY_FILE', `${keyFile} does not hold a 32-byte base64 key. Remove it only if you accept that older log entries can no longer be verified.`);
  }
  return key;
}

/** Loads the persisted log key, creating it (0600, exclusive) on first use. */
function loadOrCreateKeyFile(keyFile: string): Buffer {
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

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/**
 * Yields a file's lines newest first, reading 64 KiB blocks from the end, so
 * the UI's "last 200 entries" does not read a 10 MiB file each time.
 */
function* linesFromEnd(file: string, blockSize = 64 * 1024): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    let pos = fstatSync(fd).size;
    let carry = Buffer.alloc(0); // bytes of a line whose start is in an earlier block
    while (pos > 0) {
      const len = Math.min(blockSize, pos);
      pos -= len;
      const block = Buffer.alloc(len);
      readSync(fd, block, 0, len, pos);
      let buf = Buffer.concat([block, carry]);
      let end = buf.length;
      for (let i = buf.length - 1; i >= 0; i--) {
        if (buf[i] === 0x0a) {
          const line = buf.subarray(i + 1, end).toString('utf8').replace(/\r$/, '');
          if (line !== '') yield line;
          end = i;
        }
      }
      carry = Buffer.from(buf.subarray(0, end));
      buf = Buffer.alloc(0);
    }
    const first = carry.toString('utf8').replace(/\r$/, '');
    if (first !== '') yield first;
  } finally {
    closeSync(fd);
  }
}

interface ChainState {
  lastSeq: number;
  lastHash: string;
  firstSeq: number;
  firstPrev: string;
  /** Set when there was no valid head: why the chain was re-anchored from the file. */
  reanchor?: string;
}

type EntryInput = Omit<SecurityLogEntry, 'seq' | 'ts' | 'prev' | 'hash'>;

let instanceCounter = 0;

export class SecurityLogger implements SecurityEventSink {
  readonly logFile: string;
  readonly maxBytes: number;
  readonly backups: number;
  private keys: LogKeys;
  private readonly paths: { head: string; lock: string; key: string };
  private readonly onAppend: ((entry: SecurityLogEntry) => void) | undefined;
  private readonly now: () => Date;
  private readonly lockTimeoutMs: number;
  private readonly elog: ReturnType<typeof electronLog.create>;
  private readonly logId: string;
  private closed = false;

  constructor(options: SecurityLoggerOptions = {}) {
    this.logFile = options.logFile ?? defaultLogPath();
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.backups = options.backups ?? DEFAULT_BACKUPS;
    if (!Number.isSafeInteger(this.maxBytes) || this.maxBytes < 1024) {
      throw new SecurityLogError('BAD_OPTIONS', 'maxBytes must be an integer of at least 1024.');
    }
    if (!Number.isSafeInteger(this.backups) || this.backups < 0 || this.backups > 100) {
      throw new SecurityLogError('BAD_OPTIONS', 'backups must be an integer from 0 to 100.');
    }
    this.paths = securityLogPaths(this.logFile);
    this.onAppend = options.onAppend;
    this.now = options.now ?? (() => new Date());
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;

    ensurePrivateDir(dirname(this.logFile));
    ensurePrivateFile(this.logFile);
    this.keys = deriveLogKeys(options.hmacKey !== undefined ? toKeyBuffer(options.hmacKey) : loadOrCreateKeyFile(this.paths.key));

    // An isolated electron-log instance: the app's own log (the default
    // instance) keeps its files and format; this one writes exactly our line.
    this.logId = `osmen-security-${process.pid}-${++instanceCounter}`;
    this.elog = electronLog.create({ logId: this.logId });
    for (const name of ['console', 'ipc', 'remote'] as const) {
      const t = (this.elog.transports as unknown as Record<string, { level: unknown } | undefined>)[name];
      if (t) t.level = false;
    }
    const file = this.elog.transports.file;
    file.level = 'silly';
    file.sync = true; // verify() right after a log call must see the line
    file.maxSize = 0; // rotation is ours: it must move the chain's anchors with the files
    file.writeOptions = { flag: 'a', mode: 0o600, encoding: 'utf8' };
    file.resolvePathFn = () => this.logFile;
    // The default transforms apply console-style %c/%s templating; the line must be written byte for byte.
    file.transforms = [({ data }) => String(data[0])];
  }

  logOAuthEvent(type: SecurityEventType, provider: string, userId: string, success: boolean, details?: LogDetails): void {
    this.append({
      level: success ? 'info' : 'warn',
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

  logSecurityError(type: SecurityEventType, details: LogDetails): void {
    this.append({
      level: 'error',
      category: 'security',
      event: redactField(String(type), 64),
      details: sanitizeDetails(details).details,
    });
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

  /** Checks the whole retained chain and the head record; names the first entry that does not fit. */
  verify(): SecurityLogVerifyResult {
    return this.locked(() => verifyChain(chainFiles(this.logFile, this.backups), readHead(this.paths.head, this.keys), this.paths.head));
  }

  /**
   * Switches to a new key (after the master key was rotated): the current
   * head must verify under the old key; a `log_rekeyed` entry is written and
   * signed under the new key. User hashes differ before and after.
   */
  rekey(newKey: Buffer | string): void {
    this.assertOpen();
    const next = deriveLogKeys(toKeyBuffer(newKey));
    this.locked(() => {
      const state = this.chainState();
      const oldKeyId = this.keys.keyId;
      this.keys = next;
      this.writeEntries(state, {
        level: 'info',
        category: 'security',
        event: 'log_rekeyed',
        details: { oldKeyId, newKeyId: next.keyId },
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Forget the electron-log instance so repeated open/close does not accumulate them.
    const instances = (electronLog as unknown as { Logger?: { instances?: Record<string, unknown> } }).Logger?.instances;
    if (instances) delete instances[this.logId];
  }

  private assertOpen(): void {
    if (this.closed) throw new SecurityLogError('CLOSED', 'The security log is closed.');
  }

  private locked<T>(fn: () => T): T {
    try {
      return withFileLock(this.paths.lock, fn, { timeoutMs: this.lockTimeoutMs });
    } catch (err) {
      if (err instanceof FileLockTimeoutError) throw new SecurityLogError('LOCK_TIMEOUT', err.message);
      throw err;
    }
  }

  private append(input: EntryInput): void {
    this.assertOpen();
    const written = this.locked(() => this.writeEntries(this.chainState(), input));
    if (this.onAppend) {
      for (const entry of written) {
        try {
          this.onAppend(entry);
        } catch (err) {
          // The entry is on disk; a listener failure must not turn into a failed security event.
          process.emitWarning(`SecurityLogger onAppend listener failed: ${(err as Error)?.name ?? 'Error'}`);
        }
      }
    }
  }

  /**
   * Where the chain continues. Read from the head record on every append (not
   * cached) because another process may have appended since. With no valid
   * head, continue from the entries on disk and say so in the log.
   */
  private chainState(): ChainState {
    const head = readHead(this.paths.head, this.keys);
    if (head.status === 'ok') {
      const h = head.head;
      return { lastSeq: h.seq, lastHash: h.hash, firstSeq: h.firstSeq, firstPrev: h.firstPrev };
    }
    const files = chainFiles(this.logFile, this.backups);
    const last = lastEntryOnDisk(files);
    const first = firstEntryOnDisk(files);
    const reason = head.status === 'missing' ? 'the head record was missing' : head.reason;
    if (!last || !first) {
      return { lastSeq: 0, lastHash: GENESIS_HASH, firstSeq: 1, firstPrev: GENESIS_HASH, ...(head.status === 'invalid' ? { reanchor: reason } : {}) };
    }
    return { lastSeq: last.seq, lastHash: last.hash, firstSeq: first.seq, firstPrev: first.prev, reanchor: reason };
  }

  /** Writes (an optional re-anchor notice and) one entry; must run under the lock. */
  private writeEntries(state: ChainState, input: EntryInput): SecurityLogEntry[] {
    const written: SecurityLogEntry[] = [];
    if (state.reanchor) {
      written.push(
        this.writeOne(state, {
          level: 'error',
          category: 'security',
          event: 'log_reanchored',
          details: sanitizeDetails({ reason: `${state.reanchor}; the chain was continued from the last entry on disk` }).details,
        }),
      );
    }
    written.push(this.writeOne(state, input));
    return written;
  }

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
    const bytes = Buffer.byteLength(line + EOL, 'utf8');

    if (fileSize(this.logFile) > 0 && fileSize(this.logFile) + bytes > this.maxBytes) {
      this.rotate(state, entry);
    }
    ensurePrivateFile(this.logFile);
    const before = fileSize(this.logFile);
    this.elog.info(line);
    const after = fileSize(this.logFile);
    if (after !== before + bytes) {
      // electron-log reports write errors on its console transport and carries on; we must not
      // sign a head for an entry that is not on disk.
      throw new SecurityLogError('WRITE_FAILED', `Could not append to ${this.logFile} (wrote ${after - before} of ${bytes} bytes).`);
    }

    state.lastSeq = entry.seq;
    state.lastHash = entry.hash;
    state.reanchor = undefined;
    this.writeHead(state);
    return entry;
  }

  /** security.log → .1 → … → .N; the oldest is dropped and the head's start anchor moves with it. */
  private rotate(state: ChainState, next: SecurityLogEntry): void {
    let dropped = false;
    if (this.backups === 0) {
      unlinkSync(this.logFile);
      dropped = true;
    } else {
      const oldest = `${this.logFile}.${this.backups}`;
      if (existsSync(oldest)) {
        unlinkSync(oldest);
        dropped = true;
      }
      for (let i = this.backups - 1; i >= 1; i--) {
        const from = `${this.logFile}.${i}`;
        if (existsSync(from)) renameSync(from, `${this.logFile}.${i + 1}`);
      }
      renameSync(this.logFile, `${this.logFile}.1`);
    }
    if (dropped) {
      const first = firstEntryOnDisk(chainFiles(this.logFile, this.backups));
      // With nothing left (backups = 0) the entry about to be written starts the retained chain.
      state.firstSeq = first ? first.seq : next.seq;
      state.firstPrev = first ? first.prev : next.prev;
    }
  }

  private writeHead(state: ChainState): void {
    const head: HeadRecord = signHead(this.keys, {
      seq: state.lastSeq,
      hash: state.lastHash,
      firstSeq: state.firstSeq,
      firstPrev: state.firstPrev,
    });
    // Write-then-rename so a crash leaves the old head or the new one, never half of one.
    const tmp = `${this.paths.head}.${process.pid}.tmp`;
    try {
      unlinkSync(tmp);
    } catch {
      // no leftover
    }
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify(head));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.paths.head);
  }
}

/**
 * Verifies a log without opening a logger (for `osmen-cred log --verify`):
 * nothing is written, so a missing or invalid head is reported, not repaired.
 * Without hmacKey the `<logFile>.key` file is used when it exists.
 */
export function verifySecurityLog(options: { logFile?: string; backups?: number; hmacKey?: Buffer | string } = {}): SecurityLogVerifyResult {
  const logFile = options.logFile ?? defaultLogPath();
  const paths = securityLogPaths(logFile);
  const key = options.hmacKey !== undefined ? toKeyBuffer(options.hmacKey) : existsSync(paths.key) ? readKeyFile(paths.key) : null;
  const files = chainFiles(logFile, options.backups ?? DEFAULT_BACKUPS);
  // Without a key the head cannot be trusted; the chain itself is still checked and reported first.
  const head = key ? readHead(paths.head, deriveLogKeys(key)) : ({ status: 'invalid', reason: 'no key to check the head record with (pass hmacKey)' } as const);
  return verifyChain(files, head, paths.head);
}
