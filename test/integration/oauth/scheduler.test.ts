/**
 * TokenRefreshScheduler with a real vault and a scripted token server on loopback.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { disconnectAccount, ProviderRegistry, TokenRefresher, TokenRefreshScheduler } from '../../../src/main/core/oauth/index.js';
import { startScriptedTokenServer, type ScriptedServer } from '../../helpers/http-fixtures.js';
import { openVault, type Vault } from '../../helpers/oidc-fixtures.js';

let srv: ScriptedServer;
let vault: Vault;
let scheduler: TokenRefreshScheduler | undefined;

const OK = (delayMs = 0) => ({ status: 200, delayMs, body: { access_token: 'fresh-access', expires_in: 3600, token_type: 'Bearer' } });

beforeEach(async () => {
  vault = openVault();
  srv = await startScriptedTokenServer([OK()]);
});
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  await srv.close();
  vault.cleanup();
});

function refresher(): TokenRefresher {
  const providers = new ProviderRegistry({ env: {} });
  providers.register({ id: 'local', endpoints: srv.endpoints, clientId: 'c', scopes: ['read'] });
  return new TokenRefresher({ tokens: vault.tokens, providers, events: vault.events, random: () => 0.5 });
}

function account(user: string, expiresInSec: number) {
  vault.tokens.saveToken('local', user, { access_token: `a-${user}`, refresh_token: `r-${user}`, expires_in: expiresInSec });
}

describe('TokenRefreshScheduler', () => {
  it('runOnce refreshes only the due accounts and reports counts', async () => {
    account('due1', 60);
    account('due2', 200);
    account('fresh', 3600);
    scheduler = new TokenRefreshScheduler(refresher());
    expect(await scheduler.runOnce()).toEqual({ due: 2, refreshed: 2, failed: 0 });
    expect(srv.tokenRequests().map((r) => r.form.refresh_token).sort()).toEqual(['r-due1', 'r-due2']);
    expect(vault.tokens.getToken('local', 'fresh')!.accessToken).toBe('a-fresh');
    // Nothing due any more.
    expect(await scheduler.runOnce()).toEqual({ due: 0, refreshed: 0, failed: 0 });
  });

  it('counts failures and leaves failing accounts alone until their retry time', async () => {
    account('a', 60);
    srv.script({ status: 503, body: '' });
    scheduler = new TokenRefreshScheduler(refresher());
    expect(await scheduler.runOnce()).toEqual({ due: 1, refreshed: 0, failed: 1 });
    expect(await scheduler.runOnce()).toEqual({ due: 0, refreshed: 0, failed: 0 });
    expect(srv.tokenRequests()).toHaveLength(1);
  });

  it('bounds concurrency', async () => {
    for (let i = 0; i < 8; i++) account(`u${i}`, 60);
    srv.script(OK(40));
    scheduler = new TokenRefreshScheduler(refresher(), { concurrency: 2 });
    expect(await scheduler.runOnce()).toEqual({ due: 8, refreshed: 8, failed: 0 });
    expect(srv.maxConcurrent()).toBe(2);
  });

  it('does not decrypt tokens that are not due (asks the index instead of scanning)', async () => {
    for (let i = 0; i < 50; i++) account(`f${i}`, 3600);
    account('due', 60);
    scheduler = new TokenRefreshScheduler(refresher());
    const spy = vi.spyOn(vault.tokens, 'getToken');
    await scheduler.runOnce();
    const users = new Set(spy.mock.calls.map((c) => c[1]));
    expect(users).toEqual(new Set(['due']));
  });

  it('plans the next run at the earliest due time, capped by checkIntervalMs', async () => {
    account('later', 6 * 60); // due in ~1 minute (window 5 min)
    scheduler = new TokenRefreshScheduler(refresher(), { checkIntervalMs: 10 * 60_000 });
    scheduler.start();
    await scheduler.runOnce(); // the immediate first run (joined)
    expect(scheduler.running).toBe(true);
    const delay = scheduler.nextRunAt! - Date.now();
    expect(delay).toBeGreaterThan(50_000);
    expect(delay).toBeLessThanOrEqual(60_000);

    // Only far-away expiries: capped by checkIntervalMs.
    vault.tokens.deleteToken('local', 'later');
    account('far', 24 * 3600);
    scheduler.wake();
    expect(scheduler.nextRunAt! - Date.now()).toBeLessThanOrEqual(0);
    await scheduler.runOnce();
    const capped = scheduler.nextRunAt! - Date.now();
    expect(capped).toBeGreaterThan(9 * 60_000);
    expect(capped).toBeLessThanOrEqual(10 * 60_000);
  });

  it('pause/resume/stop', async () => {
    account('x', 3600);
    scheduler = new TokenRefreshScheduler(refresher());
    scheduler.start();
    await scheduler.runOnce();
    expect(scheduler.nextRunAt).not.toBeNull();
    scheduler.pause();
    expect(scheduler.paused).toBe(true);
    expect(scheduler.nextRunAt).toBeNull();
    scheduler.wake(); // paused: wake does not plan
    expect(scheduler.nextRunAt).toBeNull();
    scheduler.resume();
    expect(scheduler.nextRunAt).not.toBeNull();
    await scheduler.stop();
    expect(scheduler.running).toBe(false);
    expect(scheduler.nextRunAt).toBeNull();
  });

  it('stop() waits for refreshes in flight', async () => {
    account('slow', 60);
    srv.script(OK(150));
    scheduler = new TokenRefreshScheduler(refresher());
    scheduler.start();
    // The first run starts on the next timer tick; wait until its request reached the server.
    await vi.waitFor(() => expect(srv.tokenRequests()).toHaveLength(1), { timeout: 5_000, interval: 5 });
    await scheduler.stop();
    // By the time stop() resolved, the refresh finished and was stored.
    expect(vault.tokens.getToken('local', 'slow')!.accessToken).toBe('fresh-access');
  });
});

describe('disconnect during a refresh', () => {
  it('a refresh that completes after the account was deleted does not bring it back', async () => {
    account('leaving', 60);
    srv.script(OK(200));
    const r = refresher();
    const pending = r.refreshIfDue('local', 'leaving').catch((e: unknown) => e);
    await vi.waitFor(() => expect(srv.tokenRequests()).toHaveLength(1), { timeout: 5_000, interval: 5 });
    expect(vault.tokens.deleteToken('local', 'leaving')).toBe(true);
    const err = await pending;
    expect(err).toMatchObject({ name: 'OAuthAccountNotFoundError' });
    expect(vault.tokens.getToken('local', 'leaving')).toBeNull();
    expect(vault.tokens.database.prepare('SELECT COUNT(*) AS n FROM refresh_leases').get()).toEqual({ n: 0 });
  });
});

describe('disconnect waits for a refresh in flight', () => {
  it('revokes the rotated refresh token the in-flight refresh stored, then deletes', async () => {
    account('rotating', 60);
    srv.script({ status: 200, delayMs: 200, body: { access_token: 'new-a', refresh_token: 'rt-rotated', expires_in: 3600, token_type: 'Bearer' } });
    const providers = new ProviderRegistry({ env: {} });
    providers.register({ id: 'local', endpoints: srv.endpoints, clientId: 'c', scopes: ['read'] });
    const r = new TokenRefresher({ tokens: vault.tokens, providers });
    const refreshing = r.refreshIfDue('local', 'rotating');
    await vi.waitFor(() => expect(srv.tokenRequests()).toHaveLength(1), { timeout: 5_000, interval: 5 });
    const result = await disconnectAccount({ tokens: vault.tokens, providers }, 'local', 'rotating');
    expect(await refreshing).toEqual({ kind: 'refreshed' });
    expect(result).toEqual({ deleted: true, revocation: 'revoked' });
    const revoke = srv.requests.find((q) => q.path === '/revoke')!;
    expect(revoke.form).toMatchObject({ token: 'rt-rotated', token_type_hint: 'refresh_token' });
    expect(vault.tokens.getToken('local', 'rotating')).toBeNull();
    expect(vault.tokens.database.prepare('SELECT COUNT(*) AS n FROM refresh_leases').get()).toEqual({ n: 0 });
  });
});

describe('a refresh window longer than the token lifetime', () => {
  it('refreshes an account at most once per half of its token lifetime (1-hour tokens, 60-minute window)', async () => {
    let now = Date.now();
    const clock = () => now;
    const tokens = new (vault.tokens.constructor as typeof import('../../../src/main/core/vault/token-store.js').TokenManager)({
      dbPath: vault.dbPath,
      encryption: vault.tokens.encryptionManager,
      now: clock,
    });
    try {
      const providers = new ProviderRegistry({ env: {} });
      providers.register({ id: 'local', endpoints: srv.endpoints, clientId: 'c', scopes: ['read'] });
      const r = new TokenRefresher({ tokens, providers, refreshWindowMs: 60 * 60_000, now: clock });
      tokens.saveToken('local', 'storm', { access_token: 'a0', refresh_token: 'r0', expires_in: 3600 });
      const s = new TokenRefreshScheduler(r, { now: clock });
      expect(await s.runOnce()).toMatchObject({ due: 1, refreshed: 1 });
      // For the next half hour the scheduler (and any caller) finds nothing to do.
      const refreshedAt = now;
      for (const after of [1_000, 60_000, 10 * 60_000, 29 * 60_000]) {
        now = refreshedAt + after;
        expect(tokens.listDue(now, r.refreshWindowMs)).toEqual([]);
        await expect(r.refreshIfDue('local', 'storm')).resolves.toEqual({ kind: 'fresh' });
        await r.getValidAccessToken('local', 'storm');
      }
      expect(srv.tokenRequests()).toHaveLength(1);
      // The scheduler plans its next run at the middle of the token's lifetime, not "now".
      const issued = tokens.getMetadata('local', 'storm')!.lastRefreshAt!.getTime();
      expect(tokens.nextDueAt(r.refreshWindowMs, now)).toBe(issued + 30 * 60_000);
      now = issued + 30 * 60_000;
      expect(await s.runOnce()).toMatchObject({ due: 1, refreshed: 1 });
      expect(srv.tokenRequests()).toHaveLength(2);
    } finally {
      tokens.close();
    }
  });
});

describe('keep-alive', () => {
  it('refreshes an account nothing asked for once every N days, so an idle grant does not expire', async () => {
    let now = Date.now();
    const clock = () => now;
    const tokens = new (vault.tokens.constructor as typeof import('../../../src/main/core/vault/token-store.js').TokenManager)({
      dbPath: vault.dbPath,
      encryption: vault.tokens.encryptionManager,
      now: clock,
    });
    try {
      const providers = new ProviderRegistry({ env: {} });
      providers.register({ id: 'local', endpoints: srv.endpoints, clientId: 'c', scopes: ['read'] });
      const week = 7 * 86_400_000;
      const r = new TokenRefresher({ tokens, providers, keepAliveMs: week, now: clock });
      // A provider that gives no lifetime: the window never makes this account due.
      srv.script({ status: 200, body: { access_token: 'a1', refresh_token: 'r1', token_type: 'Bearer' } });
      tokens.saveToken('local', 'idle', { access_token: 'a0', refresh_token: 'r0' });
      tokens.saveToken('local', 'no-refresh-token', { access_token: 'b0' });
      const s = new TokenRefreshScheduler(r, { now: clock });
      const connectedAt = now;
      expect(tokens.nextDueAt(r.refreshWindowMs, now, r.keepAliveMs)).toBe(connectedAt + week);
      now = connectedAt + week - 60_000;
      expect(await s.runOnce()).toMatchObject({ due: 0 });
      now = connectedAt + week;
      expect(tokens.listDue(now, r.refreshWindowMs, 100, r.keepAliveMs)).toEqual([{ provider: 'local', userId: 'idle' }]);
      expect(await s.runOnce()).toMatchObject({ due: 1, refreshed: 1 });
      expect(srv.tokenRequests().map((q) => q.form.refresh_token)).toEqual(['r0']);
      // Kept alive for another week; the account without a refresh token is left alone (not marked for re-auth).
      expect(tokens.nextDueAt(r.refreshWindowMs, now, r.keepAliveMs)).toBe(now + week);
      expect(tokens.getMetadata('local', 'no-refresh-token')!.status).toBe('active');
      now += 86_400_000;
      expect(await s.runOnce()).toMatchObject({ due: 0 });
    } finally {
      tokens.close();
    }
  });
});
