import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionManager, type KeyCustody, ProviderRegistry, TokenManager } from '../../src/main/core/index.js';
import { createCredentialCore, type CredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { startScriptedTokenServer } from '../helpers/http-fixtures.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { vaultCustody } from '../helpers/vault-keychain.js';

const SCOPES = ['openid', 'email', 'profile', 'offline_access'];
let op: TestProvider;
beforeAll(async () => {
  op = await startTestProvider();
});
afterAll(async () => {
  await op.close();
});

async function connectAlice(core: CredentialCore, login = 'alice') {
  await core.addCustomProvider({ id: 'testop', displayName: 'Test OP', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
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
    await core.addCustomProvider({ id: 'acme', issuer: op.issuer, clientId: 'acme-client', clientSecret: 'CANARY-acme-secret-91f2', scopes: ['openid'] });
    expect(core.updateSettings({ refreshWindowMs: 120_000, backgroundRefreshPaused: true })).toMatchObject({ refreshWindowMs: 120_000, backgroundRefreshPaused: true });
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
    writeFileSync(join(home.dir, '.env'), 'GOOGLE_CLIENT_ID=1234-abc.apps.googleusercontent.com\nMICROSOFT_CLIENT_ID=from-file\n', { mode: 0o600 });
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
      await expect(core.addCustomProvider({ id: 'google', issuer: other, clientId: 'x', scopes: ['openid'] })).rejects.toMatchObject({ code: 'provider_id_taken' });
      expect(core.listProviders().find((p) => p.id === 'google')).toMatchObject({ kind: 'google' });
      // A custom id with a connected account.
      await connectAlice(core);
      await expect(core.addCustomProvider({ id: 'testop', issuer: other, clientId: 'x', scopes: ['openid'] })).rejects.toMatchObject({ code: 'provider_id_taken' });
      expect(core.listProviders().find((p) => p.id === 'testop')?.issuer).toBe(op.issuer);
      // Same issuer again (a changed client id or scopes) stays allowed.
      await core.addCustomProvider({ id: 'testop', displayName: 'Test OP', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
    } finally {
      await core.close();
      home.cleanup();
    }
  });

  it('a token that fails to decrypt (tampered, swapped between rows) is written to the security log', async () => {
    const home = makeTmpHome();
    const core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: {} });
    try {
      coreInternals(core).tokens.saveToken('google', 'a@example.test', { access_token: 'access-a', refresh_token: 'refresh-a', expires_in: 3600 });
      coreInternals(core).tokens.saveToken('google', 'b@example.test', { access_token: 'access-b', refresh_token: 'refresh-b', expires_in: 3600 });
      // Someone copies b's ciphertext into a's row.
      coreInternals(core).tokens.database
        .prepare("UPDATE tokens SET access_token_enc = (SELECT access_token_enc FROM tokens WHERE user_id = 'b@example.test') WHERE user_id = 'a@example.test'")
        .run();
      await expect(coreInternals(core).refresher.getValidAccessToken('google', 'a@example.test')).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
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
      const reopened = new TokenManager({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(key) });
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
    const core2 = await createCredentialCore({ home: home2.dir, encryptionKey: EncryptionManager.generateKey(), env: {}, providers: registry });
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
      await expect(core.addCustomProvider({ id: 'evil', issuer: 'http://idp.example.com', clientId: 'x', scopes: ['openid'] })).rejects.toMatchObject({ name: 'OAuthConfigError' });
      expect(core.listProviders().some((p) => p.id === 'evil')).toBe(false);
    } finally {
      await core.close();
      home.cleanup();
    }
  });

  it('produces a health report with fixes', async () => {
    const home = makeTmpHome();
    const core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: { GOOGLE_CLIENT_ID: 'not-a-google-id' } });
    try {
      const report = await core.healthReport();
      expect(report.ok).toBe(false);
      const bad = report.checks.find((c) => c.status === 'fail');
      expect(bad?.fix).toBeTruthy();
      expect(report.checks.length).toBeGreaterThan(2);
      const logged = core.readLog(20).filter((e) => e.event === 'validation_failure').map((e) => e.details.code);
      expect(logged).toContain(bad!.id);
    } finally {
      await core.close();
      home.cleanup();
    }
  });
});

