import { closeSync, fstatSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { codedErrorClass } from '../errors.js';

/**
 * A small synchronous cross-process lock: a lock file created with O_EXCL.
 * The desktop app and the CLI append to the same security log; without a
 * lock two writers would both continue from the same head and fork the chain.
 *
 * Synchronous on purpose: SecurityEventSink methods are synchronous, and the
 * critical section is a few small reads and writes. Waiting is bounded
 * (timeoutMs) and sleeps with Atomics.wait rather than spinning.
 */

export class FileLockTimeoutError extends codedErrorClass('FileLockTimeoutError', { LOCK_TIMEOUT: 'transient' }) {
  constructor(lockFile: string, timeoutMs: number, activity = 'writing the security log') {
    super(
      'LOCK_TIMEOUT',
      `Timed out after ${timeoutMs} ms waiting for ${lockFile}; another process is ${activity}. If no other OsMEN process is running, delete the file.`,
    );
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock is stale when its owner is gone. The owner is this process too when
 * the pid is ours: appends are synchronous and release in `finally`, so a lock
 * we still see as ours was left by a crash of an earlier instance. A lock older
 * than staleMs is also taken over (a pid reused by an unrelated process).
 * 'gone' means it was released meanwhile: retry, and never unlink — the file
 * there now may be a new owner's lock.
 */
type LockState = { state: 'held' } | { state: 'gone' } | { state: 'stale'; ino: number; mtimeMs: number };

function inspect(lockFile: string, staleMs: number, ownPidIsStale = true): LockState {
  try {
    const st = statSync(lockFile);
    const pid = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    const age = Date.now() - st.mtimeMs;
    const stale =
      age > staleMs || (!Number.isSafeInteger(pid) || pid <= 0 ? age > 1000 : pid === process.pid ? ownPidIsStale : !processAlive(pid));
    return stale ? { state: 'stale', ino: st.ino, mtimeMs: st.mtimeMs } : { state: 'held' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'gone' };
    throw err;
  }
}

/** Removes the lock only if it is still the very file judged stale (same inode and mtime). */
function removeIfSame(lockFile: string, judged: { ino: number; mtimeMs: number }): void {
  try {
    const st = statSync(lockFile);
    if (st.ino === judged.ino && st.mtimeMs === judged.mtimeMs) unlinkSync(lockFile);
  } catch {
    // gone already
  }
}

/** mtime of the lock file when it is still the file with this inode (the pid write may have changed mtime). */
function statSafeMtime(lockFile: string, ino: number): number | null {
  try {
    const st = statSync(lockFile);
    return st.ino === ino ? st.mtimeMs : null;
  } catch {
    return null;
  }
}

/** Creates the lock file with our pid (0600), or returns null when another holder has it. */
function tryCreateLock(lockFile: string): number | null {
  let fd: number;
  try {
    fd = openSync(lockFile, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return null;
  }
  try {
    writeSync(fd, String(process.pid));
    return fd;
  } catch (err) {
    // A full disk fails here, after the file exists. Leaving it (with no pid) would make every
    // later attempt wait for it to go stale, and leaving the descriptor open would leak it; the
    // caller gets the write error itself (ENOSPC), not a follow-up error from the cleanup.
    try {
      closeSync(fd);
    } catch {
      // already unusable
    }
    try {
      unlinkSync(lockFile);
    } catch {
      // gone already
    }
    throw err;
  }
}

export function withFileLock<T>(lockFile: string, fn: () => T, opts: { timeoutMs?: number; staleMs?: number } = {}): T {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const staleMs = opts.staleMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let fd: number | null;
  let delay = 1;
  for (;;) {
    fd = tryCreateLock(lockFile);
    if (fd !== null) break;
    if (Date.now() >= deadline) throw new FileLockTimeoutError(lockFile, timeoutMs);
    const seen = inspect(lockFile, staleMs);
    if (seen.state === 'gone') continue;
    if (seen.state === 'stale') {
      removeIfSame(lockFile, seen);
      continue;
    }
    sleepSync(delay);
    delay = Math.min(delay * 2, 20);
  }
  const mine = fstatSync(fd);
  try {
    return fn();
  } finally {
    closeSync(fd);
    // Release only our own lock file: if it was taken over as stale, the file there is someone else's.
    removeIfSame(lockFile, { ino: mine.ino, mtimeMs: statSafeMtime(lockFile, mine.ino) ?? mine.mtimeMs });
  }
}

/**
 * The same lock held across awaits (e.g. keychain calls). A lock with our own pid is
 * another task of this process, so it is waited for (until staleMs), not taken over.
 */
export async function withFileLockAsync<T>(
  lockFile: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number; staleMs?: number; activity?: string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const staleMs = opts.staleMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  let fd: number | null;
  let delay = 5;
  for (;;) {
    fd = tryCreateLock(lockFile);
    if (fd !== null) break;
    if (Date.now() >= deadline) throw new FileLockTimeoutError(lockFile, timeoutMs, opts.activity);
    const seen = inspect(lockFile, staleMs, false);
    if (seen.state === 'gone') continue;
    if (seen.state === 'stale') {
      removeIfSame(lockFile, seen);
      continue;
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
  const mine = fstatSync(fd);
  try {
    return await fn();
  } finally {
    closeSync(fd);
    removeIfSame(lockFile, { ino: mine.ino, mtimeMs: statSafeMtime(lockFile, mine.ino) ?? mine.mtimeMs });
  }
}
