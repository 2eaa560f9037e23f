/**
 * TokenRefreshScheduler with a real vault and a scripted token server on loopback. Time is a
 * ManualClock shared by the store, the refresher and the scheduler: a test says when things
 * are due and moves time there; the scheduler's timers fire only when it does. A request the
 * test needs "in flight" is held at the server until the test releases it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { heldAnswer, startScriptedTokenServer, type ScriptedServer } from '../../helpers/http-fixtures.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { openVault, type Vault } from '../../helpers/oidc-fixtures.js';
import type { RefreshSummary } from '../../../src/main/core/contracts/accounts.js';
import { disconnectAccount } from '../../../src/main/core/oauth/connect-flow.js';
import { ProviderRegistry } from '../../../src/main/core/oauth/providers/registry.js';
import { TokenRefresher } from '../../../src/main/core/oauth/token-refresher.js';
import { TokenRefreshScheduler, type SchedulerOptions } from '../../../src/main/core/oauth/scheduler.js';

const MIN = 60_000;
let clock: ManualClock;
let srv: ScriptedServer;
let vault: Vault;
let scheduler: TokenRefreshScheduler | undefined;

const FRESH = { access_token: 'fresh-access', expires_in: 3600, token_type: 'Bearer' };
const OK = { status: 200, body: FRESH };

beforeEach(async () => {
  clock = new ManualClock();
  vault = openVault({ now: clock.now });
  srv = await startScriptedTokenServer([OK]);
});
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  await srv.close();
  vault.cleanup();
});

function registry(): ProviderRegistry {
  const providers = new ProviderRegistry({ env: {} });
  providers.register({ id: 'local', endpoints: srv.endpoints, clientId: 'c', scopes: ['read'] });
  return providers;
}

function refresher(options: Partial<ConstructorParameters<typeof TokenRefresher>[0]> = {}): TokenRefresher {
  return new TokenRefresher({
    tokens: vault.tokens,
    providers: registry(),
    events: vault.events,
    random: () => 0.5,
    now: clock.now,
    ...options,
  });
}

function newScheduler(options: SchedulerOptions = {}, r = refresher()): TokenRefreshScheduler {
  scheduler = new TokenRefreshScheduler(r, { clock, ...options });
  return scheduler;
}

/** Moves the clock by `ms`, which must fire the scheduler's one timer, and joins the run it started. */
function fire(s: TokenRefreshScheduler, ms: number): Promise<RefreshSummary> {
  expect(clock.advance(ms)).toBe(1);
  return s.runOnce(); // joins the run in flight
}

function account(user: string, expiresInSec: number) {
  vault.tokens.saveToken('local', user, { access_token: `a-${user}`, refresh_token: `r-${user}`, expires_in: expiresInSec });
}

