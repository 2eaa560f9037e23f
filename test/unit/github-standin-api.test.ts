/**
 * The GitHub stand-in's api.github.com surface, driven with plain fetch: who a token belongs to
 * (GET /user), their e-mail addresses (GET /user/emails) as scopes and permissions allow, and
 * deleting an app authorization (DELETE /applications/{client_id}/grant).
 */
import { get } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../helpers/github-standin/index.js';
import { apiGet, deviceSignIn, webSignIn } from './github-standin-fixtures.js';

let s: GitHubStandIn;
beforeEach(async () => {
  s = await startGitHubStandIn();
});
afterEach(async () => {
  await s.close();
});

describe('GET /user', () => {
  it('answers with the numeric id, login, name and public e-mail, for Bearer and token schemes', async () => {
    const { token } = await webSignIn(s, s.oauthApp, { scope: 'read:user' });
    for (const scheme of ['Bearer', 'token']) {
      const r = await apiGet(s, '/user', token.access_token, scheme);
      expect(r.status).toBe(200);
      expect(r.type).toBe('application/json; charset=utf-8');
      expect(r.json).toMatchObject({
        id: s.people.octoDev.id,
        login: 'octo-dev',
        name: 'Octo Dev',
        email: 'octo-dev@example.test',
        type: 'User',
      });
      expect(r.json.html_url).toBe(`${s.webUrl}/octo-dev`);
    }
    expect(
      s
        .requests()
        .filter((r) => r.endpoint === 'user')
        .map((r) => r.authScheme),
    ).toEqual(['bearer', 'token']);
    expect(s.requests().at(-1)!.accept).toBe('application/vnd.github+json');
  });

  it('reports an OAuth app token scopes in X-OAuth-Scopes; none for a GitHub App user token', async () => {
    const { token } = await webSignIn(s, s.oauthApp, { scope: 'repo user' });
    const r = await apiGet(s, '/user', token.access_token);
    expect(r.headers.get('x-oauth-scopes')).toBe('repo, user');
    expect(r.headers.get('x-accepted-oauth-scopes')).toBe('');
    expect(r.headers.get('x-ratelimit-limit')).toBe('5000');
    const app = await apiGet(s, '/user', (await webSignIn(s, s.githubApp)).token.access_token);
    expect(app.status).toBe(200);
    expect(app.headers.has('x-oauth-scopes')).toBe(false);
  });

  it('a private e-mail is null; a renamed login keeps its id', async () => {
    const { token } = await webSignIn(s, s.githubApp, { login: 'quiet-cat' });
    expect((await apiGet(s, '/user', token.access_token)).json).toMatchObject({ login: 'quiet-cat', email: null, name: null });
    s.renameUser('quiet-cat', 'loud-cat');
    s.setPublicEmail('loud-cat', 'loud@example.test');
    expect((await apiGet(s, '/user', token.access_token)).json).toMatchObject({
      id: s.people.quietCat.id,
      login: 'loud-cat',
      email: 'loud@example.test',
    });
    s.setPublicEmail('loud-cat', null);
    expect((await apiGet(s, '/user', token.access_token)).json.email).toBeNull();
  });

  it('401: "Requires authentication" without a token, "Bad credentials" with a bad, revoked or expired one', async () => {
    const none = await apiGet(s, '/user');
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ message: 'Requires authentication', status: '401' });
    expect((await apiGet(s, '/user', `gho_${'x'.repeat(36)}`)).json.message).toBe('Bad credentials');
    expect((await apiGet(s, '/user', 'abc', 'Digest')).status).toBe(401);
    const { token } = await webSignIn(s, s.oauthApp, { scope: 'repo' });
    s.revokeGrant(s.oauthApp.clientId, 'octo-dev');
    expect((await apiGet(s, '/user', token.access_token)).json.message).toBe('Bad credentials');
    const app = (await webSignIn(s, s.githubApp)).token;
    expect(s.expireTokens('access', { clientId: s.githubApp.clientId })).toBe(1);
    expect((await apiGet(s, '/user', app.access_token)).status).toBe(401);
  });

  it('403 for a request without a User-Agent header, before the token is looked at', async () => {
    const { token } = await webSignIn(s, s.oauthApp, { scope: 'repo' });
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      get(`${s.apiUrl}/user`, { headers: { authorization: `Bearer ${token.access_token}` } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      }).on('error', reject);
    });
    expect(status).toBe(403);
    expect(body).toMatch(/^Request forbidden by administrative rules\. Please make sure your request has a User-Agent header/);
  });
});

