/**
 * The GitHub stand-in's refresh grant (a GitHub App's rotating refresh tokens) and device flow,
 * driven with plain fetch. Its clock is frozen here (`now`), so "too fast", "8 hours" and
 * "6 months" are exact.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEVICE_GRANT, startGitHubStandIn, type GitHubStandIn } from '../helpers/github-standin/index.js';
import { apiGet, deviceSignIn, postForm, webSignIn } from './github-standin-fixtures.js';

let s: GitHubStandIn;
const T0 = Date.parse('2026-03-01T12:00:00Z');
beforeEach(async () => {
  s = await startGitHubStandIn({ now: () => T0 });
});
afterEach(async () => {
  await s.close();
});

const tokenUrl = () => `${s.webUrl}/login/oauth/access_token`;
/** `secret` null: no client_secret sent. */
const refresh = (refreshToken: string, secret: string | null = s.githubApp.clientSecret, clientId = s.githubApp.clientId) =>
  postForm(tokenUrl(), {
    client_id: clientId,
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    ...(secret === null ? {} : { client_secret: secret }),
  });

describe('grant_type=refresh_token', () => {
  it('rotates: a new ghu_/ghr_ pair; the old refresh token is refused and the old access token stops working', async () => {
    const { token: first } = await webSignIn(s, s.githubApp);
    const second = await refresh(first.refresh_token);
    expect(second.json).toMatchObject({ expires_in: 28800, refresh_token_expires_in: 15897600, scope: '', token_type: 'bearer' });
    expect(second.json.access_token).toMatch(/^ghu_/);
    expect(second.json.refresh_token).toMatch(/^ghr_/);
    expect(second.json.refresh_token).not.toBe(first.refresh_token);
    const again = await refresh(first.refresh_token);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({
      error: 'bad_refresh_token',
      error_description: 'The refresh token passed is incorrect or expired.',
    });
    expect(s.tokenStatus(first.refresh_token)).toBe('used');
    expect((await apiGet(s, '/user', first.access_token)).status).toBe(401);
    expect((await apiGet(s, '/user', second.json.access_token)).json.login).toBe('octo-dev');
    // Reusing the old one does not cost the new pair (GitHub documents no family revocation).
    expect((await refresh(second.json.refresh_token)).json.access_token).toMatch(/^ghu_/);
  });

  it('the access token expires after 8 hours, the refresh token after 6 months', async () => {
    const { token } = await webSignIn(s, s.githubApp);
    s.advanceClock(28_800_000 - 1);
    expect((await apiGet(s, '/user', token.access_token)).status).toBe(200);
    s.advanceClock(1);
    const expired = await apiGet(s, '/user', token.access_token);
    expect(expired.status).toBe(401);
    expect(expired.json.message).toBe('Bad credentials');
    s.advanceClock(15_897_600_000 - 28_800_000);
    expect(s.tokenStatus(token.refresh_token)).toBe('expired');
    expect((await refresh(token.refresh_token)).json.error).toBe('bad_refresh_token');
  });

  it('needs the client secret, unless the tokens came from the device flow; a wrong secret never passes', async () => {
    const { token: web } = await webSignIn(s, s.githubApp);
    expect((await refresh(web.refresh_token, null)).json.error).toBe('incorrect_client_credentials');
    expect((await refresh(web.refresh_token, '0'.repeat(40))).json.error).toBe('incorrect_client_credentials');
    const device = await deviceSignIn(s, s.githubApp);
    const rotated = await refresh(device.refresh_token, null);
    expect(rotated.json.access_token).toMatch(/^ghu_/);
    // Still a device-flow lineage after rotation.
    expect((await refresh(rotated.json.refresh_token, null)).json.access_token).toMatch(/^ghu_/);
    const dev2 = await deviceSignIn(s, s.githubApp);
    expect((await refresh(dev2.refresh_token, 'f'.repeat(40))).json.error).toBe('incorrect_client_credentials');
  });

  it("refuses another app's refresh token, a made-up one, and any refresh for an OAuth app", async () => {
    const { token } = await webSignIn(s, s.githubApp);
    const otherApp = s.addApp('github-app');
    expect((await refresh(token.refresh_token, otherApp.clientSecret, otherApp.clientId)).json.error).toBe('bad_refresh_token');
    expect((await refresh(`ghr_${'A'.repeat(76)}`)).json.error).toBe('bad_refresh_token');
    expect((await refresh('', s.oauthApp.clientSecret, s.oauthApp.clientId)).json.error).toBe('bad_refresh_token');
  });

  it('a GitHub App opted out of expiring tokens issues ghu_ without expiry or refresh token', async () => {
    s.setExpiringTokens(s.githubApp.clientId, false);
    const { token } = await webSignIn(s, s.githubApp);
    expect(token).toEqual({ access_token: token.access_token, scope: '', token_type: 'bearer' });
    s.advanceClock(400 * 86_400_000);
    expect((await apiGet(s, '/user', token.access_token)).status).toBe(200);
  });
});

