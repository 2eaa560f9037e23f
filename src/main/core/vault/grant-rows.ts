/**
 * The hand-off grants table (schema migration 3), for core/consent/grant-store.ts, which signs
 * and checks the rows: this module only reads and writes them, through the token store's
 * connection and error mapping.
 */
import type Database from 'better-sqlite3';
import type { Guard } from './vault-meta.js';

export interface GrantRow {
  id: string;
  body: string;
  mac: string;
  key_hash: string | null;
  last_used_at: number | null;
  use_count: number;
}

export class GrantRows {
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    private readonly guard: Guard,
  ) {
    this.stmts = {
      all: db.prepare<[], GrantRow>('SELECT * FROM handoff_grants ORDER BY id'),
      byKey: db.prepare<[string], GrantRow>('SELECT * FROM handoff_grants WHERE key_hash = ?'),
      insert: db.prepare<[string, string, string, string | null]>(
        'INSERT INTO handoff_grants (id, body, mac, key_hash) VALUES (?, ?, ?, ?)',
      ),
      remove: db.prepare<[string]>('DELETE FROM handoff_grants WHERE id = ?'),
      use: db.prepare<[number, number, string]>(
        'UPDATE handoff_grants SET use_count = use_count + ?, last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?',
      ),
    };
  }

  all(): GrantRow[] {
    return this.guard(() => this.stmts.all.all());
  }

  byKeyHash(hash: string): GrantRow | null {
    return this.guard(() => this.stmts.byKey.get(hash) ?? null);
  }

  insert(row: Pick<GrantRow, 'id' | 'body' | 'mac' | 'key_hash'>): void {
    this.guard(() => this.stmts.insert.run(row.id, row.body, row.mac, row.key_hash));
  }

  /** Deletes a grant; true when this call removed it (so a one-time grant is used by one caller only). */
  remove(id: string): boolean {
    return this.guard(() => this.stmts.remove.run(id).changes > 0);
  }

  /** Adds uses (counted in memory, written in batches) and moves the last use forward. */
  addUses(uses: ReadonlyArray<{ id: string; count: number; lastUsedAt: number }>): void {
    if (uses.length === 0) return;
    this.guard(() =>
      this.db
        .transaction(() => {
          for (const u of uses) this.stmts.use.run(u.count, u.lastUsedAt, u.id);
        })
        .immediate(),
    );
  }
}
