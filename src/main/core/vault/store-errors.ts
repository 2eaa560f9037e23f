import { TokenStoreError, VaultError } from '../errors.js';

function sqliteCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** True for "no space left": SQLite's SQLITE_FULL, or ENOSPC/EDQUOT from a file call. */
export function isDiskFull(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

export function diskFullError(path: string, cause?: unknown): TokenStoreError {
  return new TokenStoreError(
    'DISK_FULL',
    `The disk holding ${path} is full, so the token database cannot be written. Free some space; ` +
      'tokens the provider already issued are kept in memory and saved as soon as there is room.',
    { cause: sqliteCode(cause) ?? cause },
  );
}

/** Maps SQLite failures to typed errors a person can act on. */
export function toStoreError(err: unknown, dbPath: string): VaultError {
  if (err instanceof VaultError) return err;
  const code = sqliteCode(err) ?? '';
  if (isDiskFull(err)) return diskFullError(dbPath, err);
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
