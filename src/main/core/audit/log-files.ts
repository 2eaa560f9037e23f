import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The few file operations the security log needs to be crash-consistent. Plain node:fs
 * rather than electron-log's file transport: that one appends with writeFileSync, turns
 * every failure into an 'error' event without the errno, never fsyncs, and cannot undo a
 * partial write — and the log must say "disk full", survive power loss and never keep
 * half a line.
 */

function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

/**
 * Appends `data` to `file` (created 0600) and flushes it to the disk. On failure the file is
 * cut back to its old length, so a failed append leaves no partial line; if even that fails,
 * the cut-off bytes are a prefix of the entry the head record holds, which the next append
 * recognises and completes.
 */
export function appendDurable(file: string, data: Buffer): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
  let size = -1;
  try {
    size = fstatSync(fd).size;
    writeAll(fd, data);
    fsyncSync(fd);
  } catch (err) {
    if (size >= 0) {
      try {
        ftruncateSync(fd, size);
      } catch {
        // the next append recognises the fragment (see above)
      }
    }
    throw err;
  } finally {
    closeSync(fd);
  }
}

/** Cuts `file` back to `length` bytes and flushes (removing a torn line before it is completed). */
export function truncateDurable(file: string, length: number): void {
  const fd = openSync(file, constants.O_WRONLY);
  try {
    ftruncateSync(fd, length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync of a folder, so a rename in it survives a power cut. Not possible on every platform (Windows). */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY);
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // EINVAL/EPERM on file systems without directory fsync: nothing more we can do
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `file` with `data` atomically (0600): a temporary file in the same folder, fsync,
 * rename, fsync of the folder. A crash leaves the old content or the new, never a mix; a failure
 * removes the temporary file and leaves the old content.
 */
export function writeFileAtomic(file: string, data: Buffer | string, tmpTag = String(process.pid)): void {
  const tmp = `${file}.${tmpTag}.tmp`;
  try {
    unlinkSync(tmp);
  } catch {
    // no leftover from a crash
  }
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    writeAll(fd, Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'));
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw err;
  }
  fsyncDir(dirname(file));
}

export interface FileTail {
  size: number;
  /** The last newline-terminated line (without its newline), or null when there is none. */
  lastLine: string | null;
  /** Bytes after the last newline: a line cut off by an interrupted write, or null. */
  fragment: { start: number; bytes: Buffer } | null;
}

/** The end of a file, read backwards in growing blocks: its last complete line and any cut-off bytes. Null when missing. */
export function readTail(file: string): FileTail | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return { size, lastLine: null, fragment: null };
    for (let want = Math.min(size, 64 * 1024); ; want = Math.min(size, want * 4)) {
      const start = size - want;
      const buf = Buffer.alloc(want);
      readSync(fd, buf, 0, want, start);
      const whole = start === 0;
      let end = buf.length;
      let fragment: FileTail['fragment'] = null;
      if (buf[end - 1] !== 0x0a) {
        const nl = buf.lastIndexOf(0x0a);
        if (nl < 0 && !whole) continue;
        end = nl + 1;
        fragment = { start: start + end, bytes: Buffer.from(buf.subarray(end)) };
      }
      if (end === 0) return { size, lastLine: null, fragment };
      const prev = end >= 2 ? buf.lastIndexOf(0x0a, end - 2) : -1;
      if (prev < 0 && !whole) continue;
      const lastLine = buf
        .subarray(prev + 1, end - 1)
        .toString('utf8')
        .replace(/\r$/, '');
      return { size, lastLine, fragment };
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Yields a file's lines newest first, reading 64 KiB blocks from the end, so
 * the UI's "last 200 entries" does not read a 10 MiB file each time.
 */
export function* linesFromEnd(file: string, blockSize = 64 * 1024): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    let pos = fstatSync(fd).size;
    let carry = Buffer.alloc(0); // bytes of a line whose start is in an earlier block
    while (pos > 0) {
      const len = Math.min(blockSize, pos);
      pos -= len;
      const block = Buffer.alloc(len);
      readSync(fd, block, 0, len, pos);
      const buf = Buffer.concat([block, carry]);
      let end = buf.length;
      for (let i = buf.length - 1; i >= 0; i--) {
        if (buf[i] === 0x0a) {
          const line = buf
            .subarray(i + 1, end)
            .toString('utf8')
            .replace(/\r$/, '');
          if (line !== '') yield line;
          end = i;
        }
      }
      carry = Buffer.from(buf.subarray(0, end));
    }
    const first = carry.toString('utf8').replace(/\r$/, '');
    if (first !== '') yield first;
  } finally {
    closeSync(fd);
  }
}
