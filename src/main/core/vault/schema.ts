import type Database from 'better-sqlite3';

/**
 * Schema migrations, tracked with PRAGMA user_version. Each entry moves the
 * schema from version i to i+1 and runs in one IMMEDIATE transaction, so two
 * processes opening a fresh database at once can't both migrate.
 * Append only: never edit a migration that has shipped.
 */
export const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  (db) => {
    db.exec(`
      CREATE TABLE tokens (
        provider          TEXT    NOT NULL,
        user_id           TEXT    NOT NULL,
        access_token_enc  TEXT    NOT NULL,
        refresh_token_enc TEXT,
        id_token_enc      TEXT,
        token_type        TEXT    NOT NULL DEFAULT 'Bearer',
        scopes            TEXT    NOT NULL DEFAULT '',
        expires_at        INTEGER,            -- UTC epoch ms; NULL when the provider gave no lifetime
        status            TEXT    NOT NULL DEFAULT 'active'
                          CHECK (status IN ('active', 'needs_reauth', 'refresh_failing')),
        status_detail     TEXT,
        failure_count     INTEGER NOT NULL DEFAULT 0,
        next_attempt_at   INTEGER,            -- earliest retry after a transient failure (epoch ms)
        display_name      TEXT,
        created_at        INTEGER NOT NULL,
        updated_at        INTEGER NOT NULL,
        last_refresh_at   INTEGER,
        PRIMARY KEY (provider, user_id)
      ) WITHOUT ROWID;

      -- The scheduler asks "what is due next?" instead of decrypting every row.
      CREATE INDEX tokens_due ON tokens (status, expires_at);

      -- Cross-process single flight for refreshes: whoever holds an unexpired
      -- lease refreshes; the others wait and re-read the stored token.
      CREATE TABLE refresh_leases (
        provider   TEXT    NOT NULL,
        user_id    TEXT    NOT NULL,
        holder     TEXT    NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (provider, user_id)
      ) WITHOUT ROWID;

      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `);
  },
  (db) => {
    // Where each account's tokens may be sent (bound into the AAD from version 2 on), and which
    // AAD encoding its ciphertexts use: 1 = NUL-joined (rows written before this migration),
    // 2 = length-prefixed with the binding (see token-context.ts). refresh_not_before: the middle
    // of the current token's lifetime; an account is never refreshed before it, whatever the
    // refresh window (a window longer than the lifetime would otherwise refresh it every second).
    db.exec(`
      ALTER TABLE tokens ADD COLUMN issuer TEXT;
      ALTER TABLE tokens ADD COLUMN token_origin TEXT;
      ALTER TABLE tokens ADD COLUMN aad_version INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE tokens ADD COLUMN refresh_not_before INTEGER;
      -- Keep-alive: the accounts whose grant has not been used for longest, without a scan.
      CREATE INDEX tokens_last_used ON tokens (status, COALESCE(last_refresh_at, created_at));
    `);
  },
  (db) => {
    // Hand-off grants (core/consent): which programs, terminal sessions or client keys may get
    // which accounts' tokens. `body` is the grant as canonical JSON and `mac` its HMAC under a
    // vault secret, so a row written or edited without the key is ignored (and reported).
    // key_hash (a client key's SHA-256) is repeated outside the body for lookups; the body's
    // copy is the one that counts. last_used_at and use_count are statistics, not permissions.
    db.exec(`
      CREATE TABLE handoff_grants (
        id           TEXT    PRIMARY KEY,
        body         TEXT    NOT NULL,
        mac          TEXT    NOT NULL,
        key_hash     TEXT    UNIQUE,
        last_used_at INTEGER,
        use_count    INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    `);
    // A vault made before consent keeps handing tokens to any program of its user until the
    // person changes it (store-init.ts seals this choice under the key); new vaults ask.
    db.exec(`
      INSERT INTO meta (key, value)
      SELECT 'plain:handoff_consent_legacy', '1' WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'key_check')
    `);
  },
  (db) => {
    // subject: the provider's stable id of the person (GitHub's numeric user id), for providers
    // whose account key (an e-mail, a login) can change: a later sign-in with the same subject
    // is the same account. refresh_expires_at: when the refresh token itself expires (GitHub
    // Apps' refresh_token_expires_in), epoch ms; NULL when the provider did not say.
    db.exec(`
      ALTER TABLE tokens ADD COLUMN subject TEXT;
      ALTER TABLE tokens ADD COLUMN refresh_expires_at INTEGER;
    `);
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
