/**
 * Opening a vault: find its master key, open the token store, finish a rotation that died
 * half-way. Key order matters: no key, no store.
 *
 * Each vault has its own keychain entry, `master-key/<vault id>` (the id is plain metadata in
 * the database), so a second data folder (`--home`, OSMEN_HOME) never reads or replaces
 * another vault's key. A vault from before ids existed uses the single `master-key` entry; a
 * writing open copies that key to the vault's own entry first (the old entry stays, never
 * rotated again, so another old vault sharing it still opens).
 *
 * Modes: `create` (the app, `connect`, `provider add`) may make a new vault and key;
 * `existing` (commands that write) opens an existing vault only; `read-only` (list, token,
 * check, log, status) also never migrates anything.
 */
import { randomBytes } from 'node:crypto';
import { dataFolder } from '../data-folder.js';
import { KeyCustodyError, TokenStoreError, VaultError } from '../errors.js';
import { EncryptionManager } from './encryption-manager.js';
import { withFileLockAsync } from '../fs/file-lock.js';
import { KEYCHAIN_ACCOUNT, KEYCHAIN_SERVICE, KeyCustody } from './key-custody.js';
import { ensurePrivateDir } from '../fs/private-files.js';
import type { Field } from './token-context.js';
import { TokenStore } from './token-store.js';
import { peekVault, VAULT_ID_META } from './vault-identity.js';
import type { KeySource } from '../contracts/key.js';
import type { VaultMode } from '../contracts/key.js';

export interface VaultOpenOptions {
  home: string;
  mode: VaultMode;
  /** Master key; else OAUTH_ENCRYPTION_KEY from `env`; else the OS keychain. */
  encryptionKey?: string;
  env: NodeJS.ProcessEnv;
  keychainService?: string;
  onDecryptFailure?: (info: { provider: string; userId: string; field: Field; code: string }) => void;
}

export interface OpenedVault {
  tokens: TokenStore;
  keySource: KeySource;
  vaultId: string | null;
  /** The keychain entry holding this vault's key (null when the key is not in the keychain). */
  keychainAccount: string | null;
  /** A rotation that had died after staging its key, finished while opening. */
  resumedRotation: { rotated: number; keyId: string } | null;
  /** Re-encrypts under a new key; in keychain mode stage → re-encrypt → promote, on this vault's entry only. */
  rotateKey(newKey?: string): Promise<{ rotated: number; keyId: string }>;
}

export const vaultKeyAccount = (vaultId: string): string => `${KEYCHAIN_ACCOUNT}/${vaultId}`;
const newVaultId = (): string => randomBytes(16).toString('hex');

/** Advice that fits an existing vault: restore its key; a new key would not open it. */
function restoreAdvice(err: unknown, home: string, service: string, account: string): unknown {
  if (!(err instanceof VaultError)) return err;
  const where = `service "${service}", account "${account}"`;
  const restore =
    `Restore the key from your backup into that keychain entry (Linux: \`secret-tool store --label="OsMEN master key" ` +
    `service "${service}" username "${account}"\`, then paste the key), or set OAUTH_ENCRYPTION_KEY to it. ` +
    'Do not generate a new key: it cannot open the stored tokens. Only if the key is lost for good, move tokens.db aside ' +
    'and connect the accounts again.';
  if (err.code === 'KEY_MISSING') {
    return new KeyCustodyError(
      'KEY_MISSING',
      `The vault in ${home} exists, but its master key is not in the OS keychain (${where}). Nothing was changed. ${restore}`,
    );
  }
  if (err.code === 'KEYCHAIN_UNAVAILABLE') {
    return new KeyCustodyError(
      'KEYCHAIN_UNAVAILABLE',
      `The vault in ${home} exists, but the OS keychain is locked or not running, so its master key (${where}) can't be read. ` +
        'Nothing was changed. Unlock the keychain (on Linux a Secret Service such as gnome-keyring must be running and ' +
        "unlocked) and try again, or set OAUTH_ENCRYPTION_KEY to this vault's key from your backup. Do not generate a new key: " +
        'it cannot open the stored tokens.',
      { cause: err.cause },
    );
  }
  return err;
}

function noVault(home: string): TokenStoreError {
  return new TokenStoreError(
    'NO_VAULT',
    `No vault in ${home} (no tokens.db). Connect an account first (the app, or \`osmen-cred connect\`), or pass --home / set OSMEN_HOME.`,
  );
}

