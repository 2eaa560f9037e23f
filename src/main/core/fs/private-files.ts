import { chmodSync, closeSync, mkdirSync, openSync, statSync, constants } from 'node:fs';

/**
 * Creates private folders and files with their final mode from the first byte.
 * chmod-after-create (the seed's approach) leaves a window in which another
 * user can open the file; passing the mode to mkdir/open closes it. Where the
 * item already exists with looser bits, it is tightened — never loosened.
 */

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') {
    const mode = statSync(dir).mode & 0o777;
    if (mode & 0o077) chmodSync(dir, mode & 0o700);
  }
}

/** Creates `file` as 0600 if it does not exist; an existing file keeps its content. */
export function ensurePrivateFile(file: string): void {
  const fd = openSync(file, constants.O_CREAT | constants.O_RDWR, 0o600);
  closeSync(fd);
  if (process.platform !== 'win32') {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) chmodSync(file, mode & 0o600);
  }
}