describe('TokenRefreshScheduler', () => {
  it('runOnce refreshes only the due accounts and reports counts', async () => {
    account('due1', 60);
    account('due2', 200);
    account('fresh', 3600);
    const s = newScheduler();
    expect(await s.runOnce()).toEqual({ due: 2, refreshed: 2, failed: 0 });
    expect(
      srv
        .tokenRequests()
        .map((r) => r.form.refresh_token)
        .sort(),
    ).toEqual(['r-due1', 'r-due2']);
    expect(vault.tokens.getToken('local', 'fresh')!.accessToken).toBe('a-fresh');
    // Nothing due any more.
    expect(await s.runOnce()).toEqual({ due: 0, refreshed: 0, failed: 0 });
  });

  it('counts failures and leaves failing accounts alone until their retry time', async () => {
    account('a', 60);
    srv.script({ status: 503, body: '' }, OK);
    const s = newScheduler();
    expect(await s.runOnce()).toEqual({ due: 1, refreshed: 0, failed: 1 });
    const retryAt = vault.tokens.getMetadata('local', 'a')!.nextAttemptAt!.getTime();
    expect(retryAt).toBeGreaterThan(clock.now());
    expect(await s.runOnce()).toEqual({ due: 0, refreshed: 0, failed: 0 });
    clock.advance(retryAt - 1 - clock.now());
    expect(await s.runOnce()).toEqual({ due: 0, refreshed: 0, failed: 0 });
    expect(srv.tokenRequests()).toHaveLength(1);
    // Its retry time has come: the next run tries again (and the provider is back).
    clock.advance(1);
    expect(await s.runOnce()).toEqual({ due: 1, refreshed: 1, failed: 0 });
    expect(srv.tokenRequests()).toHaveLength(2);
  });

  it('bounds concurrency', async () => {
    for (let i = 0; i < 8; i++) account(`u${i}`, 60);
    const r = refresher();
    // Count the refreshes running at once, in the scheduler's own process: its workers start
    // their first refreshes as the run starts, so more than `concurrency` would show at once.
    const real = r.refreshIfDue.bind(r);
    let running = 0;
    let peak = 0;
    vi.spyOn(r, 'refreshIfDue').mockImplementation(async (provider, userId) => {
      peak = Math.max(peak, ++running);
      try {
        return await real(provider, userId);
      } finally {
        running--;
      }
    });
    const s = newScheduler({ concurrency: 2 }, r);
    const run = s.runOnce();
    expect(running).toBe(2); // started at once; the other six wait for a free worker
    expect(await run).toEqual({ due: 8, refreshed: 8, failed: 0 });
    expect(peak).toBe(2);
    expect(srv.tokenRequests()).toHaveLength(8);
    expect(srv.maxConcurrent()).toBeLessThanOrEqual(2);
  });

  it('does not decrypt tokens that are not due (asks the index instead of scanning)', async () => {
    for (let i = 0; i < 50; i++) account(`f${i}`, 3600);
    account('due', 60);
    const s = newScheduler();
    const spy = vi.spyOn(vault.tokens, 'getToken');
    await s.runOnce();
    const users = new Set(spy.mock.calls.map((c) => c[1]));
    expect(users).toEqual(new Set(['due']));
  });

  it('runs at once when started, then at the earliest due time, capped by checkIntervalMs', async () => {
    const t0 = clock.now();
    account('later', 6 * 60); // due in 1 minute (window 5 min)
    const s = newScheduler({ checkIntervalMs: 10 * MIN });
    s.start();
    expect(s.running).toBe(true);
    expect(s.nextRunAt).toBe(t0);
    expect(await fire(s, 0)).toEqual({ due: 0, refreshed: 0, failed: 0 });
    expect(s.nextRunAt).toBe(t0 + MIN);
    expect(clock.pending).toEqual([t0 + MIN]);
    // Not a moment early: one millisecond before, no timer fires and nothing is sent.
    expect(clock.advance(MIN - 1)).toBe(0);
    expect(srv.tokenRequests()).toHaveLength(0);
    expect(await fire(s, 1)).toEqual({ due: 1, refreshed: 1, failed: 0 });
    expect(srv.tokenRequests().map((r) => r.form.refresh_token)).toEqual(['r-later']);

    // Now only far-away expiries (the new token lives an hour): capped by checkIntervalMs.
    const ranAt = clock.now();
    expect(s.nextRunAt).toBe(ranAt + 10 * MIN);
    expect(clock.pending).toEqual([ranAt + 10 * MIN]);
    // wake() (system resume, network back) re-plans for now, replacing the planned timer.
    clock.advance(3 * MIN);
    s.wake();
    expect(s.nextRunAt).toBe(clock.now());
    expect(clock.pending).toEqual([clock.now()]);
    expect(await fire(s, 0)).toEqual({ due: 0, refreshed: 0, failed: 0 });
    expect(s.nextRunAt).toBe(clock.now() + 10 * MIN);
  });

  it('pause/resume/stop', async () => {
    account('x', 3600);
    const s = newScheduler();
    s.start();
    await fire(s, 0);
    expect(s.nextRunAt).toBe(clock.now() + 5 * MIN); // the default check interval
    s.pause();
    expect(s.paused).toBe(true);
    expect(s.nextRunAt).toBeNull();
    expect(clock.pending).toEqual([]);
    s.wake(); // paused: wake does not plan
    expect(s.nextRunAt).toBeNull();
    // While paused nothing runs, however much time passes (the account comes due meanwhile).
    expect(clock.advance(2 * 3600_000)).toBe(0);
    expect(srv.tokenRequests()).toHaveLength(0);
    s.resume();
    expect(s.nextRunAt).toBe(clock.now());
    expect(await fire(s, 0)).toEqual({ due: 1, refreshed: 1, failed: 0 });
    await s.stop();
    expect(s.running).toBe(false);
    expect(s.nextRunAt).toBeNull();
    expect(clock.pending).toEqual([]);
  });

  it('stop() waits for refreshes in flight', async () => {
    account('slow', 60);
    const answer = heldAnswer(OK);
    srv.script(answer.response);
    const s = newScheduler();
    s.start();
    expect(clock.advance(0)).toBe(1); // the first run starts
    await answer.arrived;
    // What the vault holds at the moment stop() resolves; the provider answers only after stop() was called.
    let atStop: string | undefined;
    const stopped = s.stop().then(() => {
      atStop = vault.tokens.getToken('local', 'slow')!.accessToken;
    });
    answer.release();
    await stopped;
    expect(atStop).toBe('fresh-access');
  });
});

