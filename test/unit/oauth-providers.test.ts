/**
 * ProviderRegistry: built-in Google and Microsoft definitions (exercised through
 * openid-client with a fetch that serves their documented discovery documents),
 * loopback-only http, configuration errors, identity rules, backoff and the opener.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/main/core/oauth/backoff.js';
import { checkEndpointUrl, isLoopbackHost } from '../../src/main/core/oauth/loopback.js';
import { identityFromClaims } from '../../src/main/core/oauth/connect-flow.js';
import { openerCommand, openSystemBrowser } from '../../src/main/core/oauth/system-browser.js';
import { ProviderRegistry } from '../../src/main/core/oauth/providers/registry.js';

type Route = (url: URL, init: RequestInit | undefined) => Response | Promise<Response>;
function fakeFetch(routes: Record<string, Route>, seen: Array<{ url: string; body: string }> = []): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    seen.push({ url: url.href, body: init?.body ? String(init.body) : '' });
    const route = routes[`${url.origin}${url.pathname}`];
    if (!route) return new Response('not found', { status: 404 });
    return route(url, init);
  }) as typeof fetch;
}
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

// Google's discovery document (abridged from https://accounts.google.com/.well-known/openid-configuration).
const GOOGLE_DISCOVERY = {
  issuer: 'https://accounts.google.com',
  authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
  token_endpoint: 'https://oauth2.googleapis.com/token',
  userinfo_endpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
  revocation_endpoint: 'https://oauth2.googleapis.com/revoke',
  jwks_uri: 'https://www.googleapis.com/oauth2/v3/certs',
  response_types_supported: ['code'],
  code_challenge_methods_supported: ['plain', 'S256'],
};

describe('ProviderRegistry built-ins', () => {
  it('lists google, microsoft and github as not configured, naming the env var to set', () => {
    const reg = new ProviderRegistry({ env: {} });
    const list = reg.list();
    expect(list.map((p) => p.id)).toEqual(['google', 'microsoft', 'github']);
    expect(list[0]).toMatchObject({
      kind: 'oidc',
      builtin: true,
      configured: false,
      issuer: 'https://accounts.google.com',
      supportsRevocation: true,
      revokeAt: 'https://myaccount.google.com/permissions',
      look: { mark: 'G', color: expect.stringMatching(/^#[0-9a-f]{6}$/) },
      options: [],
    });
    // Connect's words point at the app's own settings, not at a variable.
    expect(list[0]!.setupHint).toMatch(
      /^Add the app’s Google client id in Settings → Providers\. Create an OAuth client of type “Desktop app”/,
    );
    expect(list[0]!.setupHint).not.toContain('GOOGLE_CLIENT_ID');
    expect(list[0]!.configHint).toContain('GOOGLE_CLIENT_ID');
    expect(list[1]).toMatchObject({
      kind: 'oidc',
      builtin: true,
      configured: false,
      issuer: 'https://login.microsoftonline.com/common/v2.0',
      supportsRevocation: false,
      options: [expect.objectContaining({ name: 'tenant', label: 'Tenant', value: 'common' })],
    });
    const err = (() => {
      try {
        reg.getHandler('microsoft');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ name: 'OAuthError', category: 'configuration' });
    expect(err).toMatchObject({ code: 'not_configured' });
    expect((err as Error).message).toContain('MICROSOFT_CLIENT_ID');
    expect(() => reg.getHandler('nope')).toThrow(expect.objectContaining({ category: 'configuration' }));
  });

  it('Google: discovery, offline access + consent on authorize, client secret sent with the refresh', async () => {
    const seen: Array<{ url: string; body: string }> = [];
    const reg = new ProviderRegistry({
      env: { GOOGLE_CLIENT_ID: 'id.apps.googleusercontent.com', GOOGLE_CLIENT_SECRET: 'GOCSPX-s' },
      fetch: fakeFetch(
        {
          'https://accounts.google.com/.well-known/openid-configuration': () => json(GOOGLE_DISCOVERY),
          'https://oauth2.googleapis.com/token': () =>
            json({ access_token: 'ya29.x', expires_in: 3599, token_type: 'Bearer', scope: 'openid' }),
          'https://oauth2.googleapis.com/revoke': () => new Response('', { status: 200 }),
        },
        seen,
      ),
    });
    expect(reg.list()[0]!.configured).toBe(true);
    const h = reg.getHandler('google');
    expect(h.scopes).toEqual(['openid', 'email', 'profile']);
    const url = await h.buildAuthorizationUrl({
      redirect_uri: 'http://127.0.0.1:5000/callback',
      state: 's',
      code_challenge: 'c',
      code_challenge_method: 'S256',
    });
    expect(url.origin + url.pathname).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'id.apps.googleusercontent.com',
      scope: 'openid email profile',
      access_type: 'offline',
      prompt: 'consent',
      response_type: 'code',
    });
    const r = await h.refreshToken('1//rt');
    expect(r).toMatchObject({ access_token: 'ya29.x', expires_in: 3599 });
    expect(r.refresh_token).toBeUndefined();
    const body = new URLSearchParams(seen.find((s) => s.url === 'https://oauth2.googleapis.com/token')!.body);
    expect(Object.fromEntries(body)).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: '1//rt',
      client_id: 'id.apps.googleusercontent.com',
      client_secret: 'GOCSPX-s',
    });
    await h.revokeGrant({ accessToken: 'ya29.x', refreshToken: '1//rt', expiresAt: null });
    expect(new URLSearchParams(seen.at(-1)!.body).get('token')).toBe('1//rt');
  });

  it('Google: revoking an already revoked token (400 invalid_token) counts as done', async () => {
    const reg = new ProviderRegistry({
      env: { GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 's' },
      fetch: fakeFetch({
        'https://accounts.google.com/.well-known/openid-configuration': () => json(GOOGLE_DISCOVERY),
        'https://oauth2.googleapis.com/revoke': () => json({ error: 'invalid_token', error_description: 'Token expired or revoked' }, 400),
      }),
    });
    await expect(
      reg.getHandler('google').revokeGrant({ accessToken: 'ya29.x', refreshToken: '1//x', expiresAt: null }),
    ).resolves.toBeUndefined();
  });

  describe('Microsoft', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    function sign(claims: Record<string, unknown>): string {
      const input = `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64(claims)}`;
      return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
    }
    // The multi-tenant discovery document's issuer is a template (reference/oauth-facts.md).
    const discovery = (tenant: string) => ({
      issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
      authorization_endpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/authorize`,
      token_endpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
      jwks_uri: `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      response_types_supported: ['code'],
    });

    function registry(env: NodeJS.ProcessEnv, idTokenIss: (tid: string) => string, seen: Array<{ url: string; body: string }>) {
      const tenant = env.MICROSOFT_TENANT ?? 'common';
      const tid = randomUUID();
      return new ProviderRegistry({
        env,
        fetch: fakeFetch(
          {
            [`https://login.microsoftonline.com/${tenant}/v2.0/.well-known/openid-configuration`]: () => json(discovery(tenant)),
            [`https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`]: () => json({ keys: [jwk] }),
            [`https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`]: (_u, init) => {
              const form = new URLSearchParams(String(init?.body));
              const now = Math.floor(Date.now() / 1000);
              return json({
                token_type: 'Bearer',
                scope: 'openid profile email offline_access',
                expires_in: 3600,
                access_token: 'eyJ0eXAi.access',
                refresh_token: 'M.rotated-refresh',
                id_token: sign({
                  iss: idTokenIss(tid),
                  aud: env.MICROSOFT_CLIENT_ID,
                  sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
                  tid,
                  email: 'user@contoso.example',
                  name: 'Megan',
                  nonce: form.get('grant_type') === 'authorization_code' ? 'n-1' : undefined,
                  iat: now,
                  nbf: now,
                  exp: now + 3600,
                }),
              });
            },
          },
          seen,
        ),
      });
    }

    it('public client: no secret sent, offline_access requested, tenant issuer template validated with tid', async () => {
      const seen: Array<{ url: string; body: string }> = [];
      const reg = registry({ MICROSOFT_CLIENT_ID: 'ms-client' }, (tid) => `https://login.microsoftonline.com/${tid}/v2.0`, seen);
      const h = reg.getHandler('microsoft');
      expect(h.scopes).toEqual(['offline_access', 'openid', 'profile', 'email']);
      expect(h.supportsRevocation).toBe(false);
      await expect(h.revokeGrant({ accessToken: 'a', refreshToken: 'x', expiresAt: null })).rejects.toMatchObject({
        code: 'revocation_unsupported',
      });
      const tokens = await h.exchangeCode(new URL('http://127.0.0.1:1234/callback?code=c1&state=s1'), {
        pkceCodeVerifier: 'v'.repeat(43),
        expectedState: 's1',
        expectedNonce: 'n-1',
      });
      expect(tokens.claims()).toMatchObject({ email: 'user@contoso.example' });
      const form = new URLSearchParams(seen.find((s) => s.url.endsWith('/oauth2/v2.0/token'))!.body);
      expect(form.get('client_id')).toBe('ms-client');
      expect(form.has('client_secret')).toBe(false);
      expect(form.get('code_verifier')).toBe('v'.repeat(43));
      const refreshed = await h.refreshToken('M.old');
      expect(refreshed.refresh_token).toBe('M.rotated-refresh');
    });

    it('rejects an ID token whose iss does not match the template with its own tid', async () => {
      const reg = registry({ MICROSOFT_CLIENT_ID: 'ms-client' }, () => `https://login.microsoftonline.com/${randomUUID()}/v2.0`, []);
      const err = await reg
        .getHandler('microsoft')
        .exchangeCode(new URL('http://127.0.0.1:1234/callback?code=c1&state=s1'), {
          pkceCodeVerifier: 'v'.repeat(43),
          expectedState: 's1',
          expectedNonce: 'n-1',
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'OAuthError', phase: 'token', code: 'invalid_id_token' });
    });

    it('tenant from MICROSOFT_TENANT; a confidential registration sends its secret', async () => {
      const seen: Array<{ url: string; body: string }> = [];
      const reg = registry(
        { MICROSOFT_CLIENT_ID: 'ms', MICROSOFT_CLIENT_SECRET: 'ms-secret', MICROSOFT_TENANT: 'organizations' },
        (tid) => `https://login.microsoftonline.com/${tid}/v2.0`,
        seen,
      );
      expect(reg.list()[1]!.issuer).toBe('https://login.microsoftonline.com/organizations/v2.0');
      await reg.getHandler('microsoft').refreshToken('M.old');
      expect(new URLSearchParams(seen.at(-1)!.body).get('client_secret')).toBe('ms-secret');
    });

    it('validates the tenant', () => {
      expect(new ProviderRegistry({ env: { MICROSOFT_TENANT: 'consumers' } }).list()[1]!.issuer).toContain('/consumers/');
      expect(new ProviderRegistry({ env: { MICROSOFT_TENANT: '72f988bf-86f1-41af-91ab-2d7cd011db47' } }).list()[1]!.issuer).toContain(
        '72f988bf',
      );
      expect(new ProviderRegistry({ env: { MICROSOFT_TENANT: 'contoso.onmicrosoft.com' } }).list()[1]!.issuer).toContain(
        'contoso.onmicrosoft.com',
      );
      // A bad tenant is a configuration problem of Microsoft alone, never a failure of the whole registry.
      for (const bad of ['evil.com/../x', 'foo']) {
        const reg = new ProviderRegistry({ env: { MICROSOFT_TENANT: bad, MICROSOFT_CLIENT_ID: 'c', GOOGLE_CLIENT_ID: 'g' } });
        const ms = reg.list().find((p) => p.id === 'microsoft')!;
        expect(ms).toMatchObject({ configured: false });
        expect(ms.configHint).toMatch(/tenant .* is not valid/);
        expect(() => reg.getHandler('microsoft')).toThrow(expect.objectContaining({ code: 'invalid_tenant' }));
        expect(reg.getHandler('google').kind).toBe('oidc');
      }
    });

    it("an account keeps the tenant it signed in with; an issuer that is not Microsoft's is refused", () => {
      const reg = new ProviderRegistry({ env: { MICROSOFT_TENANT: 'consumers', MICROSOFT_CLIENT_ID: 'c' } });
      const own = 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0';
      expect(reg.handlerFor('microsoft', own).issuer).toBe(own);
      expect(reg.handlerFor('microsoft', null).issuer).toContain('/consumers/');
      expect(() => reg.handlerFor('microsoft', 'https://login.evil.example/contoso/v2.0')).toThrow(
        expect.objectContaining({ code: 'issuer_mismatch' }),
      );
      expect(() => reg.handlerFor('google', 'http://127.0.0.1:9999')).toThrow(expect.objectContaining({ code: 'issuer_mismatch' }));
    });
  });

  it('a built-in id can never be pointed at another issuer or endpoints', () => {
    const reg = new ProviderRegistry({ env: { GOOGLE_CLIENT_ID: 'g' } });
    expect(() => reg.register({ id: 'google', issuer: 'http://127.0.0.1:4000', clientId: 'c', scopes: ['openid'] })).toThrow(
      expect.objectContaining({ code: 'provider_id_taken' }),
    );
    expect(() =>
      reg.register({
        id: 'microsoft',
        endpoints: { authorization: 'http://127.0.0.1/a', token: 'http://127.0.0.1/t' },
        clientId: 'c',
        scopes: ['s'],
      }),
    ).toThrow(expect.objectContaining({ code: 'provider_id_taken' }));
    expect(reg.issuerOf('google')).toBe('https://accounts.google.com');
  });

  it('register() with only a client id keeps the built-in definition (settings override env)', () => {
    const reg = new ProviderRegistry({ env: {} });
    reg.register({ id: 'google', clientId: 'from-settings', clientSecret: 'sec' });
    const h = reg.getHandler('google');
    expect(h.kind).toBe('oidc');
    expect(h.extraAuthParams).toMatchObject({ access_type: 'offline' });
  });
});

describe('http only on loopback', () => {
  it.each([
    ['http://127.0.0.1:8080', true],
    ['http://127.5.6.7', false],
    ['http://x.localhost:3000', false],
    ['http://LOCALHOST:3000', true],
    ['http://[::ffff:127.0.0.1]', false],
    ['http://[::1]:9000/path', true],
    ['http://localhost:3000', true],
    ['https://accounts.example.com', true],
    ['http://example.com', false],
    ['http://127.0.0.1.nip.io', false],
    ['http://10.0.0.1', false],
    ['http://[::2]', false],
    ['ftp://127.0.0.1', false],
    ['https://user:pw@example.com', false],
    ['not a url', false],
  ])('%s → %s', (url, ok) => {
    expect(checkEndpointUrl(url).ok).toBe(ok);
  });

  it('register() rejects http issuers and endpoints on other hosts with a typed error', () => {
    const reg = new ProviderRegistry({ env: {} });
    expect(() => reg.register({ id: 'x', issuer: 'http://idp.example.com', clientId: 'c', scopes: ['openid'] })).toThrow(
      expect.objectContaining({ category: 'configuration' }),
    );
    expect(() =>
      reg.register({
        id: 'y',
        endpoints: { authorization: 'https://a.example/auth', token: 'http://a.example/token' },
        clientId: 'c',
        scopes: ['s'],
      }),
    ).toThrow(/only allowed on loopback/);
    expect(reg.register({ id: 'z', issuer: 'http://127.0.0.1:4000', clientId: 'c', scopes: ['openid'] })).toMatchObject({
      kind: 'oidc',
      configured: true,
    });
    expect(() =>
      reg.register({
        id: 'w',
        issuer: 'https://a.example',
        endpoints: { authorization: 'https://a', token: 'https://b' },
        clientId: 'c',
        scopes: ['s'],
      }),
    ).toThrow(expect.objectContaining({ category: 'configuration' }));
    expect(() => reg.register({ id: 'bad id!', issuer: 'https://a.example', clientId: 'c', scopes: ['s'] })).toThrow(
      expect.objectContaining({ category: 'configuration' }),
    );
    expect(() => reg.register({ id: 'sc', issuer: 'https://a.example', clientId: 'c', scopes: ['has space'] })).toThrow(
      expect.objectContaining({ category: 'configuration' }),
    );
    expect(isLoopbackHost('[::1]')).toBe(true);
  });

  it('a loopback issuer whose discovery document points elsewhere over http is refused', async () => {
    const server = createServer((req, res) => {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: origin,
          authorization_endpoint: `${origin}/auth`,
          token_endpoint: 'http://evil.example/token',
          jwks_uri: `${origin}/jwks`,
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const reg = new ProviderRegistry({ env: {} });
      reg.register({
        id: 'local',
        issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        clientId: 'c',
        scopes: ['openid'],
      });
      await expect(reg.getHandler('local').configuration()).rejects.toMatchObject({ code: 'insecure_endpoint' });
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });

  it('a failing discovery is a typed config error and is retried on the next call', async () => {
    let calls = 0;
    const reg = new ProviderRegistry({
      env: { GOOGLE_CLIENT_ID: 'id' },
      fetch: fakeFetch({
        'https://accounts.google.com/.well-known/openid-configuration': () =>
          ++calls === 1 ? new Response('down', { status: 503 }) : json(GOOGLE_DISCOVERY),
      }),
    });
    const h = reg.getHandler('google');
    await expect(h.configuration()).rejects.toMatchObject({
      name: 'OAuthError',
      phase: 'config',
      category: 'transient',
      code: 'discovery_failed',
      retryable: true,
    });
    await expect(h.configuration()).resolves.toBeTruthy();
    expect(calls).toBe(2);
  });
});

describe('identity, backoff, opener', () => {
  it('userId = verified email, else sub; display name from name', () => {
    expect(identityFromClaims({ sub: 's1', email: 'a@b.c', name: 'A' })).toEqual({ userId: 'a@b.c', displayName: 'A', subject: 's1' });
    expect(identityFromClaims({ sub: 's1', email: 'a@b.c', email_verified: false })).toMatchObject({ userId: 's1' });
    expect(identityFromClaims({ sub: 's2' })).toEqual({ userId: 's2', displayName: null, subject: 's2' });
    expect(identityFromClaims({})).toBeNull();
  });

  it('backoff grows exponentially with jitter, is capped, and never beats Retry-After', () => {
    const mid = { random: () => 0.5, baseMs: 1000, maxMs: 60_000 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, undefined, mid))).toEqual([750, 1500, 3000, 6000]);
    expect(backoffDelay(50, undefined, mid)).toBe(45_000);
    expect(backoffDelay(1, undefined, { ...mid, random: () => 0 })).toBe(500);
    expect(backoffDelay(1, undefined, { ...mid, random: () => 0.999999 })).toBeLessThanOrEqual(1000);
    expect(backoffDelay(1, 120_000, mid)).toBe(120_000);
  });

  it('the opener passes the URL as one argument, never through a shell', async () => {
    const url = 'https://accounts.example/auth?a=1&b=$(rm -rf ~)';
    expect(openerCommand('linux', url)).toEqual({ command: 'xdg-open', args: [url] });
    expect(openerCommand('darwin', url)).toEqual({ command: 'open', args: [url] });
    expect(openerCommand('win32', url)).toEqual({ command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] });
    await expect(openSystemBrowser('file:///etc/passwd')).rejects.toThrow(/Refusing/);
    await expect(openSystemBrowser('javascript:alert(1)')).rejects.toThrow(/Refusing/);
  });
});
