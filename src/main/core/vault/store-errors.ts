import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { TokenStoreError, VaultError } from '../errors.js';

function sqliteCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/**
 * Below this much free space, an I/O error from SQLite is the full disk's doing: SQLite needs
 * 32 KiB for its shared-memory file and a few pages for the write-ahead log, and reports their
 * failure as SQLITE_IOERR_SHMSIZE or SQLITE_IOERR_WRITE, not as SQLITE_FULL.
 */
export const LOW_SPACE_BYTES = 1024 * 1024;

/** Bytes this process may still write on the file system holding `dir` (root may use the reserved blocks); null when unknown. */
export function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return (process.getuid?.() === 0 ? s.bfree : s.bavail) * s.bsize;
  } catch {
    return null;
  }
}

/**
 * True for "no space left": SQLite's SQLITE_FULL, ENOSPC/EDQUOT from a file call, or, given the
 * database's path, any SQLite I/O error while its file system has less than LOW_SPACE_BYTES free.
 */
export function isDiskFull(err: unknown, dbPath?: string): boolean {
  const code = sqliteCode(err);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
  if (dbPath === undefined || dbPath === ':memory:' || !code?.startsWith('SQLITE_IOERR')) return false;
  const free = freeBytes(dirname(dbPath));
  return free !== null && free < LOW_SPACE_BYTES;
}

export function diskFullError(path: string, cause?: unknown): TokenStoreError {
  return new TokenStoreError(
    'DISK_FULL',
    `The disk holding ${path} is full, so the token database cannot be written. Free some space; ` +
      'tokens the provider already issued are kept in memory and saved as soon as there is room.',
    { cause: sqliteCode(cause) ?? cause },
  );
}

/** A full disk while opening: nothing was issued yet, so there is nothing kept in memory to mention. */
function diskFullAtOpen(path: string, cause: unknown): TokenStoreError {
  const free = freeBytes(dirname(path));
  return new TokenStoreError(
    'DISK_FULL',
    `The disk holding ${path} is full${free === null ? '' : ` (${Math.floor(free / 1024)} KiB free)`}, so the token database ` +
      'cannot be opened: SQLite needs room for its shared-memory and write-ahead files. Free some space and try again.',
    { cause: sqliteCode(cause) ?? cause },
  );
}

/**
 * Maps SQLite failures to typed errors a person can act on. `opening`: the failure came while
 * opening the database (its message then says so).
 */
export function toStoreError(err: unknown, dbPath: string, opening = false): VaultError {
  if (err instanceof VaultError) return err;
  const code = sqliteCode(err) ?? '';
  if (isDiskFull(err, dbPath)) return opening ? diskFullAtOpen(dbPath, err) : diskFullError(dbPath, err);
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new TokenStoreError(
      'DB_CORRUPT',
      `The token database at ${dbPath} is damaged or is not a database. It was left untouched; ` +
        'restore it from a backup or move it aside to start fresh.',
      { cause: code },
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new TokenStoreError('DB_LOCKED', `The token database at ${dbPath} is locked by another program. Try again in a moment.`, {
      cause: code,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TokenStoreError('DB_OPEN_FAILED', `Token database error (${code || 'unknown'}): ${message}`, {
    cause: code,
  });
}
