/**
 * openid-client (the project's OAuth library) against the GitHub stand-in, pinning what the
 * GitHub provider has to adapt (see the notes for its author): GitHub's HTTP-200 error answers
 * are not errors to openid-client until they are turned into 400s; then refresh failures carry
 * their code and the device flow polls through `authorization_pending`. Explicit endpoints, no
 * discovery, ClientSecretPost, no ID token.
 */
import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorizeInBrowser } from '../helpers/github-standin/browser.js';
import { startGitHubStandIn, type AppInfo, type GitHubStandIn } from '../helpers/github-standin/index.js';

let gh: GitHubStandIn;
beforeEach(async () => {
  // openid-client waits `interval` seconds before each poll and refuses an interval of 0: 1 s keeps this short.
  gh = await startGitHubStandIn({ deviceInterval: 1 });
});
afterEach(async () => {
  await gh.close();
});

const GITHUB: oidc.ServerMetadata = {
  issuer: 'https://github.com',
  authorization_endpoint: 'https://github.com/login/oauth/authorize',
  token_endpoint: 'https://github.com/login/oauth/access_token',
  device_authorization_endpoint: 'https://github.com/login/device/code',
};

/** A 200 whose JSON body has an `error` and no token, answered as the 400 RFC 6749 §5.2 expects. */
async function errorAs400(res: Response): Promise<Response> {
  if (res.status !== 200) return res;
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as Record<string, unknown> | null;
  if (!body || typeof body.error !== 'string' || 'access_token' in body) return res;
  return new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/json' } });
}

function configFor(app: AppInfo, opts: { secret: boolean; adapt: boolean; onResponse?: (body: unknown) => void }): oidc.Configuration {
  const config = new oidc.Configuration(GITHUB, app.clientId, {}, opts.secret ? oidc.ClientSecretPost(app.clientSecret) : oidc.None());
  config[oidc.customFetch] = async (url, options) => {
    const res = await gh.fetch(url, options as RequestInit);
    opts.onResponse?.(
      await res
        .clone()
        .json()
        .catch(() => null),
    );
    return (opts.adapt ? await errorAs400(res) : res) as Awaited<ReturnType<oidc.CustomFetch>>;
  };
  return config;
}

async function signIn(config: oidc.Configuration, scope: string) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: 'http://127.0.0.1:45678/callback',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    scope,
  });
  const back = await authorizeInBrowser(url.href, { fetch: gh.fetch, visitCallback: false });
  return oidc.authorizationCodeGrant(config, new URL(back.callbackUrl), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    idTokenExpected: false,
  });
}

describe('openid-client against the GitHub stand-in', () => {
  it('code grant and refresh work as they are; it asks for JSON itself; no ID token', async () => {
    const config = configFor(gh.githubApp, { secret: true, adapt: false });
    const tokens = await signIn(config, 'read:user');
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 28800, scope: '' });
    expect(tokens.claims()).toBeUndefined();
    expect(gh.requests().find((r) => r.endpoint === 'access_token')).toMatchObject({ accept: 'application/json', clientAuth: 'params' });
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toMatch(/^ghr_/);
    expect((refreshed as Record<string, unknown>).refresh_token_expires_in).toBe(15897600);
    // An OAuth app's scopes come comma-separated.
    expect((await signIn(configFor(gh.oauthApp, { secret: true, adapt: false }), 'repo user:email')).scope).toBe('repo,user:email');
  });

  it('an HTTP-200 bad_refresh_token is an unreadable answer to openid-client; as a 400 it carries its code', async () => {
    const plain = configFor(gh.githubApp, { secret: true, adapt: false });
    const { refresh_token } = await signIn(plain, '');
    await oidc.refreshTokenGrant(plain, refresh_token!);
    const raw = await oidc.refreshTokenGrant(plain, refresh_token!).catch((e: unknown) => e);
    expect(raw).toBeInstanceOf(oidc.ClientError);
    expect((raw as oidc.ClientError).code).toBe('OAUTH_INVALID_RESPONSE');
    const adapted = await oidc
      .refreshTokenGrant(configFor(gh.githubApp, { secret: true, adapt: true }), refresh_token!)
      .catch((e: unknown) => e);
    expect(adapted).toBeInstanceOf(oidc.ResponseBodyError);
    expect((adapted as oidc.ResponseBodyError).error).toBe('bad_refresh_token');
  });

  it('the device flow: without the adapter authorization_pending ends the poll; with it the poll goes on to the token', async () => {
    const plain = configFor(gh.githubApp, { secret: false, adapt: false });
    const first = await oidc.initiateDeviceAuthorization(plain, {});
    const failed = await oidc.pollDeviceAuthorizationGrant(plain, first).catch((e: unknown) => e);
    expect((failed as oidc.ClientError).code).toBe('OAUTH_INVALID_RESPONSE');

    const pending: { started?: oidc.DeviceAuthorizationResponse } = {};
    // The person approves once the client has been told "pending" (no waiting on timers).
    const adapted = configFor(gh.githubApp, {
      secret: false,
      adapt: true,
      onResponse: (body) => {
        if ((body as { error?: string } | null)?.error === 'authorization_pending')
          gh.approveDevice(pending.started!.user_code, 'quiet-cat');
      },
    });
    pending.started = await oidc.initiateDeviceAuthorization(adapted, {});
    const tokens = await oidc.pollDeviceAuthorizationGrant(adapted, pending.started);
    expect(tokens.access_token).toMatch(/^ghu_/);
    expect(
      gh
        .requests()
        .filter((r) => r.grantType?.endsWith('device_code'))
        .map((r) => r.error ?? 'token'),
    ).toEqual(['authorization_pending', 'authorization_pending', 'token']);
    // Device-flow tokens refresh without a client secret.
    expect((await oidc.refreshTokenGrant(adapted, tokens.refresh_token!)).access_token).toMatch(/^ghu_/);
  });

  it('device flow switched off: a ResponseBodyError device_flow_disabled (HTTP 400) at the start', async () => {
    gh.setDeviceFlow(gh.oauthApp.clientId, false);
    const err = await oidc.initiateDeviceAuthorization(configFor(gh.oauthApp, { secret: false, adapt: true }), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(oidc.ResponseBodyError);
    expect(err).toMatchObject({ error: 'device_flow_disabled', status: 400 });
  });
});
