/**
 * The provider model's plain OAuth 2.0 kind, against a local stand-in (test/helpers/plain-oauth2-server.ts):
 * explicit endpoints (no discovery, no ID token, no userinfo), an identity hook that asks the
 * provider's API who signed in (with the app's User-Agent; the granted scopes from its header),
 * tokens that never expire and come without a refresh token (never scheduled, still handed out),
 * a revoke hook that needs the client secret ("unsupported", with the page to revoke at, for a
 * public client) and renews an expired access token first, an answer adapter for a provider that
 * answers errors with HTTP 200 and scopes with commas (refresh, rotation, a dead refresh token as
 * needs re-auth, a device sign-in polling on), the reconnect parameter a provider names, and a
 * browser sign-in refused up front when the code exchange needs a secret that is not set. What a
 * built-in such as GitHub needs from the model, through a provider given in code (built-ins take
 * the same hooks from their file).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore } from '../../src/main/core/credential-core.js';
import type { CredentialCore } from '../../src/main/core/api.js';
import type { ProviderRegistration } from '../../src/main/core/oauth/providers/definition.js';
import { commaSeparatedScope, errorsSentWithHttp200 } from '../../src/main/core/oauth/providers/answers.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { startPlainOAuth2Server, type PlainOAuth2Server } from '../helpers/plain-oauth2-server.js';
import { makeTmpHome } from '../helpers/tmp.js';

let server: PlainOAuth2Server;
const homes: Array<ReturnType<typeof makeTmpHome>> = [];
const cores: CredentialCore[] = [];

beforeAll(async () => {
  server = await startPlainOAuth2Server();
});
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const h of homes.splice(0)) h.cleanup();
  server.reset();
});
afterAll(async () => {
  await server.close();
});

/** A plain OAuth 2.0 provider as a built-in's file would describe it: endpoints and hooks. */
function plainProvider(
  id: string,
  o: { secret: boolean; adapt?: boolean; needsSecret?: boolean; scopeFromApi?: boolean },
): ProviderRegistration {
  const origin = server.origin;
  return {
    id,
    displayName: 'Plain Hub',
    endpoints: { authorization: `${origin}/authorize`, token: `${origin}/token`, device: `${origin}/device/code`, api: `${origin}/api` },
    clientId: server.clientId,
    ...(o.secret ? { clientSecret: server.clientSecret } : {}),
    scopes: ['read:user', 'user:email'],
    // The stable id is the numeric id (a login can be renamed); the e-mail from /user/emails when the profile has none.
    identity: async (ctx) => {
      const me = await ctx.getJson(`${ctx.api}/user`, { accept: 'application/vnd.github+json' });
      if (me.status !== 200) throw ctx.fail('no_identity', `The API answered ${me.status} when asked who signed in.`);
      const user = me.body as { id: number; login: string; email: string | null };
      let email = user.email;
      if (!email) {
        const emails = await ctx.getJson(`${ctx.api}/user/emails`);
        const list = emails.status === 200 ? (emails.body as Array<{ email: string; primary: boolean; verified: boolean }>) : [];
        email = list.find((e) => e.primary && e.verified)?.email ?? null;
      }
      const granted = o.scopeFromApi === false ? null : me.header('x-oauth-scopes');
      return {
        userId: String(user.id),
        displayName: email ?? user.login,
        subject: String(user.id),
        ...(granted !== null
          ? {
              scope: granted
                .split(/[,\s]+/)
                .filter(Boolean)
                .join(' '),
            }
          : {}),
      };
    },
    // Revoking the grant needs the client secret (HTTP Basic) and a live access token; a public client can't.
    revoke: async (ctx) => {
      if (!ctx.clientSecret) return 'unsupported';
      const revoke = (token: string) =>
        ctx.request(`${origin}/applications/${ctx.clientId}/grant`, {
          method: 'DELETE',
          headers: {
            authorization: `Basic ${Buffer.from(`${ctx.clientId}:${ctx.clientSecret}`).toString('base64')}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ access_token: token }),
        });
      let r = await revoke(ctx.accessToken);
      // An access token that ended names no grant: renew it, then revoke; still not found means already gone.
      if (r.status === 404 && ctx.refreshToken) r = await revoke(await ctx.renewAccessToken());
      if (r.status === 204 || r.status === 404) return 'revoked';
      throw ctx.fail('revocation_failed', `The provider answered ${r.status}.`);
    },
    revokeAt: `${origin}/settings/applications`,
    reconnectParams: (account) => ({ login: account.userId }),
    ...(o.adapt ? { adaptAnswer: async (res) => commaSeparatedScope(await errorsSentWithHttp200(res)) } : {}),
    ...(o.needsSecret ? { codeExchangeNeedsSecret: true } : {}),
  };
}

async function open(provider: ProviderRegistration): Promise<CredentialCore> {
  const home = makeTmpHome();
  homes.push(home);
  const core = await createCredentialCore({
    home: home.dir,
    encryptionKey: EncryptionManager.generateKey(),
    env: {},
    providers: [provider],
  });
  cores.push(core);
  return core;
}

/** The browser: follows the authorization page's redirect back to the app's loopback listener. */
const browser = async (url: string): Promise<void> => {
  const r = await fetch(url, { redirect: 'manual' });
  await fetch(r.headers.get('location')!);
};

describe('a plain OAuth 2.0 provider (the oauth2 kind)', () => {
  it('signs in with an identity from its API, hands out a token that never expires, and revokes with the client secret', async () => {
    const core = await open(plainProvider('plainhub', { secret: true }));
    // The person grants less than asked, and the token answer does not say: the API does.
    Object.assign(server, { scopeInAnswer: false, grantedScopes: ['read:user'] });
    expect(core.listProviders().find((p) => p.id === 'plainhub')).toMatchObject({
      kind: 'oauth2',
      builtin: false,
      configured: true,
      supportsRevocation: true,
      revokeAt: `${server.origin}/settings/applications`,
    });
    // The token endpoint answers form-encoded unless asked for JSON: the sign-in below works
    // only because the engine asks (openid-client sends Accept: application/json).
    const plain = await fetch(`${server.origin}/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: server.clientId, grant_type: 'authorization_code', code: 'none' }),
    });
    expect(plain.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(await plain.text()).get('error')).toBe('invalid_grant');
    const before = server.tokenRequests.length;
    const apiBefore = server.apiRequests.length;
    const account = await core.connectAccount('plainhub', { openUrl: browser });
    expect(account).toMatchObject({
      provider: 'plainhub',
      userId: '4242',
      displayName: 'octo@example.test',
      hasRefreshToken: false,
      expiresAt: null,
      scopes: ['read:user'],
      status: 'active',
    });
    // The app names itself to the API (some refuse a request without a User-Agent).
    expect(server.apiRequests.slice(apiBefore)).toEqual([
      { path: '/api/user', userAgent: 'OsMEN-Credential-Manager' },
      { path: '/api/user/emails', userAgent: 'OsMEN-Credential-Manager' },
    ]);
    expect(server.tokenRequests.length).toBe(before + 1);

    // Never expires: handed out as it is, whatever minimum life is asked, and never due for a refresh.
    const t = await core.getAccessToken('plainhub', '4242', { minTtlMs: 24 * 3_600_000 });
    expect(server.liveTokens.has(t.accessToken)).toBe(true);
    expect(t.expiresAt).toBeNull();
    expect(await core.refreshDueAccounts()).toMatchObject({ due: 0, failed: 0 });
    expect(core.getAccount('plainhub', '4242')).toMatchObject({ status: 'active' });
    expect(server.tokenRequests.length).toBe(before + 1);

    // Signing it in again asks for the account with the provider's own parameter.
    await core.connectAccount('plainhub', { openUrl: browser, reconnect: { userId: '4242' } });
    expect(server.authorizeRequests.at(-1)).toMatchObject({ login: '4242' });
    expect(server.authorizeRequests.at(-1)).not.toHaveProperty('login_hint');
    const live = (await core.getAccessToken('plainhub', '4242')).accessToken;

    expect(await core.disconnectAccount('plainhub', '4242')).toEqual({ deleted: true, revocation: 'revoked' });
    expect(server.revocations.at(-1)).toMatchObject({
      authorization: `Basic ${Buffer.from(`${server.clientId}:${server.clientSecret}`).toString('base64')}`,
      body: JSON.stringify({ access_token: live }),
    });
    expect(server.liveTokens.has(live)).toBe(false);
    expect(core.listAccounts()).toEqual([]);
  });

  it('a public client (no secret): the grant is deleted here, revocation unsupported, with the page to revoke at', async () => {
    const core = await open(plainProvider('plainpub', { secret: false }));
    await core.connectAccount('plainpub', { openUrl: browser });
    const revocations = server.revocations.length;
    expect(await core.disconnectAccount('plainpub', '4242')).toEqual({ deleted: true, revocation: 'unsupported' });
    expect(server.revocations.length).toBe(revocations);
    expect(core.listProviders().find((p) => p.id === 'plainpub')?.revokeAt).toBe(`${server.origin}/settings/applications`);
    expect(core.readLog(20).some((e) => e.event === 'revocation' && e.success === false)).toBe(false);
  });

  it('when the API does not say who signed in, nothing is stored and the error says so', async () => {
    const core = await open(plainProvider('plainhub', { secret: true }));
    server.apiStatus = 401;
    await expect(core.connectAccount('plainhub', { openUrl: browser })).rejects.toMatchObject({
      name: 'OAuthError',
      code: 'no_identity',
      phase: 'userinfo',
      category: 'configuration',
    });
    expect(core.listAccounts()).toEqual([]);
    expect(core.readLog(5).find((e) => e.event === 'connect')).toMatchObject({ success: false, details: { error: 'no_identity' } });
  });

  it('a browser sign-in whose code exchange needs the secret is refused before a browser opens; the device sign-in works', async () => {
    server.secretRequired = true;
    const core = await open(plainProvider('plainpub', { secret: false, needsSecret: true, adapt: true }));
    const opened: string[] = [];
    const authorizeBefore = server.authorizeRequests.length;
    await expect(core.connectAccount('plainpub', { openUrl: (u) => void opened.push(u) })).rejects.toMatchObject({
      code: 'client_secret_required',
      category: 'configuration',
      description: expect.stringContaining('sign in on another device'),
    });
    expect(opened).toEqual([]);
    expect(server.authorizeRequests.length).toBe(authorizeBefore);
    expect(await core.deviceSignInSupport('plainpub')).toEqual({ supported: true });
    const account = await core.connectAccountWithDevice('plainpub', { onUserCode: () => undefined });
    expect(account).toMatchObject({ userId: '4242', status: 'active' });
  });
});