export async function openVaultStore(options: VaultOpenOptions): Promise<OpenedVault> {
  const { home, mode, env } = options;
  const dbPath = dataFolder(home).db;
  const service = options.keychainService ?? KEYCHAIN_SERVICE;
  const peek = peekVault(dbPath);
  if (mode !== 'create' && peek.state !== 'vault') {
    if (peek.state === 'none') throw noVault(home);
    // Opening it (to say why) is what refuses it; nothing is written.
    new TokenStore({ dbPath, encryption: new EncryptionManager(EncryptionManager.generateKey()), create: false });
  }
  const store = (keys: string[], create: boolean, custody: KeyCustody | null): TokenStore =>
    new TokenStore({
      dbPath,
      create,
      encryption: new EncryptionManager(keys),
      onDecryptFailure: options.onDecryptFailure,
      // `osmen-cred rotate-key` may re-encrypt the vault while the app runs: pick up the new key.
      reloadKeys: custody
        ? () => {
            const ring = custody.readKeyRingSync();
            return ring ? new EncryptionManager(ring) : null;
          }
        : undefined,
    });

  const given = options.encryptionKey ?? env.OAUTH_ENCRYPTION_KEY?.trim();
  if (given) {
    const tokens = store([given], mode === 'create', null);
    const vaultId =
      mode === 'read-only'
        ? tokens.readMeta(VAULT_ID_META)
        : tokens.adoptMeta(VAULT_ID_META, tokens.readMeta(VAULT_ID_META) ?? newVaultId());
    return finish(tokens, options.encryptionKey ? 'explicit' : 'env', vaultId, null, null);
  }

  if (peek.state === 'vault') {
    const account = peek.vaultId ? vaultKeyAccount(peek.vaultId) : KEYCHAIN_ACCOUNT;
    const custody = new KeyCustody({ service, account, env: {} });
    const loaded = await custody.loadMasterKey({ create: false }).catch((err: unknown) => {
      throw restoreAdvice(err, home, service, account);
    });
    // A staged key means a rotation died half-way: open with both, finish it below.
    const keys = loaded.pendingKey ? [loaded.key, loaded.pendingKey] : [loaded.key];
    const tokens = store(keys, false, custody);
    let resumed: { rotated: number; keyId: string } | null = null;
    try {
      if (loaded.pendingKey) {
        resumed = tokens.rotateKey(loaded.pendingKey);
        await custody.promotePendingKey(loaded.pendingKey);
      }
      if (peek.vaultId || mode === 'read-only') return finish(tokens, 'keychain', peek.vaultId, account, resumed, custody);
      const own = await migrateLegacyEntry(tokens, home, service, loaded.pendingKey ?? loaded.key);
      return finish(tokens, 'keychain', own.vaultId, own.account, resumed, own.custody);
    } catch (err) {
      tokens.close();
      throw err;
    }
  }

  // No vault yet (create mode): make its key and the vault under one lock, so processes
  // starting together on a fresh machine agree on one vault and one key. Ask the keychain
  // first: without one (and without OAUTH_ENCRYPTION_KEY) nothing at all is created.
  await new KeyCustody({ service, account: `${KEYCHAIN_ACCOUNT}/probe`, env: {} }).readKeychainKey();
  ensurePrivateDir(home);
  return withFileLockAsync(
    dataFolder(home).keyLock,
    async () => {
      if (peekVault(dbPath).state === 'vault') return openVaultStore(options);
      const vaultId = newVaultId();
      const account = vaultKeyAccount(vaultId);
      const custody = new KeyCustody({ service, account, env: {} });
      const loaded = await custody.loadMasterKey();
      const tokens = store([loaded.key], true, custody);
      tokens.adoptMeta(VAULT_ID_META, vaultId);
      return finish(tokens, loaded.source, vaultId, account, null, custody);
    },
    { activity: 'creating the vault and its master key (the OS keychain may be asking to be unlocked)' },
  );

  function finish(
    tokens: TokenStore,
    keySource: KeySource,
    vaultId: string | null,
    keychainAccount: string | null,
    resumedRotation: { rotated: number; keyId: string } | null,
    custody?: KeyCustody,
  ): OpenedVault {
    const inKeychain = custody !== undefined && keychainAccount !== null;
    return {
      tokens,
      keySource,
      vaultId,
      keychainAccount,
      resumedRotation,
      async rotateKey(newKey) {
        if (!inKeychain && !newKey) {
          throw new VaultError(
            'KEY_MISSING',
            'The master key comes from OAUTH_ENCRYPTION_KEY (or was passed in): make a new key with ' +
              '`osmen-cred keygen`, run `OSMEN_NEW_ENCRYPTION_KEY=<new key> osmen-cred rotate-key`, then ' +
              'set OAUTH_ENCRYPTION_KEY to the new key.',
          );
        }
        const next = newKey ?? EncryptionManager.generateKey();
        // Stage -> re-encrypt -> promote: at every crash point one of this vault's entries opens it.
        if (inKeychain) await custody.stagePendingKey(next);
        const result = tokens.rotateKey(next);
        if (inKeychain) await custody.promotePendingKey(next);
        return result;
      },
    };
  }
}

/**
 * A vault from before vault ids: give it an id and its own keychain entry (a copy of the shared
 * `master-key`, read back before the id is recorded), under the first-run lock so two processes
 * can't make two ids. Returns this vault's own custody from then on.
 */
async function migrateLegacyEntry(
  tokens: TokenStore,
  home: string,
  service: string,
  key: string,
): Promise<{ vaultId: string; account: string; custody: KeyCustody }> {
  ensurePrivateDir(home);
  return withFileLockAsync(
    dataFolder(home).keyLock,
    async () => {
      const existing = tokens.readMeta(VAULT_ID_META);
      const vaultId = existing ?? newVaultId();
      const account = vaultKeyAccount(vaultId);
      const custody = new KeyCustody({ service, account, env: {} });
      if (!existing) {
        await custody.writeKeychainKey(key);
        if ((await custody.readKeychainKey()) !== key) {
          throw new KeyCustodyError(
            'KEYCHAIN_UNAVAILABLE',
            'The OS keychain did not return the key just stored; the vault was left as it was.',
          );
        }
        tokens.adoptMeta(VAULT_ID_META, vaultId);
      }
      return { vaultId, account, custody };
    },
    { activity: "moving the master key to this vault's own keychain entry" },
  );
}
