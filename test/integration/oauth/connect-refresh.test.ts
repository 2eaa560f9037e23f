/**
 * The connect flow, refresh and disconnect against a real OpenID Provider on loopback.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import {
  browseAuthorization,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  PUBLIC_CLIENT_ID,
  startTestProvider,
  type TestProvider,
} from '../../helpers/oidc-provider.js';
import { ageToken, openVault, TEST_SCOPES, testRegistry, type Vault } from '../../helpers/oidc-fixtures.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { SecurityLogger } from '../../../src/main/core/audit/security-logger.js';
import { connectAccount, disconnectAccount } from '../../../src/main/core/oauth/connect-flow.js';
import { ProviderRegistry } from '../../../src/main/core/oauth/providers/registry.js';
import { TokenRefresher } from '../../../src/main/core/oauth/token-refresher.js';

let op: TestProvider;
let vault: Vault;

beforeAll(async () => {
  op = await startTestProvider();
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => {
  vault = openVault();
  op.resetCounts();
});
afterEach(() => vault.cleanup());

function deps(providers = testRegistry(op.issuer)) {
  return { tokens: vault.tokens, providers, log: vault.log, events: vault.events };
}

async function connect(login = 'alice', d = deps()) {
  let page: { status: number; body: string } | undefined;
  const meta = await connectAccount(d, 'testop', {
    openUrl: async (url) => {
      page = await browseAuthorization(url, { login });
    },
    timeoutMs: 20_000,
  });
  return { meta, page: page! };
}

describe('reconnect', () => {
  it('sends login_hint and refuses another identity with account_mismatch, storing nothing', async () => {
    const { meta } = await connect('alice');
    const before = vault.tokens.getToken('testop', meta.userId)!;
    let hint: string | null = null;
    const err = await connectAccount(deps(), 'testop', {
      reconnect: { userId: meta.userId },
      openUrl: async (url) => {
        hint = new URL(url).searchParams.get('login_hint');
        await browseAuthorization(url, { login: 'mallory' });
      },
      timeoutMs: 20_000,
    }).catch((e: unknown) => e);
    expect(hint).toBe(meta.userId);
    expect(err).toMatchObject({ code: 'account_mismatch' });
    expect(vault.tokens.listTokens().map((t) => t.userId)).toEqual([meta.userId]);
    expect(vault.tokens.getToken('testop', meta.userId)!.refreshToken).toBe(before.refreshToken);
    // Signing in as the right account reconnects it.
    const again = await connectAccount(deps(), 'testop', {
      reconnect: { userId: meta.userId },
      openUrl: async (url) => void (await browseAuthorization(url, { login: 'alice' })),
      timeoutMs: 20_000,
    });
    expect(again.userId).toBe(meta.userId);
    expect(vault.tokens.getToken('testop', meta.userId)!.refreshToken).not.toBe(before.refreshToken);
  });
});

describe('connectAccount against oidc-provider', () => {
  it('runs code + PKCE + state + nonce through the login and consent pages and stores tokens and identity', async () => {
    let seenUrl = '';
    const d = deps();
    const meta = await connectAccount(d, 'testop', {
      openUrl: async (url) => {
        seenUrl = url;
        const page = await browseAuthorization(url, { login: 'alice' });
        expect(page.status).toBe(200);
        expect(page.body).toContain('Signed in');
      },
      timeoutMs: 20_000,
    });
    const auth = new URL(seenUrl);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.searchParams.get('state')).toBeTruthy();
    expect(auth.searchParams.get('nonce')).toBeTruthy();
    expect(auth.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    // Identity: oidc-provider keeps scope claims out of the ID token, so the email came from userinfo.
    expect(meta.userId).toBe('alice@example.test');
    expect(meta.displayName).toBe('Test alice');
    expect(meta.hasRefreshToken).toBe(true);
    expect(meta.status).toBe('active');
    const stored = vault.tokens.getToken('testop', 'alice@example.test')!;
    expect(stored.accessToken).toBeTruthy();
    expect(stored.refreshToken).toBeTruthy();
    expect(stored.idToken?.split('.')).toHaveLength(3);
    expect(stored.scopes).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    expect(op.count('authorization_code')).toBe(1);

    expect(vault.emitted.some((e) => e.name === 'accounts-changed')).toBe(true);
    const log = vault.log.of('connect');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ provider: 'testop', userId: 'alice@example.test', success: true });
    // The redirect listener is gone after its one callback.
    const port = new URL(auth.searchParams.get('redirect_uri')!).port;
    await expect(fetch(`http://127.0.0.1:${port}/callback`)).rejects.toThrow();
  });

  it('works for a confidential client (client_secret_post) too', async () => {
    const d = deps(testRegistry(op.issuer, { clientId: CONFIDENTIAL_CLIENT_ID, clientSecret: CONFIDENTIAL_CLIENT_SECRET }));
    const { meta } = await connect('carol', d);
    expect(meta.userId).toBe('carol@example.test');
    const r = new TokenRefresher({ tokens: vault.tokens, providers: d.providers });
    await r.refreshNow('testop', meta.userId);
    expect(op.count('refresh_token')).toBe(1);
  });

  it('a second account with the same e-mail (another sub) does not replace the connected one', async () => {
    const { meta } = await connect('dora');
    const before = vault.tokens.getToken('testop', meta.userId)!;
    // e.g. a Microsoft personal account and a work account that share one address
    const err = await connect('dora~work').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'account_conflict' });
    expect(vault.tokens.getToken('testop', meta.userId)).toEqual(before);
    // Reconnecting the same account (same sub) still updates it.
    await connect('dora');
    expect(vault.tokens.getToken('testop', meta.userId)!.refreshToken).not.toBe(before.refreshToken);
  });

  it('times out with a typed error when the user never finishes, and closes the listener', async () => {
    let redirect = '';
    const err = await connectAccount(deps(), 'testop', {
      openUrl: (url) => {
        redirect = new URL(url).searchParams.get('redirect_uri')!;
      },
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'OAuthError', code: 'timeout', category: 'transient' });
    await expect(fetch(redirect)).rejects.toThrow();
    expect(vault.tokens.count()).toBe(0);
  });

  it('is cancelled through an AbortSignal', async () => {
    const ac = new AbortController();
    const err = await connectAccount(deps(), 'testop', {
      openUrl: () => {
        setImmediate(() => ac.abort());
      },
      signal: ac.signal,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'OAuthError', code: 'cancelled', category: 'usage' });
  });

  it('ignores other paths and callbacks with a foreign state; answers the real one', async () => {
    const meta = await connectAccount(deps(), 'testop', {
      openUrl: async (url) => {
        const redirect = new URL(url).searchParams.get('redirect_uri')!;
        const other = await fetch(new URL('/favicon.ico', redirect));
        expect(other.status).toBe(404);
        const forged = await fetch(`${redirect}?code=forged&state=not-ours`);
        expect(forged.status).toBe(400);
        const page = await browseAuthorization(url, { login: 'dave' });
        expect(page.status).toBe(200);
      },
      timeoutMs: 20_000,
    });
    expect(meta.userId).toBe('dave@example.test');
  });

  it('shows an error page and throws a typed error when the user denies (error in the callback)', async () => {
    const err = await connectAccount(deps(), 'testop', {
      openUrl: async (url) => {
        const u = new URL(url);
        const redirect = u.searchParams.get('redirect_uri')!;
        const res = await fetch(
          `${redirect}?error=access_denied&error_description=user+said+no&state=${u.searchParams.get('state')}&iss=${encodeURIComponent(op.issuer)}`,
        );
        expect(res.status).toBe(400);
        const body = await res.text();
        expect(body).toContain('access_denied');
      },
      timeoutMs: 20_000,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'access_denied', name: 'OAuthError', category: 'reauth' });
  });

  it('logs a failed connect as a failed OAuth event of its provider (not a provider-less error)', async () => {
    const logDir = makeTmpHome('osmen-connect-log-');
    const log = new SecurityLogger({ logFile: join(logDir.dir, 'security.log'), hmacKey: Buffer.alloc(32, 7) });
    try {
      await connectAccount({ ...deps(), log }, 'testop', {
        openUrl: async (url) => {
          const u = new URL(url);
          await fetch(
            `${u.searchParams.get('redirect_uri')}?error=access_denied&state=${u.searchParams.get('state')}&iss=${encodeURIComponent(op.issuer)}`,
          );
        },
        timeoutMs: 20_000,
      }).catch(() => undefined);
      expect(log.readRecent(1)[0]).toMatchObject({
        event: 'connect',
        category: 'oauth',
        level: 'warn',
        provider: 'testop',
        success: false,
        details: { error: 'access_denied' },
      });
    } finally {
      log.close();
      logDir.cleanup();
    }
  });
});

describe('refresh and disconnect against oidc-provider', () => {
  it('refreshes with rotation; the stored refresh token is the new one and still works', async () => {
    const { meta } = await connect('bob');
    const before = vault.tokens.getToken('testop', meta.userId)!;
    ageToken(vault.tokens, 'testop', meta.userId, 60); // inside the 5-minute window
    const r = new TokenRefresher({ tokens: vault.tokens, providers: testRegistry(op.issuer), log: vault.log, events: vault.events });
    const access = await r.getValidAccessToken('testop', meta.userId);
    const after = vault.tokens.getToken('testop', meta.userId)!;
    expect(access).toBe(after.accessToken);
    expect(access).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken); // rotated and persisted
    expect(after.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(op.count('refresh_token')).toBe(1);
    expect(vault.emitted.filter((e) => e.name === 'token-refreshed')).toHaveLength(1);
    expect(vault.log.of('refresh')[0]).toMatchObject({ success: true, details: { rotated: true } });

    // A fresh token is served without a token request.
    await r.getValidAccessToken('testop', meta.userId);
    expect(op.count('refresh_token')).toBe(1);
    // And the persisted (rotated) refresh token is the live one.
    await r.refreshNow('testop', meta.userId);
    expect(op.count('refresh_token')).toBe(2);
    expect(op.tokenRequests.every((t) => t.status === 200)).toBe(true);
  });

  it('disconnect revokes the grant at the provider (RFC 7009) and deletes locally', async () => {
    const { meta } = await connect('erin');
    const stored = vault.tokens.getToken('testop', meta.userId)!;
    const d = deps();
    const result = await disconnectAccount(d, 'testop', meta.userId);
    expect(result).toEqual({ deleted: true, revocation: 'revoked' });
    expect(vault.tokens.getToken('testop', meta.userId)).toBeNull();
    // The revoked refresh token no longer works at the provider.
    const err = await d.providers
      .getHandler('testop')
      .refreshToken(stored.refreshToken!)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_grant', needsReauth: true });
    expect(vault.log.of('disconnect')[0]).toMatchObject({ success: true, details: { revocation: 'revoked' } });
    expect(await disconnectAccount(d, 'testop', meta.userId)).toEqual({ deleted: false, revocation: 'none' });
  });

  it('disconnect still deletes locally when revocation fails (provider down), and logs it', async () => {
    const { meta } = await connect('frank');
    // The same issuer, unreachable now (the network is down): discovery fails.
    const down = new ProviderRegistry({ env: {}, fetch: () => Promise.reject(new TypeError('fetch failed')) });
    down.register({ id: 'testop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: TEST_SCOPES });
    const result = await disconnectAccount({ tokens: vault.tokens, providers: down, log: vault.log }, 'testop', meta.userId);
    expect(result).toEqual({ deleted: true, revocation: 'failed' });
    expect(vault.log.of('revocation')[0]).toMatchObject({ success: false });
  });

  it('sets needs_reauth when the grant was revoked at the provider, and stops calling it', async () => {
    const { meta } = await connect('gina');
    const stored = vault.tokens.getToken('testop', meta.userId)!;
    const providers = testRegistry(op.issuer);
    // The user revokes the app's access at the provider (outside this app).
    await providers.getHandler('testop').revokeToken(stored.refreshToken!, 'refresh_token');
    ageToken(vault.tokens, 'testop', meta.userId, 10);
    const r = new TokenRefresher({ tokens: vault.tokens, providers, log: vault.log, events: vault.events });
    const err = await r.getValidAccessToken('testop', meta.userId).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'OAuthError', phase: 'refresh' });
    expect(err).toMatchObject({ needsReauth: true, code: 'invalid_grant' });
    const m = vault.tokens.getMetadata('testop', meta.userId)!;
    expect(m.status).toBe('needs_reauth');
    expect(m.statusDetail).toBe('invalid_grant');
    expect(vault.emitted.find((e) => e.name === 'needs-reauth')?.payload).toMatchObject({ provider: 'testop', reason: 'invalid_grant' });
    expect(vault.log.of('needs_reauth')).toHaveLength(1);
    const calls = op.count('refresh_token');
    expect(calls).toBe(1);
    // Never again until reconnect.
    await expect(r.getValidAccessToken('testop', meta.userId)).rejects.toMatchObject({ needsReauth: true });
    expect(await r.checkAndRefreshToken('testop', meta.userId)).toBe(false);
    await expect(r.refreshNow('testop', meta.userId)).rejects.toMatchObject({ needsReauth: true });
    expect(op.count('refresh_token')).toBe(calls);
    // Reconnecting resets the status.
    const again = await connect('gina');
    expect(again.meta.status).toBe('active');
  });
});