describe('a provider that answers in its own way (the answer adapter)', () => {
  it('errors with HTTP 200 and comma-separated scopes: sign-in, refresh with rotation, a dead refresh token needs re-auth', async () => {
    Object.assign(server, { expiring: true, errorsWith200: true, commaScopes: true });
    const core = await open(plainProvider('plainhub', { secret: true, adapt: true, scopeFromApi: false }));
    const account = await core.connectAccount('plainhub', { openUrl: browser });
    expect(account).toMatchObject({ userId: '4242', hasRefreshToken: true, scopes: ['read:user', 'user:email'] });
    expect(account.expiresAt).not.toBeNull();

    // Refreshed ("Refresh now"): new tokens each time, the refresh token rotating.
    const refreshes = () => server.tokenRequests.filter((r) => r.grant_type === 'refresh_token');
    const first = (await core.getAccessToken('plainhub', '4242')).accessToken;
    await core.refreshAccount('plainhub', '4242');
    const second = (await core.getAccessToken('plainhub', '4242')).accessToken;
    await core.refreshAccount('plainhub', '4242');
    expect(refreshes()).toHaveLength(2);
    expect(second).not.toBe(first);
    expect(refreshes()[1]!.refresh_token).not.toBe(refreshes()[0]!.refresh_token);
    expect(server.liveRefreshTokens.size).toBe(1);

    // The grant ends at the provider: its HTTP-200 invalid_grant is read as such, not as an unreadable answer to retry.
    server.liveRefreshTokens.clear();
    await expect(core.refreshAccount('plainhub', '4242')).rejects.toMatchObject({ code: 'invalid_grant', needsReauth: true });
    expect(core.getAccount('plainhub', '4242')).toMatchObject({ status: 'needs_reauth' });
  });

  it('a device sign-in keeps polling through authorization_pending sent with HTTP 200', async () => {
    Object.assign(server, { errorsWith200: true, pendingPolls: 1 });
    const core = await open(plainProvider('plainhub', { secret: true, adapt: true }));
    const polls = () => server.tokenRequests.filter((r) => r.grant_type === 'urn:ietf:params:oauth:grant-type:device_code').length;
    const before = polls();
    let code = '';
    const account = await core.connectAccountWithDevice('plainhub', { onUserCode: (info) => void (code = info.userCode) });
    expect(code).toMatch(/^[0-9A-F]{8}$/);
    expect(account).toMatchObject({ userId: '4242', status: 'active' });
    expect(polls() - before).toBe(2);
  });

  it('revoking after the access token ended at the provider renews it first', async () => {
    server.expiring = true;
    const core = await open(plainProvider('plainhub', { secret: true }));
    await core.connectAccount('plainhub', { openUrl: browser });
    server.expireAccessTokens();
    const revocations = server.revocations.length;
    expect(await core.disconnectAccount('plainhub', '4242')).toEqual({ deleted: true, revocation: 'revoked' });
    // One refused (the ended token names no grant), one with the renewed token.
    expect(server.revocations.length - revocations).toBe(2);
    expect(server.liveRefreshTokens.size).toBe(0);
    expect(server.liveTokens.size).toBe(0);
  });
});
