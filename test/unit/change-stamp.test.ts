/**
 * ChangeStamp: the agent's caches (token snapshots, the consent mode, the grants) ask it whether
 * the vault may have changed. Another connection's commit is seen from the next turn of the
 * event loop (data_version is read once per turn), this connection's own write at once, and
 * `revalidate` looks now. Real SQLite, two connections on one file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeStamp } from '../../src/main/core/vault/change-stamp.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { TokenStore } from '../../src/main/core/vault/token-store.js';
import { openVault, type Vault } from '../helpers/oidc-fixtures.js';

const nextTurn = () => new Promise<void>((r) => setImmediate(r));
let vault: Vault;
let other: TokenStore;

beforeEach(() => {
  vault = openVault();
  other = new TokenStore({ dbPath: vault.dbPath, encryption: new EncryptionManager(vault.key) });
});
afterEach(() => {
  other.close();
  vault.cleanup();
});

const save = (tokens: TokenStore, user: string) =>
  tokens.saveToken('testop', user, { access_token: `at-${user}-${Math.random()}`, refresh_token: 'rt', expires_in: 3600 });

describe('ChangeStamp', () => {
  it("sees another connection's commit from the next turn on, and its own writes at once", async () => {
    const stamp = ChangeStamp.of(vault.tokens);
    expect(ChangeStamp.of(vault.tokens)).toBe(stamp); // one per store: the caches share a turn's read
    expect(ChangeStamp.of(other)).not.toBe(stamp);
    const first = stamp.current();
    expect(stamp.current()).toBe(first);

    save(other, 'alice@example.test');
    expect(stamp.current()).toBe(first); // the same turn: data_version was read already
    await nextTurn();
    const afterOther = stamp.current();
    expect(afterOther).not.toBe(first);

    save(vault.tokens, 'bob@example.test');
    expect(stamp.current()).not.toBe(afterOther); // total_changes moves with our own write
  });

  it('revalidate reads data_version now, and the next calls of the turn keep what it read', async () => {
    const stamp = ChangeStamp.of(vault.tokens);
    const first = stamp.current();
    save(other, 'carol@example.test');
    const now = stamp.current(true);
    expect(now).not.toBe(first);
    expect(stamp.current()).toBe(now);
    await nextTurn();
    expect(stamp.current()).toBe(now);
  });
});
