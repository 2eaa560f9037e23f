/**
 * GitHub through the CLI and the token agent, as real processes against the GitHub stand-in:
 * its Enterprise-host option (GITHUB_HOST, or `connect --host`) points the child processes at
 * the stand-in's origin. `connect github --device` and `connect github --no-browser` sign in;
 * `token`, `run` and the agent hand the tokens out; `status` reports a token that does not
 * expire and a refresh token's own expiry; `--scopes` is refused for GitHub (no narrowing).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { startGitHubStandIn, type AppInfo, type GitHubStandIn } from '../../helpers/github-standin/index.js';
import { authorizeInBrowser } from '../../helpers/github-standin/browser.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { startAgent } from '../agent/agent-harness.js';
import { runCli, startCli } from './run-cli.js';

const GH = ['git', 'hub'].join('');
const DEVICE_PROMPT = /open this page on any device with a browser:\n {2}(\S+)\nand enter the code:\n {2}(\S+)\n/;
const BROWSER_PROMPT = /open this address in a browser on this machine:\n {2}(\S+)\n/;

let gh: GitHubStandIn;
const key = EncryptionManager.generateKey();
const homes: Array<ReturnType<typeof makeTmpHome>> = [];

beforeAll(async () => {
  gh = await startGitHubStandIn({ deviceInterval: 1 });
});
afterAll(async () => {
  await gh?.close();
  for (const h of homes) h.cleanup();
});

/** A vault where any program of this user gets tokens (consent is tested elsewhere), and the CLI's environment for it. */
async function vaultFor(app: AppInfo, o: { secret?: boolean; host?: boolean } = {}) {
  const home = makeTmpHome('osmen-gh-cli-');
  homes.push(home);
  const core = await createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });
  core.consent.setMode('same-user', 'cli');
  core.updateSettings({ backgroundRefreshPaused: true });
  await core.close();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home.dir,
    OSMEN_HOME: home.dir,
    OAUTH_ENCRYPTION_KEY: key,
    OSMEN_KEYCHAIN_SERVICE: `osmen gh cli test ${randomUUID()}`,
    GITHUB_CLIENT_ID: app.clientId,
  };
  if (o.host !== false) env.GITHUB_HOST = gh.origin;
  if (o.secret !== false) env.GITHUB_CLIENT_SECRET = app.clientSecret;
  return { home, env };
}

describe('osmen-cred with GitHub', () => {
  it('connect --device (GitHub App); token, run and the agent hand out the ghu_ token; status shows the refresh expiry', async () => {
    const { env } = await vaultFor(gh.githubApp);
    const cli = startCli(['connect', GH, '--device', '--timeout', '60', '--json'], env);
    const [, uri, userCode] = await cli.stderrMatch(DEVICE_PROMPT);
    expect(uri).toBe(`${gh.origin}/login/device`);
    gh.approveDevice(userCode!, 'octo-dev');
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    const account = JSON.parse(run.stdout) as { userId: string; displayName: string; hasRefreshToken: boolean };
    expect(account).toMatchObject({ userId: 'octo-dev@example.test', displayName: 'octo-dev', hasRefreshToken: true });

    const token = await runCli(['token', GH, account.userId, '--format', 'json'], env);
    expect(token.code, token.stderr).toBe(0);
    const t = JSON.parse(token.stdout) as { accessToken: string; expiresAt: string };
    expect(t.accessToken).toMatch(/^ghu_[A-Za-z0-9]{36}$/);
    expect(gh.tokenStatus(t.accessToken)).toBe('valid');
    expect(Date.parse(t.expiresAt) - Date.now()).toBeGreaterThan(7 * 3_600_000);

    // run: the command gets the token in its environment and checks it at the API (GET /user).
    const script = `fetch(process.env.API + '/user', { headers: { authorization: 'Bearer ' + process.env.OSMEN_ACCESS_TOKEN, 'user-agent': 't' } }).then(async (r) => process.stdout.write(String(r.status) + ' ' + (await r.json()).login))`;
    const ran = await runCli(['run', '--account', `${GH}:${account.userId}`, '--', process.execPath, '-e', script], {
      ...env,
      API: gh.apiUrl,
    });
    expect(ran.stderr).toBe('');
    expect(ran).toMatchObject({ code: 0, stdout: '200 octo-dev' });

    const status = await runCli(['status', '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ accounts: [{ provider: GH, userId: account.userId, state: 'ok' }] });
    const plain = await runCli(['status'], env);
    expect(plain.stdout).toMatch(/sign-in again needed by \d{4}-\d{2}-\d{2}/);

    // The agent answers a caller that has no key; --scopes can't be narrowed at GitHub.
    const agent = await startAgent(env);
    try {
      const keyless = { ...env, OAUTH_ENCRYPTION_KEY: undefined, OSMEN_AGENT_SOCK: agent.path };
      const viaAgent = await runCli(['token', GH, account.userId], keyless);
      expect(viaAgent).toMatchObject({ code: 0, stdout: `${t.accessToken}\n` });
      const narrowed = await runCli(['token', GH, account.userId, '--scopes', 'repo'], keyless);
      expect(narrowed.code).toBe(78);
      expect(narrowed.stdout).toBe('');
      expect(narrowed.stderr).toContain('[narrowing_unsupported]');
    } finally {
      await agent.stop();
    }
    const narrowedVault = await runCli(['token', GH, account.userId, '--scopes', 'repo'], env);
    expect(narrowedVault.code).toBe(78);
    expect(narrowedVault.stderr).toContain('[narrowing_unsupported]');
  });

  it('connect --no-browser --host (OAuth App): a gho_ token that does not expire; without the secret, the browser sign-in says to use --device', async () => {
    const { env } = await vaultFor(gh.oauthApp, { host: false });
    gh.signIn('quiet-cat');
    try {
      const cli = startCli(['connect', GH, '--no-browser', '--host', gh.origin, '--timeout', '60'], env);
      const [, url] = await cli.stderrMatch(BROWSER_PROMPT);
      expect(new URL(url!).origin).toBe(gh.origin);
      await authorizeInBrowser(url!);
      const run = await cli.done;
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(`${GH} quiet-cat@example.test\n`);
    } finally {
      gh.signIn('octo-dev');
    }
    // The host given to connect is kept for later commands.
    const token = await runCli(['token', GH, 'quiet-cat@example.test', '--format', 'json'], env);
    expect(token.code, token.stderr).toBe(0);
    expect(JSON.parse(token.stdout)).toMatchObject({ accessToken: expect.stringMatching(/^gho_/), expiresAt: null });
    const status = await runCli(['status'], env);
    expect(status.stdout).toMatch(/quiet-cat@example\.test +does not expire/);

    const { env: noSecret } = await vaultFor(gh.oauthApp, { secret: false });
    const refused = await runCli(['connect', GH, '--no-browser', '--timeout', '5'], noSecret);
    expect(refused.code).toBe(78);
    expect(refused.stderr).toMatch(/\[client_secret_required\].*--device/);
  });
});
