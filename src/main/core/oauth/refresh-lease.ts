/**
 * Cross-process single flight for refreshes: a lease row per account in the
 * vault's `refresh_leases` table. Taking it is one atomic conditional upsert
 * (succeeds only if there is no row or the row has expired), so two processes
 * sharing the database can never both hold it. A crashed holder's lease simply
 * expires; release deletes only our own row.
 */
import type Database from 'better-sqlite3';
import { toStoreError } from '../security/token-manager.js';

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
      WHERE refresh_leases.expires_at <= @now OR refresh_leases.holder = excluded.holder`);
    this.releaseStmt = db.prepare('DELETE FROM refresh_leases WHERE provider = ? AND user_id = ? AND holder = ?');
    this.readStmt = db.prepare('SELECT holder, expires_at FROM refresh_leases WHERE provider = ? AND user_id = ?');
  }

  /** True when this holder now owns the lease for `leaseMs`. */
  tryAcquire(provider: string, userId: string): boolean {
    const now = this.now();
    try {
      const r = this.acquireStmt.run({ provider, user_id: userId, holder: this.holderId, expires_at: now + this.leaseMs, now });
      return r.changes > 0;
    } catch (err) {
      throw toStoreError(err, this.db.name);
    }
  }

  release(provider: string, userId: string): void {
    try {
      this.releaseStmt.run(provider, userId, this.holderId);
    } catch {
      // A lease we cannot delete simply expires (leaseMs); nothing is lost.
    }
  }

  /** The current holder's lease, or null when free or expired. */
  current(provider: string, userId: string): { holder: string; expiresAt: number } | null {
    const row = this.readStmt.get(provider, userId);
    if (!row || row.expires_at <= this.now()) return null;
    return { holder: row.holder, expiresAt: row.expires_at };
  }
}
