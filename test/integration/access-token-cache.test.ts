/**
 * core.getAccessToken keeps what it read while the database is unchanged (the agent's hot
 * path): a token another connection saved, deleted or marked is seen from the next turn of the
 * event loop on (a request arriving after the change), a write through this process at once.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { TokenStore } from '../../src/main/core/vault/token-store.js';
import { AccessTokenSource } from '../../src/main/core/oauth/access-token.js';
import { makeTmpHome } from '../helpers/tmp.js';
import type { CredentialCore } from '../../src/main/core/api.js';
import { ProviderRegistry } from '../../src/main/core/oauth/providers/registry.js';
import { TokenRefresher } from '../../src/main/core/oauth/token-refresher.js';

let home: ReturnType<typeof makeTmpHome>;
let core: CredentialCore;
let other: TokenStore; // another process's connection to the same file
/** Lets the event loop turn, as it does between requests arriving from other processes. */
const nextTurn = () => new Promise<void>((r) => setImmediate(r));
const key = EncryptionManager.generateKey();

beforeEach(async () => {
  home = makeTmpHome('osmen-at-cache-');
  core = await createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });
  other = new TokenStore({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(key) });
  other.saveToken('p', 'u', { access_token: 'first', refresh_token: 'rt', expires_in: 3600, scope: 'openid' });
});

afterEach(async () => {
  other.close();
  await core.close();
  home.cleanup();
});

describe('getAccessToken and changes made elsewhere', () => {
  it('sees a token saved by another connection, and one saved through this one', async () => {
    expect((await core.getAccessToken('p', 'u')).accessToken).toBe('first');
    expect((await core.getAccessToken('p', 'u')).accessToken).toBe('first');
    other.saveToken('p', 'u', { access_token: 'second', expires_in: 3600, scope: 'openid email' });
    await nextTurn();
    const second = await core.getAccessToken('p', 'u');
    expect(second).toMatchObject({ accessToken: 'second', scopes: ['openid', 'email'] });
    coreInternals(core).tokens.saveToken('p', 'u', { access_token: 'third', expires_in: 3600 });
    expect((await core.getAccessToken('p', 'u')).accessToken).toBe('third');
  });

  it('a token refreshed elsewhere just as this call decided to refresh is the one served, even within one turn', async () => {
    other.saveToken('p', 'u', { access_token: 'due', expires_in: 120 }); // inside the 5 min window
    await nextTurn();
    // Another process commits its refresh between this call's first read and the refresher's own:
    // the refresher then finds a fresh token and writes nothing, all within one turn.
    const refresher = coreInternals(core).refresher;
    const original = refresher.getValidAccessToken.bind(refresher);
    refresher.getValidAccessToken = (provider: string, user: string) => {
      other.saveToken('p', 'u', { access_token: 'refreshed-elsewhere', expires_in: 3600 });
      return original(provider, user);
    };
    try {
      expect((await core.getAccessToken('p', 'u')).accessToken).toBe('refreshed-elsewhere');
    } finally {
      refresher.getValidAccessToken = original;
    }
  });

  it('stops serving an account deleted or marked needs_reauth elsewhere', async () => {
    expect((await core.getAccessToken('p', 'u')).accessToken).toBe('first');
    other.setStatus('p', 'u', { status: 'needs_reauth', detail: 'invalid_grant' });
    await nextTurn();
    await expect(core.getAccessToken('p', 'u')).rejects.toMatchObject({ needsReauth: true });
    other.deleteToken('p', 'u');
    await nextTurn();
    await expect(core.getAccessToken('p', 'u')).rejects.toMatchObject({ code: 'account_not_found' });
  });

  it('judges expiry on every call, not when it read the token', async () => {
    let clock = Date.now();
    const refresher = new TokenRefresher({ tokens: other, providers: new ProviderRegistry({ env: {} }), now: () => clock });
    const source = new AccessTokenSource({ tokens: other, refresher, now: () => clock });
    expect((await source.get('p', 'u')).accessToken).toBe('first');
    clock += 3_590_000; // 10 s left: inside the window, under the margin, and no provider to refresh at
    await expect(source.get('p', 'u')).rejects.toBeTruthy();
    clock -= 3_590_000;
    expect((await source.get('p', 'u')).accessToken).toBe('first');
  });
});
