/**
 * Cross-process single flight for refreshes: a lease row per account in the
 * vault's `refresh_leases` table. Taking it is one atomic conditional upsert
 * (succeeds only if there is no row, the row has expired, or its holder is a process
 * on this host that no longer exists), so two live processes sharing the database can
 * never both hold it. Release deletes only our own row.
 *
 * Holder ids are `<host>:<pid>:<tag>`: a killed refresher's lease is taken over at once by
 * the next process on the same host instead of blocking every token caller until it expires.
 * A holder on another host (a shared folder) is only taken over when its lease expires.
 */
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { toStoreError } from './store-errors.js';

export function holderIdFor(tag: string): string {
  return `${hostname()}:${process.pid}:${tag}`;
}

/** True when `holder` names a process on this host that has exited. */
export function holderIsGone(holder: string): boolean {
  const parts = holder.split(':');
  if (parts.length < 3) return false;
  const pid = Number(parts[parts.length - 2]);
  const host = parts.slice(0, -2).join(':');
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class RefreshLease {
  private readonly acquireStmt: Database.Statement;
  private readonly releaseStmt: Database.Statement;
  private readonly readStmt: Database.Statement<[string, string], { holder: string; expires_at: number }>;

  constructor(
    private readonly db: Database.Database,
    private readonly holderId: string,
    private readonly leaseMs: number,
    private readonly now: () => number,
  ) {
    this.acquireStmt = db.prepare(`
      INSERT INTO refresh_leases (provider, user_id, holder, expires_at) VALUES (@provider, @user_id, @holder, @expires_at)
      ON CONFLICT (provider, user_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
      WHERE refresh_leases.expires_at <= @now OR refresh_leases.holder = excluded.holder OR refresh_leases.holder = @gone`);
    this.releaseStmt = db.prepare('DELETE FROM refresh_leases WHERE provider = ? AND user_id = ? AND holder = ?');
    this.readStmt = db.prepare('SELECT holder, expires_at FROM refresh_leases WHERE provider = ? AND user_id = ?');
  }

  /** True when this holder now owns the lease for `leaseMs` (taken, renewed, or taken over from a dead holder). */
  tryAcquire(provider: string, userId: string): boolean {
    try {
      if (this.run(provider, userId, null)) return true;
      const row = this.readStmt.get(provider, userId);
      return row !== undefined && holderIsGone(row.holder) && this.run(provider, userId, row.holder);
    } catch (err) {
      throw toStoreError(err, this.db.name);
    }
  }

  private run(provider: string, userId: string, gone: string | null): boolean {
    const now = this.now();
    return (
      this.acquireStmt.run({ provider, user_id: userId, holder: this.holderId, expires_at: now + this.leaseMs, now, gone }).changes > 0
    );
  }

  /** Deletes our lease; false when the write failed (a full disk): the caller retries, or it expires. */
  release(provider: string, userId: string): boolean {
    try {
      this.releaseStmt.run(provider, userId, this.holderId);
      return true;
    } catch {
      return false;
    }
  }

  /** The current holder's lease, or null when free, expired, or held by a process that is gone. */
  current(provider: string, userId: string): { holder: string; expiresAt: number } | null {
    const row = this.readStmt.get(provider, userId);
    if (!row || row.expires_at <= this.now() || holderIsGone(row.holder)) return null;
    return { holder: row.holder, expiresAt: row.expires_at };
  }
}
