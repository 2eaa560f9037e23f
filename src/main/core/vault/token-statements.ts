/** The token store's SQL, prepared once per connection. The only place outside migrations that names a column. */
import type Database from 'better-sqlite3';
import type { TokenStatus } from '../contracts/accounts.js';

export interface TokenRow {
  provider: string;
  user_id: string;
  access_token_enc: string;
  refresh_token_enc: string | null;
  id_token_enc: string | null;
  token_type: string;
  scopes: string;
  expires_at: number | null;
  status: TokenStatus;
  status_detail: string | null;
  failure_count: number;
  next_attempt_at: number | null;
  display_name: string | null;
  created_at: number;
  updated_at: number;
  last_refresh_at: number | null;
  issuer: string | null;
  token_origin: string | null;
  aad_version: number;
  refresh_not_before: number | null;
  subject: string | null;
  refresh_expires_at: number | null;
}

/** The columns that locate a ciphertext's context. */
export type SealedRow = Pick<TokenRow, 'provider' | 'user_id' | 'issuer' | 'token_origin' | 'aad_version'>;

export function prepareStatements(db: Database.Database) {
  return {
    get: db.prepare<[string, string], TokenRow>('SELECT * FROM tokens WHERE provider = ? AND user_id = ?'),
    getAccess: db.prepare<
      [string, string],
      Pick<TokenRow, 'access_token_enc' | 'expires_at' | 'status' | 'refresh_not_before'> & SealedRow
    >(
      `SELECT provider, user_id, access_token_enc, expires_at, status, issuer, token_origin, aad_version, refresh_not_before
         FROM tokens WHERE provider = ? AND user_id = ?`,
    ),
    exists: db.prepare<[string, string], { x: number }>('SELECT 1 AS x FROM tokens WHERE provider = ? AND user_id = ?'),
    version: db.prepare<[string, string], { v: string }>(
      `SELECT updated_at || ':' || status || ':' || failure_count || ':' || substr(access_token_enc, -32) AS v
         FROM tokens WHERE provider = ? AND user_id = ?`,
    ),
    upsert: db.prepare(`
      INSERT INTO tokens (provider, user_id, access_token_enc, refresh_token_enc, id_token_enc, token_type,
                          scopes, expires_at, status, display_name, created_at, updated_at, last_refresh_at,
                          issuer, token_origin, aad_version, refresh_not_before, subject, refresh_expires_at)
      VALUES (@provider, @user_id, @access, @refresh, @id, @token_type, COALESCE(@scopes, ''), @expires_at,
              'active', @display_name, @now, @now, @last_refresh_at, @issuer, @token_origin, @aad_version, @not_before,
              @subject, @refresh_expires_at)
      ON CONFLICT (provider, user_id) DO UPDATE SET
        access_token_enc  = excluded.access_token_enc,
        refresh_token_enc = excluded.refresh_token_enc,
        id_token_enc      = excluded.id_token_enc,
        token_type        = excluded.token_type,
        scopes            = COALESCE(@scopes, tokens.scopes),
        expires_at        = excluded.expires_at,
        status            = 'active',
        status_detail     = NULL,
        failure_count     = 0,
        next_attempt_at   = NULL,
        display_name      = COALESCE(excluded.display_name, tokens.display_name),
        updated_at        = excluded.updated_at,
        last_refresh_at   = COALESCE(excluded.last_refresh_at, tokens.last_refresh_at),
        issuer            = excluded.issuer,
        token_origin      = excluded.token_origin,
        aad_version       = excluded.aad_version,
        refresh_not_before = excluded.refresh_not_before,
        subject           = COALESCE(excluded.subject, tokens.subject),
        refresh_expires_at = excluded.refresh_expires_at
    `),
    remove: db.prepare('DELETE FROM tokens WHERE provider = ? AND user_id = ?'),
    removeLease: db.prepare('DELETE FROM refresh_leases WHERE provider = ? AND user_id = ?'),
    list: db.prepare<[], TokenRow>(
      `SELECT provider, user_id, refresh_token_enc IS NOT NULL AS has_refresh, token_type, scopes, expires_at,
              status, status_detail, failure_count, next_attempt_at, display_name, created_at, updated_at,
              last_refresh_at, issuer, refresh_not_before, subject, refresh_expires_at
         FROM tokens ORDER BY provider, user_id`,
    ),
    setStatus: db.prepare(
      `UPDATE tokens SET status = @status, status_detail = @detail, failure_count = @failure_count,
              next_attempt_at = @next_attempt_at, updated_at = @now
        WHERE provider = @provider AND user_id = @user_id`,
    ),
    // Accounts not yet in the window: the earliest expiry, straight from the (status, expires_at) index.
    nextExpiryAfter: db.prepare<[number], { at: number | null }>(
      "SELECT MIN(expires_at) AS at FROM tokens WHERE status = 'active' AND expires_at > ?",
    ),
    // Accounts in the window (few): due at expiry - window, but never before the middle of their lifetime.
    nextInWindow: db.prepare<[{ window: number; edge: number }], { at: number | null }>(
      `SELECT MIN(MAX(expires_at - @window, COALESCE(refresh_not_before, 0))) AS at FROM tokens
        WHERE status = 'active' AND expires_at IS NOT NULL AND expires_at <= @edge`,
    ),
    // Keep-alive: the active account refreshed longest ago (with a refresh token to do it with).
    oldestRefresh: db.prepare<[], { at: number | null }>(
      `SELECT MIN(COALESCE(last_refresh_at, created_at)) AS at FROM tokens
        WHERE status = 'active' AND refresh_token_enc IS NOT NULL`,
    ),
    nextRetry: db.prepare<[], { at: number | null }>("SELECT MIN(next_attempt_at) AS at FROM tokens WHERE status = 'refresh_failing'"),
    due: db.prepare<[number, number, number, number, number], { provider: string; user_id: string }>(
      `SELECT provider, user_id FROM tokens
        WHERE status = 'active' AND expires_at IS NOT NULL AND expires_at <= ? AND COALESCE(refresh_not_before, 0) <= ?
       UNION
       SELECT provider, user_id FROM tokens
        WHERE status = 'active' AND refresh_token_enc IS NOT NULL AND COALESCE(last_refresh_at, created_at) <= ?
       UNION
       SELECT provider, user_id FROM tokens
        WHERE status = 'refresh_failing' AND COALESCE(next_attempt_at, 0) <= ?
       LIMIT ?`,
    ),
    count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM tokens'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    metaSecrets: db.prepare<[], { key: string; value: string }>("SELECT key, value FROM meta WHERE key LIKE 'secret:%'"),
    insertMetaIfAbsent: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    allSecrets: db.prepare<[], Pick<TokenRow, 'access_token_enc' | 'refresh_token_enc' | 'id_token_enc'> & SealedRow>(
      'SELECT provider, user_id, access_token_enc, refresh_token_enc, id_token_enc, issuer, token_origin, aad_version FROM tokens',
    ),
    // A narrowed refresh's rotated refresh token: only that column, so the row's version (and
    // the access token a waiting refresher compares) stays as it was.
    setRefresh: db.prepare(
      `UPDATE tokens SET refresh_token_enc = @refresh WHERE provider = @provider AND user_id = @user_id AND aad_version = @aad_version`,
    ),
    rewrite: db.prepare(
      `UPDATE tokens SET access_token_enc = @access, refresh_token_enc = @refresh, id_token_enc = @id,
              issuer = @issuer, token_origin = @token_origin, aad_version = @aad_version
        WHERE provider = @provider AND user_id = @user_id`,
    ),
  };
}

export type TokenStatements = ReturnType<typeof prepareStatements>;
