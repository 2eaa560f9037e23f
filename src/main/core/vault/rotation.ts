/**
 * Key rotation's one transaction: every token column and every vault secret re-encrypted under
 * the new key (and rows still on the version-1 AAD moved to version 2), the key check last.
 * Runs inside the caller's IMMEDIATE transaction: nothing is written unless everything is.
 */
import type { EncryptionManager } from './encryption-manager.js';
import { KEY_CHECK_CONTEXT, KEY_CHECK_PLAINTEXT } from './store-init.js';
import { CURRENT_AAD_VERSION, contextFor, type Field } from './token-context.js';
import { bindingOf } from './token-rows.js';
import type { TokenStatements } from './token-statements.js';

/** The AAD of a named vault secret (meta table). */
export const secretContext = (metaKey: string): string => `meta\u0000${metaKey}`;

/** Re-encrypts the vault from `current` to `next`; returns how many accounts were rewritten. */
export function reencryptVault(stmts: TokenStatements, current: EncryptionManager, next: EncryptionManager): number {
  // Rows are read inside the write transaction: a token another process refreshed a moment
  // earlier must be re-encrypted, not overwritten with a stale copy.
  const rows = stmts.allSecrets.all();
  for (const r of rows) {
    const binding = bindingOf(r);
    const re = (v: string | null, f: Field) =>
      v === null
        ? null
        : next.encryptToken(
            current.decryptToken(v, contextFor(r.aad_version, r.provider, r.user_id, f, binding)),
            contextFor(CURRENT_AAD_VERSION, r.provider, r.user_id, f, binding),
          );
    stmts.rewrite.run({
      provider: r.provider,
      user_id: r.user_id,
      access: re(r.access_token_enc, 'access'),
      refresh: re(r.refresh_token_enc, 'refresh'),
      id: re(r.id_token_enc, 'id'),
      issuer: r.issuer,
      token_origin: r.token_origin,
      aad_version: CURRENT_AAD_VERSION,
    });
  }
  for (const m of stmts.metaSecrets.all()) {
    const ctx = secretContext(m.key);
    stmts.setMeta.run(m.key, next.encryptToken(current.decryptToken(m.value, ctx), ctx));
  }
  stmts.setMeta.run('key_check', next.encryptToken(KEY_CHECK_PLAINTEXT, KEY_CHECK_CONTEXT));
  return rows.length;
}