describe('GET /user/emails', () => {
  it('with user:email (or user): every address with primary, verified and visibility', async () => {
    const { token } = await webSignIn(s, s.oauthApp, { scope: 'user:email', login: 'quiet-cat' });
    const r = await apiGet(s, '/user/emails', token.access_token);
    expect(r.status).toBe(200);
    expect(r.json).toEqual([
      { email: 'old-cat@example.test', primary: false, verified: true, visibility: null },
      { email: 'quiet-cat@example.test', primary: true, verified: true, visibility: 'private' },
    ]);
    expect(r.headers.get('x-accepted-oauth-scopes')).toBe('user, user:email');
    const user = (await webSignIn(s, s.oauthApp, { scope: 'user', login: 'quiet-cat' })).token;
    expect((await apiGet(s, '/user/emails', user.access_token)).status).toBe(200);
  });

  it('an OAuth app token without user:email gets 404', async () => {
    const { token } = await webSignIn(s, s.oauthApp, { scope: 'read:user repo' });
    const r = await apiGet(s, '/user/emails', token.access_token);
    expect(r.status).toBe(404);
    expect(r.json.message).toBe('Not Found');
    expect(r.headers.get('x-oauth-scopes')).toBe('read:user, repo');
  });

  it("a GitHub App's token needs the Email addresses permission, else 403", async () => {
    const token = await deviceSignIn(s, s.githubApp, '', 'shy-owl');
    expect((await apiGet(s, '/user/emails', token.access_token)).json).toEqual([
      { email: 'shy-owl@example.test', primary: true, verified: false, visibility: 'private' },
    ]);
    s.setEmailPermission(s.githubApp.clientId, false);
    const r = await apiGet(s, '/user/emails', token.access_token);
    expect(r.status).toBe(403);
    expect(r.json.message).toBe('Resource not accessible by integration');
  });
});

describe('DELETE /applications/{client_id}/grant', () => {
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const del = (clientId: string, body: string, authorization?: string) =>
    fetch(`${s.apiUrl}/applications/${clientId}/grant`, {
      method: 'DELETE',
      headers: {
        accept: 'application/vnd.github+json',
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
      },
      body,
    });

  it('204 revokes every token of that person for the app (access and refresh), and no one else’s', async () => {
    const app = s.githubApp;
    const a = (await webSignIn(s, app)).token;
    const b = (await webSignIn(s, app)).token;
    const otherPerson = (await webSignIn(s, app, { login: 'quiet-cat' })).token;
    const otherApp = (await webSignIn(s, s.oauthApp, { scope: 'repo' })).token;
    const res = await del(app.clientId, JSON.stringify({ access_token: a.access_token }), basic(app.clientId, app.clientSecret));
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect([a.access_token, a.refresh_token, b.access_token, b.refresh_token].map((t) => s.tokenStatus(t))).toEqual([
      'revoked',
      'revoked',
      'revoked',
      'revoked',
    ]);
    expect(s.tokenStatus(otherPerson.access_token)).toBe('valid');
    expect(s.tokenStatus(otherApp.access_token)).toBe('valid');
    // The same token again: it is no longer valid, so GitHub finds nothing.
    expect((await del(app.clientId, JSON.stringify({ access_token: a.access_token }), basic(app.clientId, app.clientSecret))).status).toBe(
      404,
    );
  });

  it('401 without Basic credentials or with a wrong secret; 404 for another app; 422 without access_token', async () => {
    const app = s.oauthApp;
    const t = (await webSignIn(s, app, { scope: 'repo' })).token.access_token;
    const body = JSON.stringify({ access_token: t });
    const none = await del(app.clientId, body);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { message: string }).message).toBe('Requires authentication');
    expect((await del(app.clientId, body, `Bearer ${t}`)).status).toBe(401);
    const wrong = await del(app.clientId, body, basic(app.clientId, '0'.repeat(40)));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toBe('Bad credentials');
    const gh = s.githubApp;
    expect((await del(app.clientId, body, basic(gh.clientId, gh.clientSecret))).status).toBe(404);
    expect((await del(gh.clientId, body, basic(gh.clientId, gh.clientSecret))).status).toBe(404);
    const missing = await del(app.clientId, '{}', basic(app.clientId, app.clientSecret));
    expect(missing.status).toBe(422);
    expect((await missing.json()) as object).toMatchObject({ errors: [{ field: 'access_token', code: 'missing_field' }] });
    expect((await del(app.clientId, 'not json', basic(app.clientId, app.clientSecret))).status).toBe(400);
    expect(s.tokenStatus(t)).toBe('valid');
    expect((await del(app.clientId, body, basic(app.clientId, app.clientSecret))).status).toBe(204);
    expect(s.tokenStatus(t)).toBe('revoked');
    expect(s.count('delete_grant')).toBe(8);
  });
});
