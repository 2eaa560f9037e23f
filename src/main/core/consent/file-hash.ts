/**
 * SHA-256 of program files, cached: hashing a 100 MB interpreter on every connection would cost
 * the agent a quarter of a second each time. A hash is reused while the file's path, device,
 * inode, size, modification and change times are all unchanged, and computed again when any of
 * them moves (an edited, replaced or touched file). The read is asynchronous, so other
 * connections are answered while a large file is hashed, and two connections asking for the
 * same file share one read.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';

/** Files larger than this are not hashed (a program is not a 2 GB file; a FIFO or device never). */
export const MAX_HASHED_BYTES = 1024 * 1024 * 1024;
const MAX_ENTRIES = 4096;

function fingerprint(label: string, readPath: string): string | null {
  try {
    const st = statSync(readPath, { bigint: true });
    if (!st.isFile() || st.size > BigInt(MAX_HASHED_BYTES)) return null;
    return `${label}\u0000${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return null;
  }
}

function hashFile(readPath: string): Promise<string | null> {
  return new Promise((resolve) => {
    const h = createHash('sha256');
    const stream = createReadStream(readPath, { highWaterMark: 1024 * 1024 });
    stream.on('data', (chunk) => h.update(chunk));
    stream.on('error', () => resolve(null));
    stream.on('end', () => resolve(h.digest('hex')));
  });
}

export class FileHashCache {
  private readonly cache = new Map<string, Promise<string | null>>();
  /** How many files were actually read (tests and the bench look). */
  reads = 0;

  /**
   * The file's SHA-256 (hex), or null when it cannot be read. `label` is the path as the program
   * sees it; `readPath` where this process reads it (/proc/<pid>/exe, /proc/<pid>/root/…).
   */
  hash(label: string, readPath: string): Promise<string | null> {
    const key = fingerprint(label, readPath);
    if (key === null) return Promise.resolve(null);
    const hit = this.cache.get(key);
    if (hit) return hit;
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.reads++;
    const pending = hashFile(readPath).then((digest) => {
      // A file changed while it was read would be cached under its old fingerprint: check again.
      if (digest === null || fingerprint(label, readPath) !== key) this.cache.delete(key);
      return digest;
    });
    this.cache.set(key, pending);
    return pending;
  }
}
