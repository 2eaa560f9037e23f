/**
 * The GitHub stand-in's test controls: request counts, ordered failures (5xx, 429 with
 * Retry-After, a dropped connection, a custom answer), the routing fetch that keeps GitHub's own
 * URLs, an Enterprise-style host, and the stand-in in a child process with a shifted clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorizeInBrowser } from '../helpers/github-standin/browser.js';
import { startGitHubStandIn, type GitHubStandIn } from '../helpers/github-standin/index.js';
import { spawnGitHubStandIn, type RemoteGitHubStandIn } from '../helpers/github-standin/remote.js';
import { apiGet, postForm, webSignIn } from './github-standin-fixtures.js';

let s: GitHubStandIn;
beforeEach(async () => {
  s = await startGitHubStandIn({ enterpriseHosts: ['ghe.example.test'] });
});
afterEach(async () => {
  await s.close();
});

describe('counting and failing', () => {
  it('counts requests per endpoint, with grant type and error; resetCounts starts over', async () => {
    const { token } = await webSignIn(s, s.githubApp);
    await apiGet(s, '/user', token.access_token);
    await apiGet(s, '/user/emails', token.access_token);
    await postForm(`${s.webUrl}/login/oauth/access_token`, {
      client_id: s.githubApp.clientId,
      grant_type: 'refresh_token',
      refresh_token: 'x',
    });
    expect(s.count('authorize')).toBe(1);
    expect(s.count('access_token')).toBe(2);
    expect(s.count('access_token', { grantType: 'authorization_code' })).toBe(1);
    expect(s.count('access_token', { grantType: 'refresh_token', error: 'bad_refresh_token' })).toBe(1);
    expect(s.count('user')).toBe(1);
    expect(s.count('user_emails')).toBe(1);
    expect(s.count()).toBe(5);
    expect(s.requests().map((r) => r.status)).toEqual([302, 200, 200, 200, 200]);
    s.resetCounts();
    expect(s.count()).toBe(0);
  });

  it('failNext: a 503, then a 429 with Retry-After, then the real answer', async () => {
    const { token } = await webSignIn(s, s.oauthApp, { scope: 'repo' });
    s.failNext('user', { status: 503 });
    s.failNext('user', { status: 429, retryAfter: 7 });
    const first = await apiGet(s, '/user', token.access_token);
    expect(first.status).toBe(503);
    expect(first.json.message).toBe('Server Error');
    const second = await apiGet(s, '/user', token.access_token);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('7');
    expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await apiGet(s, '/user', token.access_token)).status).toBe(200);
    expect(
      s
        .requests()
        .filter((r) => r.endpoint === 'user')
        .map((r) => [r.status, r.injected ?? false]),
    ).toEqual([
      [503, true],
      [429, true],
      [200, false],
    ]);
  });

  it('failNext on the token endpoint: HTML 502, a dropped connection, and a 400 bad_refresh_token as some report it', async () => {
    const { token } = await webSignIn(s, s.githubApp);
    const body = {
      client_id: s.githubApp.clientId,
      client_secret: s.githubApp.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: token.refresh_token,
    };
    s.failNext('access_token', { status: 502 });
    s.failNext('access_token', 'drop');
    s.failNext('access_token', {
      status: 400,
      body: { error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' },
    });
    const html = await postForm(`${s.webUrl}/login/oauth/access_token`, body);
    expect(html.status).toBe(502);
    expect(html.type).toBe('text/html; charset=utf-8');
    await expect(postForm(`${s.webUrl}/login/oauth/access_token`, body)).rejects.toThrow(/fetch failed/);
    const custom = await postForm(`${s.webUrl}/login/oauth/access_token`, body);
    expect(custom.status).toBe(400);
    expect(custom.json.error).toBe('bad_refresh_token');
    // None of those reached the real endpoint: the refresh token is still good.
    expect(s.tokenStatus(token.refresh_token)).toBe('valid');
    expect((await postForm(`${s.webUrl}/login/oauth/access_token`, body)).json.access_token).toMatch(/^ghu_/);
    expect(
      s
        .requests()
        .filter((r) => r.endpoint === 'access_token')
        .map((r) => r.status),
    ).toEqual([200, 502, 0, 400, 200]);
  });

  it('expireTokens: refresh tokens and device codes too', async () => {
    const { token } = await webSignIn(s, s.githubApp);
    expect(s.expireTokens('refresh', { login: 'octo-dev' })).toBe(1);
    expect(s.tokenStatus(token.refresh_token)).toBe('expired');
    expect(s.tokenStatus(token.access_token)).toBe('valid');
    const start = await postForm(`${s.webUrl}/login/device/code`, { client_id: s.githubApp.clientId });
    expect(s.expireTokens('device')).toBe(1);
    expect(() => s.approveDevice(start.json.user_code)).toThrow(/no pending device code/);
    expect(s.tokenStatus('ghu_nope')).toBe('unknown');
  });
});

describe('GitHub URLs through the routing fetch', () => {
  it('github.com and api.github.com reach the stand-in, and its answers name GitHub, not 127.0.0.1', async () => {
    const device = await s.fetch('https://github.com/login/device/code', {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: new URLSearchParams({ client_id: s.oauthApp.clientId, scope: 'read:user' }),
    });
    expect(((await device.json()) as { verification_uri: string }).verification_uri).toBe('https://github.com/login/device');
    const url = `https://github.com/login/oauth/authorize?client_id=${s.oauthApp.clientId}&redirect_uri=${encodeURIComponent('http://127.0.0.1:40000/callback')}&scope=read:user`;
    // The app's loopback callback is not GitHub: the browser goes there directly, the routing fetch would refuse it.
    const out = await authorizeInBrowser(url, { fetch: s.fetch, visitCallback: false });
    const code = new URL(out.callbackUrl).searchParams.get('code')!;
    const tokenRes = await s.fetch('https://github.com/login/oauth/access_token', {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: new URLSearchParams({ client_id: s.oauthApp.clientId, client_secret: s.oauthApp.clientSecret, code }),
    });
    const token = (await tokenRes.json()) as { access_token: string };
    expect(token.access_token).toMatch(/^gho_/);
    const user = await s.fetch('https://api.github.com/user', { headers: { authorization: `Bearer ${token.access_token}` } });
    expect(((await user.json()) as { html_url: string; url: string }).html_url).toBe('https://github.com/octo-dev');
  });

  it('an Enterprise host: web at its root, the API at /api/v3', async () => {
    const { token } = await webSignIn(s, s.oauthApp, { scope: 'repo' });
    const user = await s.fetch('https://ghe.example.test/api/v3/user', { headers: { authorization: `token ${token.access_token}` } });
    expect(((await user.json()) as { url: string }).url).toBe('https://ghe.example.test/api/v3/users/octo-dev');
  });

  it('refuses every other host, and plain http to GitHub', async () => {
    await expect(s.fetch('https://example.com/')).rejects.toThrow(/refusing to fetch https:\/\/example\.com/);
    await expect(s.fetch('http://github.com/login/device/code', { method: 'POST' })).rejects.toThrow(/refusing/);
    await expect(s.fetch(`${s.webUrl}/login/device`)).rejects.toThrow(/refusing/);
  });
});

describe('in a child process', () => {
  let remote: RemoteGitHubStandIn | undefined;
  afterEach(async () => {
    await remote?.close();
    remote = undefined;
  });

  it('answers over HTTP, takes the same controls, and runs on its own (shifted) clock', async () => {
    remote = await spawnGitHubStandIn({ clockOffsetMs: 9 * 3_600_000, options: { deviceInterval: 0 } });
    const app = remote.githubApp;
    const start = await postForm(`${remote.webUrl}/login/device/code`, { client_id: app.clientId });
    expect(start.json.interval).toBe(0);
    // Its Date header runs nine hours ahead of ours (to the second, give or take the round trip).
    const skew = Date.parse(start.headers.get('date')!) - Date.now();
    expect(Math.abs(skew - 9 * 3_600_000)).toBeLessThan(60_000);
    await remote.approveDevice(start.json.user_code, 'quiet-cat');
    const token = await postForm(`${remote.webUrl}/login/oauth/access_token`, {
      client_id: app.clientId,
      device_code: start.json.device_code,
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
    });
    expect(token.json.expires_in).toBe(28800);
    const user = await fetch(`${remote.apiUrl}/user`, { headers: { authorization: `Bearer ${token.json.access_token}` } });
    expect(((await user.json()) as { login: string }).login).toBe('quiet-cat');
    await remote.advanceClock(28_800_000);
    expect(await remote.tokenStatus(token.json.access_token)).toBe('expired');
    expect(await remote.count('access_token')).toBe(1);
    await expect(remote.renameUser('nobody', 'x')).rejects.toThrow(/no user nobody/);
    // The control endpoint wants the key the child printed.
    const denied = await fetch(`${remote.origin}/_standin/control`, {
      method: 'POST',
      body: JSON.stringify({ op: 'resetCounts', args: [] }),
    });
    expect(denied.status).toBe(403);
  });
});
