import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderRegistry, TokenStore } from '../../src/main/core/index.js';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { startScriptedTokenServer } from '../helpers/http-fixtures.js';
import { makeTmpHome } from '../helpers/tmp.js';
import type { CredentialCore } from '../../src/main/core/api.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';

const SCOPES = ['openid', 'email', 'profile', 'offline_access'];
let op: TestProvider;
beforeAll(async () => {
  op = await startTestProvider();
});
afterAll(async () => {
  await op.close();
});

async function connectAlice(core: CredentialCore, login = 'alice') {
  await core.createCustomProvider({ id: 'testop', displayName: 'Test OP', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
  return core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login }) });
}

describe('createCredentialCore with an explicit key', () => {
  it('connects, lists, refreshes, logs and disconnects through the facade', async () => {
    const home = makeTmpHome();
    const core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: {} });
    const seen: string[] = [];
    core.events.on('accounts-changed', () => seen.push('accounts-changed'));
    core.events.on('token-refreshed', () => seen.push('token-refreshed'));
    try {
      expect(core.keySource).toBe('explicit');
      const account = await connectAlice(core);
      expect(account).toMatchObject({ provider: 'testop', userId: 'alice@example.test', status: 'active', hasRefreshToken: true });
      expect(core.listAccounts().map((a) => a.userId)).toEqual(['alice@example.test']);
      expect(core.listProviders().find((p) => p.id === 'testop')).toMatchObject({ configured: true, kind: 'oidc' });

      const before = coreInternals(core).tokens.getToken('testop', 'alice@example.test')!;
      const refreshed = await core.refreshAccount('testop', 'alice@example.test');
      const after = coreInternals(core).tokens.getToken('testop', 'alice@example.test')!;
      expect(after.accessToken).not.toBe(before.accessToken);
      expect(after.refreshToken).not.toBe(before.refreshToken); // the OP rotates refresh tokens
      expect(refreshed.lastRefreshAt).not.toBeNull();
      expect(seen).toContain('token-refreshed');

      const events = core.readLog(50).map((e) => e.event);
      expect(events).toEqual(expect.arrayContaining(['connect', 'refresh']));
      expect(core.verifyLog().ok).toBe(true);

      const result = await core.disconnectAccount('testop', 'alice@example.test');
      expect(result).toEqual({ deleted: true, revocation: 'revoked' });
      expect(core.listAccounts()).toEqual([]);
      expect(seen).toContain('accounts-changed');
    } finally {
      await core.close();
      home.cleanup();
    }
  });

  it('keeps custom providers (and their secret, encrypted) and settings across restarts', async () => {
    const home = makeTmpHome();
    const key = EncryptionManager.generateKey();
    const core = await createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });
    await core.createCustomProvider({
      id: 'acme',
      issuer: op.issuer,
      clientId: 'acme-client',
      clientSecret: 'CANARY-acme-secret-91f2',
      scopes: ['openid'],
    });
    expect(core.updateSettings({ refreshWindowMs: 120_000, backgroundRefreshPaused: true })).toMatchObject({
      refreshWindowMs: 120_000,
      backgroundRefreshPaused: true,
    });
    expect(() => core.updateSettings({ checkIntervalMs: 5 })).toThrow();
    await core.close();
    const raw = spawnSync('grep', ['-r', 'CANARY-acme-secret', home.dir]).stdout.toString();
    expect(raw).toBe('');
    const again = await createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });
    try {
      expect(again.listProviders().some((p) => p.id === 'acme')).toBe(true);
      expect(again.getSettings()).toMatchObject({ refreshWindowMs: 120_000, backgroundRefreshPaused: true });
      expect(coreInternals(again).refresher.refreshWindowMs).toBe(120_000);
    } finally {
      await again.close();
      home.cleanup();
    }
  });

  it('reads provider client ids from <home>/.env; the environment wins', async () => {
    const home = makeTmpHome();
    writeFileSync(join(home.dir, '.env'), 'GOOGLE_CLIENT_ID=1234-abc.apps.googleusercontent.com\nMICROSOFT_CLIENT_ID=from-file\n', {
      mode: 0o600,
    });
    const env: NodeJS.ProcessEnv = { MICROSOFT_CLIENT_ID: '00000000-0000-0000-0000-000000000001' };
    const core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env });
    try {
      expect(core.listProviders().find((p) => p.id === 'google')?.configured).toBe(true);
      expect(env.MICROSOFT_CLIENT_ID).toBe('00000000-0000-0000-0000-000000000001');
    } finally {
      await core.close();
      home.cleanup();
    }
  });

  it('refuses to re-point a provider id that holds tokens at another issuer', async () => {
    const home = makeTmpHome();
    const core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: {} });
    try {
      const other = 'https://idp.example.com';
      // A built-in id: its stored refresh tokens would go to the custom issuer.
      await expect(core.createCustomProvider({ id: 'google', issuer: other, clientId: 'x', scopes: ['openid'] })).rejects.toMatchObject({
        code: 'provider_id_taken',
      });
      expect(core.listProviders().find((p) => p.id === 'google')).toMatchObject({ kind: 'google' });
      // A custom id with a connected account.
      await connectAlice(core);
      const edit = { id: 'testop', issuer: other, clientId: 'x', scopes: ['openid'], clientSecret: { action: 'keep' as const } };
      await expect(core.updateCustomProvider(edit)).rejects.toMatchObject({ code: 'issuer_in_use' });
      expect(core.listProviders().find((p) => p.id === 'testop')?.issuer).toBe(op.issuer);
      // Same issuer again (a changed client id or scopes) stays allowed.
      await core.updateCustomProvider({ ...edit, displayName: 'Test OP', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
    } finally {
      await core.close();
      home.cleanup();
    }
  });

  it('a token that fails to decrypt (tampered, swapped between rows) is written to the security log', async () => {
    const home = makeTmpHome();
    const core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: {} });
    try {
      coreInternals(core).tokens.saveToken('google', 'a@example.test', {
        access_token: 'access-a',
        refresh_token: 'refresh-a',
        expires_in: 3600,
      });
      coreInternals(core).tokens.saveToken('google', 'b@example.test', {
        access_token: 'access-b',
        refresh_token: 'refresh-b',
        expires_in: 3600,
      });
      // Someone copies b's ciphertext into a's row.
      coreInternals(core)
        .tokens.database.prepare(
          "UPDATE tokens SET access_token_enc = (SELECT access_token_enc FROM tokens WHERE user_id = 'b@example.test') WHERE user_id = 'a@example.test'",
        )
        .run();
      await expect(coreInternals(core).refresher.getValidAccessToken('google', 'a@example.test')).rejects.toMatchObject({
        code: 'DECRYPT_FAILED',
      });
      const entry = core.readLog(10).find((e) => e.event === 'decryption_failure');
      expect(entry).toMatchObject({ provider: 'google', success: false, details: { field: 'access', code: 'DECRYPT_FAILED' } });
      expect(entry!.userHash).toBe(coreInternals(core).log.userHash('a@example.test'));
      expect(core.verifyLog().ok).toBe(true);
    } finally {
      await core.close();
      home.cleanup();
    }
  });

  it('close() waits for a refresh in flight, so a rotated refresh token is stored before the vault closes', async () => {
    const server = await startScriptedTokenServer([
      { status: 200, body: { access_token: 'access-2', refresh_token: 'refresh-2-rotated', expires_in: 3600, token_type: 'Bearer' } },
    ]);
    let reached!: () => void;
    const atProvider = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gatedFetch: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/token')) {
        reached();
        await gate; // the provider is answering while the user quits
      }
      return fetch(input, init);
    };
    const home = makeTmpHome();
    const key = EncryptionManager.generateKey();
    const core = await createCredentialCore({ home: home.dir, encryptionKey: key, env: {}, fetch: gatedFetch });
    try {
      coreInternals(core).providers.register({ id: 'local', endpoints: server.endpoints, clientId: 'c', scopes: ['read'] });
      coreInternals(core).tokens.saveToken('local', 'u', { access_token: 'access-1', refresh_token: 'refresh-1', expires_in: 3600 });
      const refreshing = core.refreshAccount('local', 'u').then(
        () => 'ok',
        (e: unknown) => e,
      );
      await atProvider;
      const closing = core.close();
      release();
      await closing;
      expect(await refreshing).toBe('ok');
      const reopened = new TokenStore({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(key) });
      expect(reopened.getToken('local', 'u')).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-2-rotated' });
      reopened.close();
    } finally {
      release();
      await core.close();
      await server.close();
      home.cleanup();
    }
  });

  it('takes providers from code: a list of registrations, or a ready ProviderRegistry', async () => {
    const reg = { id: 'codeop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES, extraAuthParams: { prompt: 'consent' } };
    const home = makeTmpHome();
    const core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: {}, providers: [reg] });
    try {
      expect(core.listProviders().map((p) => p.id)).toEqual(expect.arrayContaining(['google', 'microsoft', 'codeop']));
      const account = await core.connectAccount('codeop', { openUrl: (url) => void browseAuthorization(url, { login: 'erin' }) });
      expect(account).toMatchObject({ provider: 'codeop', userId: 'erin@example.test', hasRefreshToken: true });
      await expect(core.refreshAccount('codeop', account.userId)).resolves.toMatchObject({ status: 'active' });
    } finally {
      await core.close();
      home.cleanup();
    }
    const registry = new ProviderRegistry({ env: {} });
    registry.register(reg);
    const home2 = makeTmpHome();
    const core2 = await createCredentialCore({
      home: home2.dir,
      encryptionKey: EncryptionManager.generateKey(),
      env: {},
      providers: registry,
    });
    try {
      expect(coreInternals(core2).providers).toBe(registry);
      expect(coreInternals(core2).refresher.providers.getHandler('codeop').id).toBe('codeop');
    } finally {
      await core2.close();
      home2.cleanup();
    }
  });

  it('rejects an http:// issuer that is not on loopback and saves nothing', async () => {
    const home = makeTmpHome();
    const core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: {} });
    try {
      await expect(
        core.createCustomProvider({ id: 'evil', issuer: 'http://idp.example.com', clientId: 'x', scopes: ['openid'] }),
      ).rejects.toMatchObject({
        name: 'OAuthError',
        category: 'configuration',
      });
      expect(core.listProviders().some((p) => p.id === 'evil')).toBe(false);
    } finally {
      await core.close();
      home.cleanup();
    }
  });

  it('produces a health report with fixes', async () => {
    const home = makeTmpHome();
    const core = await createCredentialCore({
      home: home.dir,
      encryptionKey: EncryptionManager.generateKey(),
      env: { GOOGLE_CLIENT_ID: 'not-a-google-id' },
    });
    try {
      const report = await core.healthReport();
      expect(report.ok).toBe(false);
      const bad = report.checks.find((c) => c.status === 'fail');
      expect(bad?.fix).toBeTruthy();
      expect(report.checks.length).toBeGreaterThan(2);
      const logged = core
        .readLog(20)
        .filter((e) => e.event === 'validation_failure')
        .map((e) => e.details.code);
      expect(logged).toContain(bad!.id);
    } finally {
      await core.close();
      home.cleanup();
    }
  });
});