describe('the device flow', () => {
  const startDevice = async (clientId: string, scope = '') => postForm(`${s.webUrl}/login/device/code`, { client_id: clientId, scope });
  const poll = (clientId: string, deviceCode: string, grantType = DEVICE_GRANT) =>
    postForm(tokenUrl(), { client_id: clientId, device_code: deviceCode, grant_type: grantType });

  it('POST /login/device/code: device_code, XXXX-XXXX user_code, verification_uri, expires_in 900, interval 5', async () => {
    const r = await startDevice(s.oauthApp.clientId, 'repo read:org');
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(['device_code', 'user_code', 'verification_uri', 'expires_in', 'interval']);
    expect(r.json.device_code).toMatch(/^[0-9a-f]{40}$/);
    expect(r.json.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(r.json).toMatchObject({ verification_uri: `${s.webUrl}/login/device`, expires_in: 900, interval: 5 });
    const form = await postForm(`${s.webUrl}/login/device/code`, { client_id: s.githubApp.clientId }, {});
    expect(form.type).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(new URLSearchParams(form.text).get('interval')).toBe('5');
  });

  it('pending, slow_down (+5 s, with the new interval), then the token once approved; the code is then spent', async () => {
    const start = (await startDevice(s.oauthApp.clientId, 'repo')).json;
    const id = s.oauthApp.clientId;
    const early = await poll(id, start.device_code);
    expect(early.status).toBe(200);
    expect(early.json).toMatchObject({
      error: 'slow_down',
      interval: 10,
      error_description: 'Too many requests have been made in the same timeframe.',
    });
    s.advanceClock(9_000);
    expect((await poll(id, start.device_code)).json).toMatchObject({ error: 'slow_down', interval: 15 });
    s.advanceClock(15_000);
    expect((await poll(id, start.device_code)).json.error).toBe('authorization_pending');
    s.approveDevice(start.user_code, 'quiet-cat');
    s.advanceClock(15_000);
    const done = await poll(id, start.device_code);
    expect(done.json).toEqual({ access_token: done.json.access_token, token_type: 'bearer', scope: 'repo' });
    expect((await apiGet(s, '/user', done.json.access_token)).json.login).toBe('quiet-cat');
    s.advanceClock(15_000);
    expect((await poll(id, start.device_code)).json.error).toBe('incorrect_device_code');
    expect(s.count('access_token', { grantType: DEVICE_GRANT })).toBe(5);
    expect(s.count('access_token', { error: 'slow_down' })).toBe(2);
  });

  it('a GitHub App gets ghu_/ghr_ by the device flow, and the grant carries no scopes', async () => {
    const token = await deviceSignIn(s, s.githubApp, 'repo');
    expect(token).toMatchObject({ expires_in: 28800, refresh_token_expires_in: 15897600, scope: '' });
    expect(token.access_token).toMatch(/^ghu_/);
  });

  it('denied: access_denied, and the code cannot be used again', async () => {
    const start = (await startDevice(s.githubApp.clientId)).json;
    s.denyDevice(start.user_code);
    s.advanceClock(5_000);
    expect((await poll(s.githubApp.clientId, start.device_code)).json.error).toBe('access_denied');
    s.advanceClock(5_000);
    expect((await poll(s.githubApp.clientId, start.device_code)).json.error).toBe('access_denied');
    expect(() => s.approveDevice(start.user_code)).toThrow(/no pending device code/);
  });

  it('after 15 minutes: expired_token, and the person can no longer enter the code', async () => {
    const start = (await startDevice(s.githubApp.clientId)).json;
    s.advanceClock(900_000);
    expect((await poll(s.githubApp.clientId, start.device_code)).json.error).toBe('expired_token');
    expect(() => s.approveDevice(start.user_code)).toThrow(/no pending device code/);
  });

  it('device flow disabled: HTTP 400 at /login/device/code, HTTP 200 device_flow_disabled when polling', async () => {
    const start = (await startDevice(s.githubApp.clientId)).json;
    s.setDeviceFlow(s.githubApp.clientId, false);
    const refused = await startDevice(s.githubApp.clientId);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({
      error: 'device_flow_disabled',
      error_description: 'Device Flow must be explicitly enabled for this App',
    });
    s.advanceClock(5_000);
    const polled = await poll(s.githubApp.clientId, start.device_code);
    expect(polled.status).toBe(200);
    expect(polled.json.error).toBe('device_flow_disabled');
  });

  it('wrong grant type, unknown device code, another client, unknown client', async () => {
    const start = (await startDevice(s.githubApp.clientId)).json;
    s.advanceClock(5_000);
    expect((await poll(s.githubApp.clientId, start.device_code, 'device_code')).json.error).toBe('unsupported_grant_type');
    expect((await poll(s.githubApp.clientId, 'f'.repeat(40))).json.error).toBe('incorrect_device_code');
    expect((await poll(s.oauthApp.clientId, start.device_code)).json.error).toBe('incorrect_device_code');
    expect((await poll('Iv23liunknown0000000', start.device_code)).json.error).toBe('incorrect_client_credentials');
    const unknown = await startDevice('Iv23liunknown0000000');
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toBe('incorrect_client_credentials');
  });

  it('the /login/device page: enter the code, Authorize as someone; Cancel denies', async () => {
    const page = await fetch(`${s.webUrl}/login/device`);
    expect(await page.text()).toMatch(/name="user_code"/);
    const a = (await startDevice(s.githubApp.clientId)).json;
    const submit = (fields: Record<string, string>) => postForm(`${s.webUrl}/login/device`, fields, {});
    expect((await submit({ user_code: a.user_code.toLowerCase(), login: 'shy-owl', decision: 'authorize' })).text).toMatch(/all set/);
    s.advanceClock(5_000);
    const token = (await poll(s.githubApp.clientId, a.device_code)).json;
    expect((await apiGet(s, '/user', token.access_token)).json.login).toBe('shy-owl');
    const b = (await startDevice(s.githubApp.clientId)).json;
    expect((await submit({ user_code: b.user_code, decision: 'cancel' })).text).toMatch(/cancelled/);
    expect((await submit({ user_code: 'BCDF-GHJK', decision: 'authorize' })).text).toMatch(/Incorrect or expired code/);
    s.advanceClock(5_000);
    expect((await poll(s.githubApp.clientId, b.device_code)).json.error).toBe('access_denied');
  });
});
