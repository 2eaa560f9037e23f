/**
 * Refresh failures from a scripted token server on loopback (explicit-endpoints provider):
 * backoff on 503 and 429 (Retry-After seconds and HTTP-date), serving the current token
 * while it is valid, Google's refresh response without refresh_token, Microsoft AADSTS
 * bodies (re-auth vs configuration), HTML errors and an unreachable server.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  GOOGLE_INVALID_RAPT,
  GOOGLE_REFRESH_RESPONSE,
  microsoftError,
  startScriptedTokenServer,
  type ScriptedServer,
} from '../../helpers/http-fixtures.js';
import { openVault, type Vault } from '../../helpers/oidc-fixtures.js';
import type { OAuthError } from '../../../src/main/core/oauth/errors.js';
import { ProviderRegistry } from '../../../src/main/core/oauth/providers/registry.js';
import { TokenRefresher } from '../../../src/main/core/oauth/token-refresher.js';

let srv: ScriptedServer;
let vault: Vault;
let offset = 0;
const now = () => Date.now() + offset;
const USER = 'user@example.test';
const OLD_RT = '1//old-refresh-token-for-tests';

beforeAll(async () => {
  srv = await startScriptedTokenServer();
});
afterAll(async () => {
  await srv.close();
});
beforeEach(() => {
  vault = openVault();
  offset = 0;
  srv.requests.length = 0;
});
afterEach(() => vault.cleanup());

function registry(clientSecret?: string): ProviderRegistry {
  const providers = new ProviderRegistry({ env: {} });
  providers.register({
    id: 'local',
    endpoints: srv.endpoints,
    clientId: 'client-1',
    clientSecret,
    scopes: ['read'],
  });
  return providers;
}

function refresher(providers = registry()) {
  return new TokenRefresher({
    tokens: vault.tokens,
    providers,
    log: vault.log,
    events: vault.events,
    now,
    random: () => 0.5,
    backoff: { baseMs: 30_000, maxMs: 3_600_000 },
  });
}

function store(expiresInSec: number) {
  vault.tokens.saveToken('local', USER, { access_token: 'old-access', refresh_token: OLD_RT, expires_in: expiresInSec, scope: 'read' });
}

describe('transient failures back off', () => {
  it('503: refresh_failing with exponential backoff; the still-valid token keeps being served', async () => {
    store(120); // due (window 5 min) but valid for 2 more minutes
    srv.script({ status: 503, headers: { 'content-type': 'text/html' }, body: '<html><title>Service Unavailable</title></html>' });
    const r = refresher();
    const t0 = now();
    expect(await r.getValidAccessToken('local', USER)).toBe('old-access');
    let m = vault.tokens.getMetadata('local', USER)!;
    expect(m.status).toBe('refresh_failing');
    expect(m.failureCount).toBe(1);
    // equal jitter with random 0.5: 30 s * (0.5 + 0.25)
    expect(m.nextAttemptAt!.getTime() - t0).toBeGreaterThanOrEqual(22_500);
    expect(m.nextAttemptAt!.getTime() - t0).toBeLessThan(22_500 + 1_000);
    const failed = vault.emitted.find((e) => e.name === 'refresh-failed')!.payload as { code: string; retryAt: number };
    expect(failed.code).toBe('server_error');
    expect(vault.log.of('refresh')[0]).toMatchObject({ success: false, details: { status: 503, retryable: true } });

    // Inside the backoff: no request, same token.
    expect(await r.getValidAccessToken('local', USER)).toBe('old-access');
    expect(srv.tokenRequests()).toHaveLength(1);

    // After the backoff: tried again, fails again, the delay doubles.
    offset = 25_000;
    expect(await r.getValidAccessToken('local', USER)).toBe('old-access');
    expect(srv.tokenRequests()).toHaveLength(2);
    m = vault.tokens.getMetadata('local', USER)!;
    expect(m.failureCount).toBe(2);
    expect(m.nextAttemptAt!.getTime() - now()).toBeGreaterThanOrEqual(45_000 - 1_000);

    // The provider recovers: success resets the status.
    srv.script({ status: 200, body: { access_token: 'new-access', refresh_token: 'rt-2', expires_in: 3600, token_type: 'Bearer' } });
    offset = 80_000;
    expect(await r.getValidAccessToken('local', USER)).toBe('new-access');
    m = vault.tokens.getMetadata('local', USER)!;
    expect(m).toMatchObject({ status: 'active', failureCount: 0, nextAttemptAt: null });
    expect(vault.tokens.getToken('local', USER)!.refreshToken).toBe('rt-2');
  });

  it('429 with Retry-After seconds: the next attempt waits at least that long', async () => {
    store(120);
    srv.script({ status: 429, headers: { 'retry-after': '600' }, body: '' });
    const r = refresher();
    const t0 = now();
    expect(await r.getValidAccessToken('local', USER)).toBe('old-access');
    const m = vault.tokens.getMetadata('local', USER)!;
    expect(m.status).toBe('refresh_failing');
    expect(m.nextAttemptAt!.getTime() - t0).toBeGreaterThanOrEqual(600_000);
    expect(m.statusDetail).toBe('rate_limited');
  });

  it('429 with Retry-After as an HTTP-date, JSON body', async () => {
    store(120);
    const at = new Date(Date.now() + 900_000);
    srv.script({ status: 429, headers: { 'retry-after': at.toUTCString() }, body: { error: 'slow_down' } });
    const r = refresher();
    const o = await r.refreshIfDue('local', USER);
    expect(o.kind).toBe('failed');
    const err = (o as { error: unknown }).error;
    expect(err).toMatchObject({ name: 'OAuthError', category: 'transient', retryable: true });
    expect((err as OAuthError).retryAfterMs).toBeGreaterThan(890_000);
    const m = vault.tokens.getMetadata('local', USER)!;
    expect(m.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(at.getTime() - 1_000);
  });

  it('an expired token with a failing refresh throws a retryable typed error with retryAfterMs', async () => {
    store(10); // inside the 30 s safety margin: not servable
    srv.script({ status: 503, headers: { 'retry-after': '120' }, body: { error: 'temporarily_unavailable' } });
    const r = refresher();
    const err = await r.getValidAccessToken('local', USER).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'OAuthError', category: 'transient', retryable: true });
    expect(err).toMatchObject({ code: 'temporarily_unavailable', retryable: true, needsReauth: false, retryAfterMs: 120_000 });
    // During the backoff: a typed error again, no request.
    const again = await r.getValidAccessToken('local', USER).catch((e: unknown) => e);
    expect(again).toMatchObject({ name: 'OAuthError', phase: 'refresh' });
    expect(again).toMatchObject({ code: 'token_expired', retryable: true });
    expect((again as OAuthError).retryAfterMs).toBeGreaterThan(100_000);
    expect(srv.tokenRequests()).toHaveLength(1);
  });

  it('an unreachable server is a retryable network error', async () => {
    store(120);
    const dead = await startScriptedTokenServer();
    await dead.close();
    const providers = new ProviderRegistry({ env: {} });
    providers.register({ id: 'local', endpoints: dead.endpoints, clientId: 'c', scopes: ['read'] });
    const o = await refresher(providers).refreshIfDue('local', USER);
    expect(o.kind).toBe('failed');
    expect((o as { error: unknown }).error).toMatchObject({ name: 'OAuthError', code: 'network_error', category: 'transient' });
    expect(vault.tokens.getMetadata('local', USER)).toMatchObject({ status: 'refresh_failing', statusDetail: 'network_error' });
  });
});

describe('provider-specific bodies', () => {
  it('Google: a refresh response without refresh_token keeps the stored one; the secret is sent in the body', async () => {
    store(60);
    srv.script({ status: 200, body: GOOGLE_REFRESH_RESPONSE });
    const r = refresher(registry('GOCSPX-test-secret'));
    expect(await r.getValidAccessToken('local', USER)).toBe(GOOGLE_REFRESH_RESPONSE.access_token);
    const stored = vault.tokens.getToken('local', USER)!;
    expect(stored.refreshToken).toBe(OLD_RT);
    expect(stored.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    const req = srv.tokenRequests()[0]!;
    expect(req.form).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: OLD_RT,
      client_id: 'client-1',
      client_secret: 'GOCSPX-test-secret',
    });
    expect(vault.log.of('refresh')[0]).toMatchObject({ success: true, details: { rotated: false } });
  });

  it('Google invalid_grant / invalid_rapt: needs_reauth with the subtype kept', async () => {
    store(60);
    srv.script({ status: 400, body: GOOGLE_INVALID_RAPT });
    const r = refresher();
    const err = await r.getValidAccessToken('local', USER).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_grant', needsReauth: true, providerCodes: ['invalid_rapt'] });
    expect(vault.tokens.getMetadata('local', USER)).toMatchObject({ status: 'needs_reauth', statusDetail: 'invalid_grant (invalid_rapt)' });
  });

  it('Microsoft AADSTS70008 (expired refresh token): needs_reauth', async () => {
    store(60);
    srv.script({
      status: 400,
      body: microsoftError('invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.'),
    });
    const o = await refresher().refreshIfDue('local', USER);
    expect(o.kind).toBe('failed');
    expect(vault.tokens.getMetadata('local', USER)).toMatchObject({ status: 'needs_reauth', statusDetail: 'invalid_grant (AADSTS70008)' });
    expect(vault.emitted.some((e) => e.name === 'needs-reauth')).toBe(true);
  });

  it('Microsoft AADSTS7000215 (invalid client secret): a configuration error, not re-auth; long backoff', async () => {
    store(120);
    srv.script({ status: 401, body: microsoftError('invalid_client', 7000215, 'Invalid client secret provided.') });
    const t0 = now();
    const o = await refresher().refreshIfDue('local', USER);
    expect(o.kind).toBe('failed');
    expect((o as { error: { name: string; needsReauth: boolean } }).error).toMatchObject({
      name: 'OAuthError',
      category: 'configuration',
      needsReauth: false,
    });
    const m = vault.tokens.getMetadata('local', USER)!;
    expect(m.status).toBe('refresh_failing');
    expect(m.nextAttemptAt!.getTime() - t0).toBeGreaterThanOrEqual(3_600_000);
  });

  it('never puts the refresh token or client secret into errors, logs or events', async () => {
    store(10); // expired for serving purposes: the error is thrown
    srv.script({
      status: 400,
      body: { error: 'invalid_request', error_description: `bad refresh_token ${OLD_RT} with client_secret=GOCSPX-test-secret` },
    });
    const err = await refresher(registry('GOCSPX-test-secret'))
      .getValidAccessToken('local', USER)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const everything = JSON.stringify([
      String(err),
      (err as Error).message,
      (err as { description?: string }).description,
      vault.log.records,
      vault.emitted,
    ]);
    expect(everything).not.toContain(OLD_RT);
    expect(everything).not.toContain('GOCSPX-test-secret');
    expect(everything).not.toContain('old-access');
  });
});

describe('losing the refresh race is not a re-auth', () => {
  it('invalid_grant after another process stored a newer refresh token: its result is used, the account stays active', async () => {
    store(60);
    srv.script({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'refresh token already used' },
      // While our request is out, another process (its lease long expired for us) refreshed and saved.
      beforeAnswer: () =>
        void vault.tokens.saveToken('local', USER, {
          access_token: 'access-from-elsewhere',
          refresh_token: 'rt-from-elsewhere',
          expires_in: 3600,
        }),
    });
    const r = refresher();
    await expect(r.refreshIfDue('local', USER)).resolves.toEqual({ kind: 'refreshed_elsewhere' });
    expect(srv.tokenRequests().map((q) => q.form.refresh_token)).toEqual([OLD_RT]);
    const m = vault.tokens.getMetadata('local', USER)!;
    expect(m.status).toBe('active');
    expect(vault.log.of('needs_reauth')).toEqual([]);
    expect(await r.getValidAccessToken('local', USER)).toBe('access-from-elsewhere');
  });

  it('invalid_grant with no newer token stored is a real loss: needs re-auth', async () => {
    store(60);
    srv.script({ status: 400, body: { error: 'invalid_grant' } });
    await expect(refresher().refreshIfDue('local', USER)).resolves.toMatchObject({ kind: 'failed', error: { needsReauth: true } });
    expect(vault.tokens.getMetadata('local', USER)!.status).toBe('needs_reauth');
  });
});
