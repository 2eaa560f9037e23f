/** Fills a vault with synthetic accounts quickly: one transaction per batch. */
import { randomBytes } from 'node:crypto';
import type { TokenStore } from '../../src/main/core/vault/token-store.js';

export const BENCH_PROVIDER = 'bench';
export const userOf = (i: number) => `user${i}@bench.example`;

/**
 * Adds accounts [from, to) with fresh tokens (1 h lifetime, access + refresh
 * token, like a real provider response), all in one transaction.
 */
export function populate(tokens: TokenStore, from: number, to: number, expiresInSec = 3600): void {
  const db = tokens.database;
  db.transaction(() => {
    for (let i = from; i < to; i++) {
      tokens.saveToken(BENCH_PROVIDER, userOf(i), {
        access_token: `at.${randomBytes(24).toString('base64url')}`,
        refresh_token: `rt.${randomBytes(24).toString('base64url')}`,
        expires_in: expiresInSec,
        scope: 'openid email profile',
        token_type: 'Bearer',
      });
    }
  })();
}