describe('createCredentialCore with the OS keychain', () => {
  const service = `OsMEN Credential Manager (core test ${randomUUID()})`;
  const made: KeyCustody[] = [];
  const custodyOf = (svc: string, home: string): KeyCustody => {
    const c = vaultCustody(svc, home);
    made.push(c);
    return c;
  };

  afterAll(async () => {
    for (const c of made) await c.deleteAll();
  });

  it('creates the master key in the keychain once, reuses it, and rotates it crash-safely', async () => {
    const home = makeTmpHome();
    try {
      const first = await createCredentialCore({ home: home.dir, keychainService: service, env: {} });
      expect(first.keySource).toBe('keychain-created');
      coreInternals(first).tokens.saveToken('google', 'u', { access_token: 'a', refresh_token: 'r' });
      const custody = custodyOf(service, home.dir);
      const pending = `master-key/${first.vaultId}.pending`;
      const oldKey = await custody.readKeychainKey();
      await first.close();

      const second = await createCredentialCore({ home: home.dir, keychainService: service, env: {} });
      expect(second.keySource).toBe('keychain');
      const rotated = await second.rotateKey();
      expect(rotated.rotated).toBe(1);
      const newKey = await custody.readKeychainKey();
      expect(newKey).not.toBe(oldKey);
      expect(await custody.readKeychainKey(pending)).toBeNull();
      expect(second.readLog(10).some((e) => e.event === 'key_rotation')).toBe(true);
      expect(second.verifyLog().ok).toBe(true); // the chain survives the rotation
      await second.close();

      // A rotation that died after staging: the next start finishes it.
      const staged = EncryptionManager.generateKey();
      await custody.stagePendingKey(staged);
      const third = await createCredentialCore({ home: home.dir, keychainService: service, env: {} });
      expect(coreInternals(third).tokens.getToken('google', 'u')).toMatchObject({ accessToken: 'a', refreshToken: 'r' });
      expect(await custody.readKeychainKey()).toBe(staged);
      expect(await custody.readKeychainKey(pending)).toBeNull();
      await third.close();
      const check = new TokenManager({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(staged) });
      expect(check.getToken('google', 'u')!.refreshToken).toBe('r');
      check.close();
    } finally {
      home.cleanup();
    }
  });

  it('processes starting at once on a fresh machine agree on one master key; no vault is sealed with a lost key', async () => {
    const home = makeTmpHome();
    const svc = `${service} (first run)`;
    let shared: KeyCustody | undefined;
    const script = fileURLToPath(new URL('./fixtures/core-opener.ts', import.meta.url));
    const children = Array.from({ length: 4 }, (_, i) =>
      spawn(process.execPath, ['--import', 'tsx', script, home.dir, svc, `user${i}`], {
        cwd: fileURLToPath(new URL('../../', import.meta.url)),
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    try {
      const outputs = children.map((c) => {
        const lines: string[] = [];
        let buf = '';
        const ready = new Promise<void>((resolve) =>
          c.stdout!.on('data', (d: Buffer) => {
            buf += d.toString();
            const parts = buf.split('\n');
            buf = parts.pop()!;
            for (const p of parts) {
              if (p === 'ready') resolve();
              else lines.push(p);
            }
          }),
        );
        return { lines, ready, exited: new Promise<void>((resolve) => c.on('exit', () => resolve())) };
      });
      await Promise.all(outputs.map((o) => o.ready));
      for (const c of children) c.stdin!.write('go\n');
      await Promise.all(outputs.map((o) => o.exited));
      const results = outputs.map((o) => JSON.parse(o.lines[0]!) as { ok: boolean; keyId?: string; code?: string });
      expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
      // Every process used the key that the keychain holds now, so every account stays readable.
      shared = custodyOf(svc, home.dir);
      const key = (await shared.readKeychainKey())!;
      expect(new Set(results.map((r) => r.keyId))).toEqual(new Set([new EncryptionManager(key).primaryKeyId]));
      const check = new TokenManager({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(key) });
      expect(check.listTokens().map((t) => t.userId)).toEqual(['user0', 'user1', 'user2', 'user3']);
      check.close();
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill();
      await shared?.deleteAll();
      home.cleanup();
    }
  });

  it('a vault whose key is missing from the keychain is not given a new key', async () => {
    const home = makeTmpHome();
    const svc = `${service} (lost key)`;
    try {
      const first = await createCredentialCore({ home: home.dir, keychainService: svc, env: {} });
      coreInternals(first).tokens.saveToken('google', 'u', { access_token: 'a', refresh_token: 'r' });
      await first.close();
      const shared = custodyOf(svc, home.dir);
      const original = (await shared.readKeychainKey())!;
      await shared.deleteKeychainKey(); // the keychain lost it, or did not return it this time
      const refused = await createCredentialCore({ home: home.dir, keychainService: svc, env: {} }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'KEY_MISSING' });
      // The advice fits an existing vault: restore the key, don't make a new one.
      expect((refused as Error).message).toMatch(/Restore the key from your backup/);
      expect((refused as Error).message).toMatch(/Do not generate a new key/);
      expect((refused as Error).message).not.toMatch(/keygen/);
      expect(await shared.readKeychainKey()).toBeNull(); // no replacement key was stored
      // Restoring the original key opens the vault with nothing lost.
      await shared.writeKeychainKey(original);
      const again = await createCredentialCore({ home: home.dir, keychainService: svc, env: {} });
      expect(coreInternals(again).tokens.getToken('google', 'u')).toMatchObject({ refreshToken: 'r' });
      await again.close();
    } finally {
      home.cleanup();
    }
  });

  it('an open core keeps reading after another process rotated the key in the keychain', async () => {
    const home = makeTmpHome();
    const svc = `${service} (shared)`;
    try {
      const app = await createCredentialCore({ home: home.dir, keychainService: svc, env: {} });
      const shared = custodyOf(svc, home.dir);
      coreInternals(app).tokens.saveToken('google', 'u', { access_token: 'a1', refresh_token: 'r1' });
      const cli = await createCredentialCore({ home: home.dir, keychainService: svc, env: {} });
      await cli.rotateKey();
      coreInternals(cli).tokens.saveToken('google', 'v', { access_token: 'a2', refresh_token: 'r2' });
      await cli.close();
      // `app` still holds only the old key; the rows now name the new one.
      expect(coreInternals(app).tokens.getToken('google', 'u')).toMatchObject({ accessToken: 'a1', refreshToken: 'r1' });
      expect(coreInternals(app).tokens.getToken('google', 'v')).toMatchObject({ accessToken: 'a2', refreshToken: 'r2' });
      expect(coreInternals(app).tokens.encryptionManager.primaryKeyId).toBe(new EncryptionManager((await shared.readKeychainKey())!).primaryKeyId);
      await app.close();
    } finally {
      home.cleanup();
    }
  });

  it('an env-key vault refuses a silent rotation (the caller must keep the new key)', async () => {
    const home = makeTmpHome();
    const key = EncryptionManager.generateKey();
    const core = await createCredentialCore({ home: home.dir, env: { OAUTH_ENCRYPTION_KEY: key } });
    try {
      expect(core.keySource).toBe('env');
      await expect(core.rotateKey()).rejects.toMatchObject({ code: 'KEY_MISSING' });
      const next = EncryptionManager.generateKey();
      await expect(core.rotateKey(next)).resolves.toMatchObject({ keyId: new EncryptionManager(next).primaryKeyId });
    } finally {
      await core.close();
      home.cleanup();
    }
  });

  it('with no keychain and no env key it stores nothing (no plaintext fallback)', () => {
    const home = makeTmpHome();
    const dataDir = join(home.dir, 'never-created');
    const script = `
      import { createCredentialCore } from './src/main/core/credential-core.ts';
      try { await createCredentialCore({ home: ${JSON.stringify(dataDir)}, env: {} }); console.log('UNEXPECTED-OK'); }
      catch (e) { console.log(JSON.stringify({ code: e.code })); }
    `;
    const env = { ...process.env };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.OAUTH_ENCRYPTION_KEY;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8' });
    try {
      expect(JSON.parse(res.stdout.trim().split('\n').pop()!)).toEqual({ code: 'KEYCHAIN_UNAVAILABLE' });
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      home.cleanup();
    }
  });
});
