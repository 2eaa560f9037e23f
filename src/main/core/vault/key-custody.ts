import { AsyncEntry, Entry, type EntryOptions } from '@napi-rs/keyring';
import { KeyCustodyError } from '../errors.js';
import { EncryptionManager, decodeKey, KEY_HELP } from './encryption-manager.js';
import type { KeySource } from '../contracts/key.js';

/**
 * Key custody: the only module that talks to the OS keychain.
 *
 * The master key lives in the keychain (macOS Keychain, Windows Credential
 * Manager, Secret Service on Linux) under service "OsMEN Credential Manager".
 * OAUTH_ENCRYPTION_KEY overrides it for headless use (CI, servers).
 *
 * There is deliberately no fallback: with neither a keychain nor an env key we
 * throw KEYCHAIN_UNAVAILABLE and store nothing. On Linux the entry is pinned to
 * the Secret Service, because @napi-rs/keyring would otherwise fall back to the
 * kernel keyring, which forgets the key at reboot and so loses every token
 * (@napi-rs/keyring issue #142).
 */

export const KEYCHAIN_SERVICE = 'OsMEN Credential Manager';
export const KEYCHAIN_ACCOUNT = 'master-key';

export interface MasterKeyResult {
  key: string;
  source: KeySource;
  /**
   * A key staged by a rotation that did not finish (the process died between
   * staging and promotion). The caller opens the vault with both keys and
   * completes the rotation, so no crash point can strand the tokens.
   */
  pendingKey?: string;
}

export interface KeyCustodyOptions {
  service?: string;
  account?: string;
  env?: NodeJS.ProcessEnv;
}

function entryOptions(): EntryOptions | undefined {
  return process.platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;
}

function unavailable(cause: unknown): KeyCustodyError {
  return new KeyCustodyError(
    'KEYCHAIN_UNAVAILABLE',
    'The OS keychain is not available or is locked, so the master key cannot be read or stored. ' +
      'Unlock your keychain (on Linux: a Secret Service such as gnome-keyring or KWallet must be running), ' +
      `or set OAUTH_ENCRYPTION_KEY for headless use. ${KEY_HELP}`,
    { cause: describeCause(cause) },
  );
}

/** Keeps only the backend's error text; keychain errors never contain the secret itself. */
function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

export class KeyCustody {
  private readonly service: string;
  private readonly account: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: KeyCustodyOptions = {}) {
    this.service = options.service ?? KEYCHAIN_SERVICE;
    this.account = options.account ?? KEYCHAIN_ACCOUNT;
    this.env = options.env ?? process.env;
  }

  private entry(account = this.account): AsyncEntry {
    try {
      return new AsyncEntry(this.service, account, entryOptions());
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Reads the key from the keychain; null when there is none yet. */
  async readKeychainKey(account = this.account): Promise<string | null> {
    let value: string | null;
    try {
      value = await this.entry(account).getPassword();
    } catch (err) {
      if (err instanceof KeyCustodyError) throw err;
      throw unavailable(err);
    }
    if (value === null || value === undefined) return null;
    decodeKey(value); // a corrupt keychain entry is reported, not silently replaced
    return value;
  }

  async writeKeychainKey(key: string, account = this.account): Promise<void> {
    decodeKey(key);
    try {
      await this.entry(account).setPassword(key);
    } catch (err) {
      if (err instanceof KeyCustodyError) throw err;
      throw unavailable(err);
    }
  }

  async deleteKeychainKey(account = this.account): Promise<boolean> {
    try {
      return await this.entry(account).deletePassword();
    } catch (err) {
      if (err instanceof KeyCustodyError) throw err;
      throw unavailable(err);
    }
  }

  /**
   * Synchronous read of the key ring (master key, plus a staged key first when a
   * rotation is in progress). Only for the rare reload after another process
   * rotated the key; everything else uses the async API so the main process never blocks.
   */
  readKeyRingSync(): string[] | null {
    try {
      const opts = entryOptions();
      const main = new Entry(this.service, this.account, opts).getPassword();
      const pending = new Entry(this.service, this.pendingAccount, opts).getPassword();
      const ring = [pending, main].filter((k): k is string => typeof k === 'string' && k !== '');
      ring.forEach((k) => decodeKey(k));
      return ring.length ? ring : null;
    } catch {
      return null;
    }
  }

  private get pendingAccount(): string {
    return `${this.account}.pending`;
  }

  /** Rotation step 1: park the new key beside the current one before any row uses it. */
  async stagePendingKey(key: string): Promise<void> {
    await this.writeKeychainKey(key, this.pendingAccount);
  }

  /** Rotation step 3 (after the vault re-encrypted): the new key becomes the master key. */
  async promotePendingKey(key: string): Promise<void> {
    await this.writeKeychainKey(key);
    await this.deleteKeychainKey(this.pendingAccount);
  }

  /** Removes the master key and any staged key (tests, "forget this vault"). */
  async deleteAll(): Promise<void> {
    await this.deleteKeychainKey(this.pendingAccount);
    await this.deleteKeychainKey();
  }

  /**
   * The master key: env override first, else the keychain, creating the key on
   * first run. `create: false` never writes (for tools that must not invent a key).
   */
  async loadMasterKey(opts: { create?: boolean } = {}): Promise<MasterKeyResult> {
    const fromEnv = this.env.OAUTH_ENCRYPTION_KEY?.trim();
    if (fromEnv) {
      decodeKey(fromEnv);
      return { key: fromEnv, source: 'env' };
    }
    const existing = await this.readKeychainKey();
    if (existing) {
      const pendingKey = (await this.readKeychainKey(this.pendingAccount)) ?? undefined;
      return pendingKey && pendingKey !== existing
        ? { key: existing, source: 'keychain', pendingKey }
        : { key: existing, source: 'keychain' };
    }
    if (opts.create === false) {
      throw new KeyCustodyError('KEY_MISSING', `No master key in the OS keychain and OAUTH_ENCRYPTION_KEY is not set. ${KEY_HELP}`);
    }
    const key = EncryptionManager.generateKey();
    await this.writeKeychainKey(key);
    // Read back: a keychain that accepts writes but loses them must not be trusted with the key.
    const check = await this.readKeychainKey();
    if (check !== key) throw unavailable(new Error('the keychain did not return the key just stored'));
    return { key, source: 'keychain-created' };
  }
}