describe('disconnect during a refresh', () => {
  it('a refresh that completes after the account was deleted does not bring it back', async () => {
    account('leaving', 60);
    const answer = heldAnswer(OK);
    srv.script(answer.response);
    const pending = refresher()
      .refreshIfDue('local', 'leaving')
      .catch((e: unknown) => e);
    await answer.arrived;
    expect(vault.tokens.deleteToken('local', 'leaving')).toBe(true);
    answer.release();
    const err = await pending;
    expect(err).toMatchObject({ name: 'OAuthError', code: 'account_not_found', category: 'not_found' });
    expect(vault.tokens.getToken('local', 'leaving')).toBeNull();
    expect(vault.tokens.database.prepare('SELECT COUNT(*) AS n FROM refresh_leases').get()).toEqual({ n: 0 });
  });
});

describe('disconnect waits for a refresh in flight', () => {
  it('revokes the rotated refresh token the in-flight refresh stored, then deletes', async () => {
    account('rotating', 60);
    const answer = heldAnswer({
      status: 200,
      body: { access_token: 'new-a', refresh_token: 'rt-rotated', expires_in: 3600, token_type: 'Bearer' },
    });
    srv.script(answer.response);
    const providers = registry();
    // The real clock here: disconnect takes the account's lease on the real clock, and must see ours as live.
    const r = new TokenRefresher({ tokens: vault.tokens, providers });
    const refreshing = r.refreshIfDue('local', 'rotating');
    await answer.arrived;
    // Disconnect starts while the provider has not answered yet.
    const disconnecting = disconnectAccount({ tokens: vault.tokens, providers }, 'local', 'rotating');
    answer.release();
    const result = await disconnecting;
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
    const tokens = vault.tokens;
    const r = refresher({ refreshWindowMs: 60 * MIN });
    tokens.saveToken('local', 'storm', { access_token: 'a0', refresh_token: 'r0', expires_in: 3600 });
    const s = newScheduler({}, r);
    expect(await s.runOnce()).toMatchObject({ due: 1, refreshed: 1 });
    // For the next half hour the scheduler (and any caller) finds nothing to do.
    const refreshedAt = clock.now();
    for (const after of [1_000, MIN, 10 * MIN, 29 * MIN]) {
      clock.advance(refreshedAt + after - clock.now());
      expect(tokens.listDue(clock.now(), r.refreshWindowMs)).toEqual([]);
      await expect(r.refreshIfDue('local', 'storm')).resolves.toEqual({ kind: 'fresh' });
      await r.getValidAccessToken('local', 'storm');
    }
    expect(srv.tokenRequests()).toHaveLength(1);
    // The scheduler plans its next run at the middle of the token's lifetime, not "now".
    const issued = tokens.getMetadata('local', 'storm')!.lastRefreshAt!.getTime();
    expect(issued).toBe(refreshedAt);
    expect(tokens.nextDueAt(r.refreshWindowMs, clock.now())).toBe(issued + 30 * MIN);
    clock.advance(issued + 30 * MIN - clock.now());
    expect(await s.runOnce()).toMatchObject({ due: 1, refreshed: 1 });
    expect(srv.tokenRequests()).toHaveLength(2);
  });
});

describe('keep-alive', () => {
  it('refreshes an account nothing asked for once every N days, so an idle grant does not expire', async () => {
    const tokens = vault.tokens;
    const week = 7 * 86_400_000;
    const r = refresher({ keepAliveMs: week });
    // A provider that gives no lifetime: the window never makes this account due.
    srv.script({ status: 200, body: { access_token: 'a1', refresh_token: 'r1', token_type: 'Bearer' } });
    tokens.saveToken('local', 'idle', { access_token: 'a0', refresh_token: 'r0' });
    tokens.saveToken('local', 'no-refresh-token', { access_token: 'b0' });
    const s = newScheduler({}, r);
    const connectedAt = clock.now();
    expect(tokens.nextDueAt(r.refreshWindowMs, clock.now(), r.keepAliveMs)).toBe(connectedAt + week);
    clock.advance(week - MIN);
    expect(await s.runOnce()).toMatchObject({ due: 0 });
    clock.advance(MIN);
    expect(tokens.listDue(clock.now(), r.refreshWindowMs, 100, r.keepAliveMs)).toEqual([{ provider: 'local', userId: 'idle' }]);
    expect(await s.runOnce()).toMatchObject({ due: 1, refreshed: 1 });
    expect(srv.tokenRequests().map((q) => q.form.refresh_token)).toEqual(['r0']);
    // Kept alive for another week; the account without a refresh token is left alone (not marked for re-auth).
    expect(tokens.nextDueAt(r.refreshWindowMs, clock.now(), r.keepAliveMs)).toBe(clock.now() + week);
    expect(tokens.getMetadata('local', 'no-refresh-token')!.status).toBe('active');
    clock.advance(86_400_000);
    expect(await s.runOnce()).toMatchObject({ due: 0 });
  });
});
