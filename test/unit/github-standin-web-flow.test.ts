/**
 * The GitHub stand-in's web application flow, driven with plain fetch: what the authorization
 * endpoint accepts and answers, and what /login/oauth/access_token does with a code, for a
 * GitHub App and an OAuth app (test/helpers/github-standin/index.ts names the sources).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorizeInBrowser } from '../helpers/github-standin/browser.js';
import { startGitHubStandIn, type GitHubStandIn } from '../helpers/github-standin/index.js';
import { authorizeUrl, JSON_ACCEPT, pkcePair, postForm, webSignIn } from './github-standin-fixtures.js';

let s: GitHubStandIn;
beforeEach(async () => {
  s = await startGitHubStandIn();
});
afterEach(async () => {
  await s.close();
});

const tokenUrl = () => `${s.webUrl}/login/oauth/access_token`;
/** Authorizes at once and returns where GitHub sent the browser. */
const authorize = async (params: Record<string, string>, app = s.githubApp) =>
  new URL((await authorizeInBrowser(authorizeUrl(s, app, params), { visitCallback: false })).callbackUrl);

describe('GET /login/oauth/authorize', () => {
  it('approves at once and redirects to the named loopback callback, on any port, with code and state', async () => {
    const back = await authorize({
      redirect_uri: 'http://127.0.0.1:61999/callback',
      state: 's-1',
      allow_signup: 'false',
      login: 'quiet-cat',
    });
    expect(back.origin + back.pathname).toBe('http://127.0.0.1:61999/callback');
    expect(back.searchParams.get('state')).toBe('s-1');
    expect(back.searchParams.get('code')).toMatch(/^[0-9a-f]{20}$/);
    const [record] = s.authorizations();
    expect(record).toMatchObject({ outcome: 'code', login: 'quiet-cat', params: { allow_signup: 'false', login: 'quiet-cat' } });
  });

  it('without a state sends none back; an unknown login leaves the signed-in person', async () => {
    const url = new URL(authorizeUrl(s, s.githubApp, { login: 'nobody-here' }));
    url.searchParams.delete('state');
    const back = new URL((await authorizeInBrowser(url.href, { visitCallback: false })).callbackUrl);
    expect(back.searchParams.has('state')).toBe(false);
    expect(s.authorizations()[0]!.login).toBe('octo-dev');
  });

  it('deny mode: error=access_denied with GitHub description, error_uri and the state', async () => {
    s.setAuthorizeMode('deny');
    const back = await authorize({ state: 'keep-me' });
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toBe('The user has denied your application access.');
    expect(back.searchParams.get('error_uri')).toMatch(/^https:\/\/docs\.github\.com\/.*#access-denied$/);
    expect(back.searchParams.get('state')).toBe('keep-me');
    expect(back.searchParams.has('code')).toBe(false);
  });

  it('page mode: the page shows Authorize and Cancel; the choice and the login decide', async () => {
    s.setAuthorizeMode('page');
    const page = await fetch(authorizeUrl(s, s.oauthApp, { scope: 'repo' }));
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/value="authorize"[\s\S]*value="cancel"/);
    const ok = await authorizeInBrowser(authorizeUrl(s, s.oauthApp), { login: 'shy-owl', visitCallback: false });
    expect(new URL(ok.callbackUrl).searchParams.get('code')).toBeTruthy();
    expect(s.authorizations().at(-1)!.login).toBe('shy-owl');
    const no = await authorizeInBrowser(authorizeUrl(s, s.oauthApp), { cancel: true, visitCallback: false });
    expect(new URL(no.callbackUrl).searchParams.get('error')).toBe('access_denied');
  });

  it('a redirect_uri that does not match goes back to the registered callback with redirect_uri_mismatch', async () => {
    const back = await authorize({ redirect_uri: 'https://evil.example/callback', state: 'st' });
    expect(back.origin + back.pathname).toBe('http://127.0.0.1/callback');
    expect(back.searchParams.get('error')).toBe('redirect_uri_mismatch');
    expect(back.searchParams.get('error_description')).toBe(
      'The redirect_uri MUST match the registered callback URL for this application.',
    );
    expect(back.searchParams.get('state')).toBe('st');
  });

  it('matching rules: an OAuth app allows subdomains and sub-paths; a GitHub App only the exact URL', async () => {
    const oauth = s.addApp('oauth-app', { callbackUrls: ['https://example.test/path'] });
    const gh = s.addApp('github-app', { callbackUrls: ['https://example.test/path'] });
    const outcome = async (app: typeof oauth, redirect: string) =>
      (await authorize({ redirect_uri: redirect }, app)).searchParams.get('error') ?? 'code';
    expect(await outcome(oauth, 'https://example.test/path/sub/other')).toBe('code');
    expect(await outcome(oauth, 'https://oauth.example.test/path')).toBe('code');
    expect(await outcome(oauth, 'https://example.test/bar')).toBe('redirect_uri_mismatch');
    expect(await outcome(oauth, 'https://example.test:8443/path')).toBe('redirect_uri_mismatch');
    expect(await outcome(oauth, 'http://example.test/path')).toBe('redirect_uri_mismatch');
    expect(await outcome(gh, 'https://example.test/path')).toBe('code');
    expect(await outcome(gh, 'https://example.test/path/sub')).toBe('redirect_uri_mismatch');
    expect(await outcome(gh, 'https://example.test/path?x=1')).toBe('redirect_uri_mismatch');
    // Without redirect_uri the first registered callback is used.
    const url = new URL(authorizeUrl(s, gh));
    url.searchParams.delete('redirect_uri');
    expect((await authorizeInBrowser(url.href, { visitCallback: false })).callbackUrl).toMatch(/^https:\/\/example\.test\/path\?code=/);
  });

  it('refuses a plain PKCE challenge (S256 only) and answers 404 for an unknown client', async () => {
    const back = await authorize({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
    expect(back.searchParams.get('error')).toBe('invalid_request');
    const res = await fetch(`${s.webUrl}/login/oauth/authorize?client_id=Iv23linot-registered`, { redirect: 'manual' });
    expect(res.status).toBe(404);
  });
});

describe('POST /login/oauth/access_token with a code', () => {
  it('GitHub App: ghu_ for 8 hours and ghr_ for 6 months, form-encoded unless JSON is asked for', async () => {
    const { challenge, verifier } = pkcePair();
    const code = (await authorize({ code_challenge: challenge, code_challenge_method: 'S256' })).searchParams.get('code')!;
    const form = await postForm(
      tokenUrl(),
      { client_id: s.githubApp.clientId, client_secret: s.githubApp.clientSecret, code, code_verifier: verifier },
      {},
    );
    expect(form.status).toBe(200);
    expect(form.type).toBe('application/x-www-form-urlencoded; charset=utf-8');
    const token = Object.fromEntries(new URLSearchParams(form.text));
    expect(Object.keys(token)).toEqual(['access_token', 'expires_in', 'refresh_token', 'refresh_token_expires_in', 'scope', 'token_type']);
    expect(token.access_token).toMatch(/^ghu_[A-Za-z0-9]{36}$/);
    expect(token.refresh_token).toMatch(/^ghr_[A-Za-z0-9]{76}$/);
    expect(token).toMatchObject({ expires_in: '28800', refresh_token_expires_in: '15897600', scope: '', token_type: 'bearer' });
  });

  it('OAuth app: a gho_ token with its scopes, comma-separated and normalized; no expiry, no refresh token', async () => {
    const { token } = await webSignIn(s, s.oauthApp, { scope: 'repo public_repo user:email user gist' });
    expect(token.access_token).toMatch(/^gho_[A-Za-z0-9]{36}$/);
    expect(token).toEqual({ access_token: token.access_token, token_type: 'bearer', scope: 'repo,user,gist' });
    expect(s.tokenScopes(token.access_token)).toEqual(['repo', 'user', 'gist']);
  });

  it('asks for JSON or XML with Accept', async () => {
    const xml = await authorize({});
    const r = await postForm(
      tokenUrl(),
      { client_id: s.githubApp.clientId, client_secret: s.githubApp.clientSecret, code: xml.searchParams.get('code')! },
      { accept: 'application/xml' },
    );
    expect(r.type).toBe('application/xml; charset=utf-8');
    expect(r.text).toMatch(/^<OAuth><access_token>ghu_[A-Za-z0-9]{36}<\/access_token><expires_in>28800<\/expires_in>/);
  });

  it('without a scope parameter the token gets what the person authorized before', async () => {
    await webSignIn(s, s.oauthApp, { scope: 'repo' });
    await webSignIn(s, s.oauthApp, { scope: 'read:org' });
    const url = new URL(authorizeUrl(s, s.oauthApp));
    const code = new URL((await authorizeInBrowser(url.href, { visitCallback: false })).callbackUrl).searchParams.get('code')!;
    const r = await postForm(tokenUrl(), { client_id: s.oauthApp.clientId, client_secret: s.oauthApp.clientSecret, code });
    expect(r.json.scope).toBe('repo,read:org');
  });

  it('errors come with HTTP 200 and GitHub bodies: wrong secret, missing secret, secret only in a Basic header', async () => {
    const expectError = async (params: Record<string, string>, error: string, headers: Record<string, string> = JSON_ACCEPT) => {
      const r = await postForm(tokenUrl(), params, headers);
      expect(r.status).toBe(200);
      expect(r.json.error).toBe(error);
      expect(typeof r.json.error_description).toBe('string');
      expect(r.json.error_uri).toMatch(/^https:\/\/docs\.github\.com\//);
      return r;
    };
    const code = (await authorize({})).searchParams.get('code')!;
    const id = s.githubApp.clientId;
    const r = await expectError({ client_id: id, client_secret: 'f'.repeat(40), code }, 'incorrect_client_credentials');
    expect(r.json.error_description).toBe('The client_id and/or client_secret passed are incorrect.');
    await expectError({ client_id: id, code }, 'incorrect_client_credentials');
    const basic = `Basic ${Buffer.from(`${id}:${s.githubApp.clientSecret}`).toString('base64')}`;
    await expectError({ client_id: id, code }, 'incorrect_client_credentials', { ...JSON_ACCEPT, authorization: basic });
    expect(s.requests().at(-1)).toMatchObject({ clientAuth: 'basic-header', error: 'incorrect_client_credentials' });
    // The code is still good after those refusals.
    const ok = await postForm(tokenUrl(), { client_id: id, client_secret: s.githubApp.clientSecret, code });
    expect(ok.json.access_token).toMatch(/^ghu_/);
    // A form-encoded error, as a client without Accept sees it.
    const form = await postForm(tokenUrl(), { client_id: id, client_secret: s.githubApp.clientSecret, code }, {});
    expect(Object.fromEntries(new URLSearchParams(form.text))).toMatchObject({ error: 'bad_verification_code' });
  });

  it('a code is single-use, expires after 10 minutes, and belongs to its client and redirect_uri', async () => {
    const id = s.githubApp.clientId;
    const secret = s.githubApp.clientSecret;
    const exchange = async (code: string, extra: Record<string, string> = {}) =>
      (await postForm(tokenUrl(), { client_id: id, client_secret: secret, code, ...extra })).json;
    const used = (await authorize({})).searchParams.get('code')!;
    expect((await exchange(used)).access_token).toBeTruthy();
    expect((await exchange(used)).error).toBe('bad_verification_code');
    const late = (await authorize({})).searchParams.get('code')!;
    s.advanceClock(600_000);
    expect((await exchange(late)).error).toBe('bad_verification_code');
    const other = (await authorize({}, s.oauthApp)).searchParams.get('code')!;
    expect((await exchange(other)).error).toBe('bad_verification_code');
    const elsewhere = (await authorize({ redirect_uri: 'http://127.0.0.1:50000/callback' })).searchParams.get('code')!;
    expect((await exchange(elsewhere, { redirect_uri: 'http://127.0.0.1:50001/callback' })).error).toBe('redirect_uri_mismatch');
    expect((await exchange(elsewhere, { redirect_uri: 'http://127.0.0.1:50000/callback' })).access_token).toBeTruthy();
  });

  it('PKCE: the verifier must match the S256 challenge; a wrong or missing one uses the code up', async () => {
    const { challenge, verifier } = pkcePair();
    const id = s.oauthApp.clientId;
    const secret = s.oauthApp.clientSecret;
    const codeFor = async () =>
      (await authorize({ code_challenge: challenge, code_challenge_method: 'S256' }, s.oauthApp)).searchParams.get('code')!;
    const wrong = await codeFor();
    expect(
      (await postForm(tokenUrl(), { client_id: id, client_secret: secret, code: wrong, code_verifier: pkcePair().verifier })).json.error,
    ).toBe('bad_verification_code');
    expect((await postForm(tokenUrl(), { client_id: id, client_secret: secret, code: wrong, code_verifier: verifier })).json.error).toBe(
      'bad_verification_code',
    );
    const missing = await codeFor();
    expect((await postForm(tokenUrl(), { client_id: id, client_secret: secret, code: missing })).json.error).toBe('bad_verification_code');
    const good = await codeFor();
    expect(
      (await postForm(tokenUrl(), { client_id: id, client_secret: secret, code: good, code_verifier: verifier })).json.access_token,
    ).toMatch(/^gho_/);
  });

  it('reads parameters from a JSON body and the query string too; other grant types are unsupported', async () => {
    const code = (await authorize({})).searchParams.get('code')!;
    const res = await fetch(tokenUrl(), {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: s.githubApp.clientId, client_secret: s.githubApp.clientSecret, code }),
    });
    expect(((await res.json()) as { access_token?: string }).access_token).toMatch(/^ghu_/);
    const query = new URLSearchParams({ client_id: s.githubApp.clientId, client_secret: s.githubApp.clientSecret, grant_type: 'password' });
    const r = await postForm(`${tokenUrl()}?${query}`, {});
    expect(r.json.error).toBe('unsupported_grant_type');
  });

  it('keeps ten OAuth app tokens per person and scope set: the eleventh revokes the oldest', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 11; i++) {
      tokens.push((await webSignIn(s, s.oauthApp, { scope: 'gist' })).token.access_token);
      s.advanceClock(1);
    }
    expect(s.tokenStatus(tokens[0]!)).toBe('revoked');
    expect(tokens.slice(1).map((t) => s.tokenStatus(t))).toEqual(Array(10).fill('valid'));
    // Another scope set is counted on its own.
    const other = (await webSignIn(s, s.oauthApp, { scope: 'repo' })).token.access_token;
    expect(s.tokenStatus(other)).toBe('valid');
    expect(s.tokenStatus(tokens[1]!)).toBe('valid');
  });
});
