/**
 * The grants in the vault, each row signed: HMAC-SHA256 over the grant's canonical JSON under
 * a secret kept in the vault (like the settings' custom providers), so a row inserted or edited
 * with plain SQL by someone without the master key is ignored, and listed as ignored.
 *
 * Reads are cached until another connection commits (SQLite's data_version) or this one writes:
 * the agent checks grants on every request, and a revoke in another process takes effect at the
 * next one. Use counts are kept in memory and written in batches (flushUses), because a write per
 * hand-off would cost the agent more than the hand-off itself.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../audit/log-chain.js';
import { ChangeStamp } from '../vault/change-stamp.js';
import type { TokenStore } from '../vault/token-store.js';
import type { GrantRow, GrantRows } from '../vault/grant-rows.js';
import type { Grant, GrantBody, IgnoredGrant } from '../contracts/consent.js';
import { grantBodySchema } from './grant-types.js';

const MAC_LABEL = 'osmen/handoff-grant/v1\n';
export const GRANT_KEY_SECRET = 'handoff-grants-hmac';
/** Grants that expired (or whose session ended) this long ago are deleted at the next write. */
const PRUNE_AFTER_MS = 7 * 86_400_000;

export function newGrantId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(10);
  return `g_${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')}`;
}

export class GrantStore {
  private readonly rows: GrantRows;
  private readonly macKey: Buffer;
  private cache: { stamp: string; grants: Grant[]; ignored: IgnoredGrant[] } | null = null;
  private readonly changes: ChangeStamp;
  private readonly uses = new Map<string, { count: number; lastUsedAt: number }>();

  constructor(
    private readonly tokens: TokenStore,
    private readonly now: () => number = Date.now,
  ) {
    this.rows = tokens.grantRows();
    this.changes = ChangeStamp.of(tokens);
    this.macKey = tokens.getOrCreateSecret(GRANT_KEY_SECRET);
  }

  private mac(body: GrantBody): string {
    return createHmac('sha256', this.macKey).update(MAC_LABEL).update(canonicalJson(body)).digest('hex');
  }

  private check(row: GrantRow): Grant | IgnoredGrant {
    let parsed;
    try {
      parsed = grantBodySchema.safeParse(JSON.parse(row.body));
    } catch {
      return { id: row.id.slice(0, 40), reason: 'malformed' };
    }
    if (!parsed.success) return { id: row.id.slice(0, 40), reason: 'malformed' };
    const body = parsed.data;
    const expected = Buffer.from(this.mac(body), 'hex');
    const given = /^[0-9a-f]{64}$/.test(row.mac) ? Buffer.from(row.mac, 'hex') : Buffer.alloc(0);
    const keyHash = body.subject.kind === 'key' ? body.subject.keyHash : null;
    if (given.length !== expected.length || !timingSafeEqual(given, expected) || body.id !== row.id || keyHash !== row.key_hash) {
      return { id: row.id.slice(0, 40), reason: 'signature' };
    }
    const pending = this.uses.get(body.id);
    return {
      ...body,
      lastUsedAt: Math.max(row.last_used_at ?? 0, pending?.lastUsedAt ?? 0) || null,
      useCount: row.use_count + (pending?.count ?? 0),
    };
  }

  private load() {
    const stamp = this.changes.current();
    if (this.cache && this.cache.stamp === stamp) return this.cache;
    const grants: Grant[] = [];
    const ignored: IgnoredGrant[] = [];
    for (const row of this.rows.all()) {
      const g = this.check(row);
      if ('v' in g) grants.push(g);
      else ignored.push(g);
    }
    this.cache = { stamp, grants, ignored };
    return this.cache;
  }

  /** The signed grants (expired ones included; the decision skips them). */
  list(): Grant[] {
    return this.load().grants;
  }

  /** Rows that are not used: edited or written without the key, or malformed. */
  ignored(): IgnoredGrant[] {
    return this.load().ignored;
  }

  /** A client key's grant by the key's SHA-256, when it is signed. */
  byKeyHash(keyHash: string): Grant | null {
    return this.list().find((g) => g.subject.kind === 'key' && g.subject.keyHash === keyHash) ?? null;
  }

  add(body: Omit<GrantBody, 'v' | 'id' | 'createdAt'>): Grant {
    const full = grantBodySchema.parse({ v: 1, id: newGrantId(), createdAt: this.now(), ...body });
    this.prune();
    this.rows.insert({
      id: full.id,
      body: canonicalJson(full),
      mac: this.mac(full),
      key_hash: full.subject.kind === 'key' ? full.subject.keyHash : null,
    });
    return { ...full, lastUsedAt: null, useCount: 0 };
  }

  revoke(id: string): boolean {
    this.uses.delete(id);
    return this.rows.remove(id);
  }

  /** Uses up a one-time grant; false when another caller used it first. */
  consume(id: string): boolean {
    this.uses.delete(id);
    return this.rows.remove(id);
  }

  noteUse(id: string): void {
    const u = this.uses.get(id);
    if (u) {
      u.count++;
      u.lastUsedAt = this.now();
    } else this.uses.set(id, { count: 1, lastUsedAt: this.now() });
  }

  /** Writes the counted uses. Never throws (statistics must not fail a hand-off). */
  flushUses(): void {
    if (this.uses.size === 0) return;
    const batch = [...this.uses].map(([id, u]) => ({ id, ...u }));
    this.uses.clear();
    try {
      this.rows.addUses(batch);
    } catch {
      // The vault is busy or closed: the counts of this batch are lost, never the grants.
    }
  }

  private prune(): void {
    const cutoff = this.now() - PRUNE_AFTER_MS;
    for (const g of this.list()) if (g.expiresAt !== null && g.expiresAt < cutoff) this.rows.remove(g.id);
  }
}
