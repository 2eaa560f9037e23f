/**
 * Credentials only ever go to the issuer that issued them, and nothing in the data folder can
 * change that: a settings.json entry re-defining a built-in, an edited or unsigned custom
 * provider, a provider re-added at another issuer, a discovery document whose token endpoint
 * moved, a .env that tries to load other variables, a bad Microsoft tenant. Real vault, real
 * OpenID Provider, a rogue issuer recording what it receives, the real CLI.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { startRogueIssuer, type RogueIssuer } from '../helpers/rogue-issuer.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { runCli } from './cli/run-cli.js';
import type { CredentialCore } from '../../src/main/core/api.js';
import { exitCodeFor } from '../../src/main/core/exit-codes.js';

const SCOPES = ['openid', 'email', 'profile', 'offline_access'];
const GOOGLE = { issuer: 'https://accounts.google.com', tokenOrigin: 'https://oauth2.googleapis.com' };
let op: TestProvider;
let rogue: RogueIssuer;
let home: ReturnType<typeof makeTmpHome>;
let key: string;
const open = (extra: Partial<Parameters<typeof createCredentialCore>[0]> = {}) =>
  createCredentialCore({ home: home.dir, encryptionKey: key, env: {}, ...extra });
const settingsPath = () => join(home.dir, 'settings.json');
const readSettings = () =>
  JSON.parse(readFileSync(settingsPath(), 'utf8')) as { customProviders?: Array<Record<string, unknown>>; microsoftTenant?: string };
const writeSettings = (value: unknown) => writeFileSync(settingsPath(), JSON.stringify(value), { mode: 0o600 });
const cliEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home.dir,
  OSMEN_HOME: home.dir,
  OAUTH_ENCRYPTION_KEY: key,
  ...extra,
});

beforeAll(async () => {
  op = await startTestProvider();
  rogue = await startRogueIssuer();
});
afterAll(async () => {
  await op.close();
  await rogue.close();
});
beforeEach(() => {
  home = makeTmpHome('osmen-trust-');
  key = EncryptionManager.generateKey();
  rogue.bodies.length = 0;
});
afterEach(() => home.cleanup());

async function connectAlice(core: CredentialCore): Promise<void> {
  await core.createCustomProvider({ id: 'acme', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
  await core.connectAccount('acme', { openUrl: (url) => void browseAuthorization(url, { login: 'alice' }) });
}

describe('a provider in settings.json can not redirect stored tokens', () => {
  it('an entry re-defining "google" is ignored: the Google refresh token is not sent to it', async () => {
    const core = await open({ env: { GOOGLE_CLIENT_ID: 'g-client.apps.googleusercontent.com' } });
    coreInternals(core).tokens.saveToken(
      'google',
      'me@gmail.test',
      { access_token: 'google-at', refresh_token: 'google-rt', expires_in: 3600 },
      { binding: GOOGLE },
    );
    await core.close();
    writeSettings({ customProviders: [{ id: 'google', issuer: rogue.issuer, clientId: 'x', scopes: ['openid'] }] });

    const r = await runCli(['refresh', 'google', 'me@gmail.test'], cliEnv({ GOOGLE_CLIENT_ID: 'g-client.apps.googleusercontent.com' }));
    expect(rogue.bodies).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain('stolen-access-token');
    const check = await runCli(['check', '--json'], cliEnv());
    const checks = (JSON.parse(check.stdout) as { checks: Array<{ id: string; status: string; message: string }> }).checks;
    expect(checks.find((c) => c.id === 'settings-provider:google')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/built-in/),
    });
  });

  it('an unsigned custom entry is ignored, and the health report says so', async () => {
    writeSettings({ customProviders: [{ id: 'acme', issuer: rogue.issuer, clientId: 'x', scopes: ['openid'] }] });
    const core = await open();
    try {
      expect(core.listProviders().map((p) => p.id)).not.toContain('acme');
      const report = await core.healthReport();
      expect(report.checks.find((c) => c.id === 'settings-provider:acme')).toMatchObject({
        status: 'warn',
        message: expect.stringMatching(/not signed/),
      });
    } finally {
      await core.close();
    }
    // The app's start writes the ignored entry to the security log.
    const again = await open();
    try {
      expect(again.readLog(20).find((e) => e.event === 'settings_provider_ignored')).toMatchObject({
        details: { provider: 'acme', reason: 'unauthenticated' },
      });
    } finally {
      await again.close();
    }
  });

  it('an edited custom entry is ignored: refreshing its account sends nothing anywhere', async () => {
    const core = await open();
    await connectAlice(core);
    await core.close();
    const settings = readSettings();
    settings.customProviders![0]!.issuer = rogue.issuer; // the signature no longer matches
    writeSettings(settings);
    const again = await open();
    try {
      expect(again.listProviders().map((p) => p.id)).not.toContain('acme');
      const err = await again.refreshAccount('acme', 'alice@example.test').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'unknown_provider' });
      expect(exitCodeFor(err)).toBe(78);
      expect(rogue.bodies).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('a provider whose entry was lost can not be re-added at another issuer while its accounts exist', async () => {
    const core = await open();
    await connectAlice(core);
    await core.close();
    writeSettings({});
    const again = await open();
    try {
      expect(again.listProviders().map((p) => p.id)).not.toContain('acme');
      await expect(
        again.createCustomProvider({ id: 'acme', issuer: rogue.issuer, clientId: 'x', scopes: ['openid'] }),
      ).rejects.toMatchObject({
        code: 'provider_id_taken',
      });
      // Re-adding it where the accounts were connected is fine.
      await again.createCustomProvider({ id: 'acme', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
      await expect(again.refreshAccount('acme', 'alice@example.test')).resolves.toMatchObject({ status: 'active' });
    } finally {
      await again.close();
    }
    expect(rogue.bodies).toEqual([]);
  });

  it('a provider now configured at another issuer is refused with issuer_mismatch, logged, exit 78', async () => {
    const core = await open();
    await connectAlice(core);
    await core.close();
    // A registration from code that points the id elsewhere (the same as any other route to a changed definition).
    const again = await open({ providers: [{ id: 'acme', issuer: rogue.issuer, clientId: 'x', scopes: ['openid'] }] });
    try {
      const err = await again.refreshAccount('acme', 'alice@example.test').catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'OAuthError', category: 'configuration', code: 'issuer_mismatch' });
      expect(exitCodeFor(err)).toBe(78);
      expect(again.readLog(20).find((e) => e.event === 'issuer_mismatch')).toMatchObject({
        provider: 'acme',
        success: false,
        details: { issuer: op.issuer },
      });
      const disconnect = await again.disconnectAccount('acme', 'alice@example.test');
      expect(disconnect).toEqual({ deleted: true, revocation: 'failed' });
    } finally {
      await again.close();
    }
    expect(rogue.bodies).toEqual([]);
  });

  it('a discovery document whose token endpoint moved to another origin is refused', async () => {
    let moved = false;
    const elsewhere = await startRogueIssuer();
    const shifty = await startRogueIssuer({ tokenOrigin: () => (moved ? elsewhere.issuer : shifty.issuer) });
    try {
      const core = await open();
      await core.createCustomProvider({ id: 'shifty', issuer: shifty.issuer, clientId: 'c', scopes: ['openid'] });
      coreInternals(core).tokens.saveToken(
        'shifty',
        'u',
        { access_token: 'a', refresh_token: 'shifty-rt', expires_in: 60 },
        {
          binding: { issuer: shifty.issuer, tokenOrigin: shifty.issuer },
        },
      );
      moved = true;
      const err = await core.refreshAccount('shifty', 'u').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'issuer_mismatch' });
      expect(elsewhere.bodies).toEqual([]);
      expect(shifty.bodies).toEqual([]);
      await core.close();
    } finally {
      await elsewhere.close();
      await shifty.close();
    }
  });
});

describe('the data folder .env', () => {
  it('loads only the client variables: GIT_CONFIG_* there can not run a command during `osmen-cred check`', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'osmen-repo-'));
    execFileSync('git', ['init', '-q'], { cwd: repo });
    writeFileSync(join(repo, 'a.txt'), 'a\n');
    execFileSync('git', ['add', 'a.txt'], { cwd: repo });
    execFileSync('git', ['-c', 'user.email=t@e.st', '-c', 'user.name=t', 'commit', '-qm', 'a'], { cwd: repo });
    const marker = join(home.dir, 'pwned');
    writeFileSync(
      join(home.dir, '.env'),
      `GOOGLE_CLIENT_ID=1234-abc.apps.googleusercontent.com\nGIT_CONFIG_COUNT=1\nGIT_CONFIG_KEY_0=core.fsmonitor\nGIT_CONFIG_VALUE_0=touch ${marker}; false\n`,
      { mode: 0o644 },
    );
    chmodSync(join(home.dir, '.env'), 0o644);
    const core = await open();
    await core.close();
    const r = await runCli(['check', '--json'], cliEnv({ OSMEN_REPO_DIR: repo }));
    expect(existsSync(marker)).toBe(false);
    const checks = (JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string; message: string }> }).checks;
    expect(checks.find((c) => c.id === 'env-file-ignored')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('GIT_CONFIG_COUNT'),
    });
    expect(checks.find((c) => c.id === 'env-file-permissions')).toMatchObject({ status: 'warn' });
    expect(checks.find((c) => c.id === 'provider:google')?.status ?? 'pass').not.toBe('fail');
  });
});

describe('a bad Microsoft tenant', () => {
  it('is refused before it is saved, and the vault keeps working', async () => {
    const core = await open({ env: { MICROSOFT_CLIENT_ID: '00000000-0000-0000-0000-000000000001' } });
    try {
      await expect(core.connectAccount('microsoft', { tenant: 'foo', openUrl: () => undefined })).rejects.toMatchObject({
        code: 'invalid_tenant',
      });
      expect(existsSync(settingsPath()) ? readSettings().microsoftTenant : undefined).toBeUndefined();
      expect(core.listProviders().find((p) => p.id === 'microsoft')).toMatchObject({ configured: true });
    } finally {
      await core.close();
    }
  });

  it('stored by hand is a health warning, never a startup failure', async () => {
    writeSettings({ microsoftTenant: 'foo' });
    const core = await open({ env: { MICROSOFT_CLIENT_ID: '00000000-0000-0000-0000-000000000001' } });
    try {
      expect(core.listProviders().find((p) => p.id === 'microsoft')).toMatchObject({
        configured: false,
        configHint: expect.stringMatching(/tenant/),
      });
      const report = await core.healthReport();
      expect(report.checks.find((c) => c.id === 'microsoft-tenant')).toMatchObject({ status: 'warn' });
    } finally {
      await core.close();
    }
    const list = await runCli(['list', '--json'], cliEnv());
    expect(list.code).toBe(0);
  });
});
