/**
 * The IPC handler table against the real credential core (SQLite file vault,
 * real security log) and a real OpenID Provider on loopback: every channel
 * with a valid payload, typed errors, the response gate, and no secret in any
 * reply.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { createHandlerTable, type HandlerTable } from '../../src/main/ipc/handlers.js';
import { RejectionReporter } from '../../src/main/ipc/rejections.js';
import { AccountDtoSchema, CHANNELS, CHANNEL_NAMES, IpcResultSchema, type Channel, type IpcResult } from '../../src/shared/ipc-contract.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { PUBLIC_CLIENT_ID, browseAuthorization, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import type { CredentialCore } from '../../src/main/core/api.js';
import type { HandlerDeps } from '../../src/main/ipc/handler-context.js';

const TEST_SCOPES = ['openid', 'email', 'profile', 'offline_access'];

// Shared and read-only: the OpenID Provider. Each test gets its own vault, core and table.
let op: TestProvider;
let home: { dir: string; cleanup: () => void };
let core: CredentialCore;
let table: HandlerTable;
let opened: string[];

function deps(getCore: () => CredentialCore | null): HandlerDeps {
  return {
    getCore,
    vaultError: () => ({ code: 'KEYCHAIN_UNAVAILABLE', message: 'No keychain and no OAUTH_ENCRYPTION_KEY.' }),
    appInfo: { version: '0.1.0-test', platform: 'linux' },
    openExternal: (url) => {
      opened.push(url);
    },
    reportRejection: new RejectionReporter(() => (getCore() ? coreInternals(core).log : null)),
  };
}

async function ok<C extends Channel>(channel: C, payload?: unknown): Promise<unknown> {
  const r = await table.invoke(channel, payload);
  if (!r.ok) throw new Error(`${channel} failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

beforeAll(async () => {
  op = await startTestProvider();
});

afterAll(async () => {
  await op?.close();
});

beforeEach(async () => {
  opened = [];
  home = makeTmpHome('osmen-ipc-');
  core = await createCredentialCore({
    home: home.dir,
    encryptionKey: EncryptionManager.generateKey(),
    env: {},
    // The "browser": drive the provider's real login and consent pages over HTTP.
    openUrl: async (url) => {
      // If the browser step fails, end the connect at once instead of waiting for its timeout.
      await browseAuthorization(url, { login: 'alice' }).catch((err: unknown) => {
        core.cancelConnect();
        throw err;
      });
    },
  });
  // oidc-provider grants offline_access only with prompt=consent (as Google does).
  coreInternals(core).providers.register({
    id: 'testop',
    displayName: 'Test OP',
    issuer: op.issuer,
    clientId: PUBLIC_CLIENT_ID,
    scopes: TEST_SCOPES,
    extraAuthParams: { prompt: 'consent' },
  });
  table = createHandlerTable(deps(() => core));
});

afterEach(async () => {
  await core?.close();
  home?.cleanup();
});

describe('IPC handler table — every channel with a valid payload', () => {
  it('registers exactly the contract channels', () => {
    expect([...table.channels].sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  it('app:status reports an open vault and its key source', async () => {
    expect(await ok('osmen:app:status')).toEqual({
      vault: 'ready',
      keySource: 'explicit',
      error: null,
      version: '0.1.0-test',
      platform: 'linux',
    });
  });

  it('providers:list lists built-ins and the loopback provider', async () => {
    const list = (await ok('osmen:providers:list', {})) as Array<{ id: string }>;
    expect(list.map((p) => p.id)).toEqual(expect.arrayContaining(['google', 'microsoft', 'testop']));
  });

  it('connect -> list -> refresh -> refresh-all -> disconnect through the real provider', async () => {
    const account = AccountDtoSchema.parse(await ok('osmen:accounts:connect', { providerId: 'testop' }));
    expect(account).toMatchObject({ provider: 'testop', userId: expect.any(String), status: 'active', hasRefreshToken: true });
    expect(account.expiresAt).toBeGreaterThan(Date.now());

    const list = (await ok('osmen:accounts:list')) as Array<{ provider: string; userId: string }>;
    expect(list).toHaveLength(1);

    op.resetCounts();
    const refreshed = AccountDtoSchema.parse(await ok('osmen:accounts:refresh', { providerId: 'testop', userId: account.userId }));
    expect(op.count('refresh_token')).toBe(1);
    expect(refreshed.lastRefreshAt).not.toBeNull();

    // The scheduler's pass: nothing is due an hour before expiry.
    expect(await ok('osmen:accounts:refresh-all')).toEqual({ due: 0, refreshed: 0, failed: 0, skipped: [], failures: [] });
    expect(op.count('refresh_token')).toBe(1);
    // "Refresh all now": every refreshable account, due or not.
    expect(await ok('osmen:accounts:refresh-all', { force: true })).toEqual({ due: 1, refreshed: 1, failed: 0, skipped: [], failures: [] });
    expect(op.count('refresh_token')).toBe(2);

    const log = (await ok('osmen:log:read', { limit: 50 })) as Array<{ event: string }>;
    expect(log.map((e) => e.event)).toEqual(expect.arrayContaining(['connect', 'refresh']));
    expect(await ok('osmen:log:verify')).toMatchObject({ ok: true });

    const result = await ok('osmen:accounts:disconnect', { providerId: 'testop', userId: account.userId });
    expect(result).toEqual({ deleted: true, revocation: 'revoked' });
    expect(await ok('osmen:accounts:list')).toEqual([]);
  });

  it('cancel-connect with nothing running says so', async () => {
    expect(await ok('osmen:accounts:cancel-connect')).toEqual({ cancelled: false });
  });

  it('health:report gives the checks a fresh private vault must produce, and fails on a readable database', async () => {
    const checks = (r: unknown) => (r as { checks: Array<{ id: string; status: string }> }).checks.map((c) => `${c.id}: ${c.status}`);
    const report = (await ok('osmen:health:report')) as { ok: boolean; checks: Array<{ id: string; status: string; fix?: string }> };
    expect(report.ok).toBe(true);
    expect(checks(report)).toEqual([
      'encryption-key: pass', // the key was given by the caller
      'providers: warn', // no Google or Microsoft client in this environment
      'permissions:home: pass',
      'permissions:db: pass',
      'permissions:db-wal: pass',
      'permissions:db-shm: pass',
      'permissions:log: pass',
      'handoff-consent: pass', // a new vault asks before programs get tokens
      'security-log-chain: pass',
      'security-log-rollback: pass',
      'security-log-reanchors: pass',
    ]);
    expect(report.checks.find((c) => c.id === 'providers')!.fix).toMatch(/custom OpenID provider/);

    // The token database readable by its group: that check fails, with the command that fixes it.
    const db = join(home.dir, 'tokens.db');
    chmodSync(db, 0o640);
    const bad = (await ok('osmen:health:report')) as typeof report;
    expect(bad.ok).toBe(false);
    expect(bad.checks.filter((c) => c.status === 'fail')).toEqual([
      expect.objectContaining({ id: 'permissions:db', fix: `chmod 0600 '${db}'` }),
    ]);
  });

  it('settings:get / settings:update round-trip and reach the scheduler state', async () => {
    const before = (await ok('osmen:settings:get')) as { refreshWindowMs: number };
    expect(before.refreshWindowMs).toBe(300_000);
    const after = await ok('osmen:settings:update', { refreshWindowMs: 600_000, backgroundRefreshPaused: true });
    expect(after).toMatchObject({ refreshWindowMs: 600_000, backgroundRefreshPaused: true });
    expect(core.getSettings().refreshWindowMs).toBe(600_000);
    expect(await ok('osmen:scheduler:state')).toMatchObject({ paused: true });
  });

  it('providers:add-custom registers a loopback OIDC issuer and never returns the secret', async () => {
    const r = await table.invoke('osmen:providers:add-custom', {
      id: 'custom-op',
      displayName: 'Custom OP',
      issuer: op.issuer,
      clientId: 'osmen-confidential',
      clientSecret: 'S3CRET-custom-client-secret',
      scopes: ['openid', 'email'],
    });
    expect(r).toMatchObject({ ok: true, value: { id: 'custom-op', displayName: 'Custom OP', kind: 'oidc' } });
    expect(JSON.stringify(r)).not.toContain('S3CRET');
    const list = JSON.stringify(await table.invoke('osmen:providers:list', {}));
    expect(list).toContain('custom-op');
    expect(list).not.toContain('S3CRET');
  });

  it('app:open-external opens allow-listed https consoles only', async () => {
    await ok('osmen:app:open-external', { url: 'https://console.cloud.google.com/apis/credentials' });
    expect(opened).toEqual(['https://console.cloud.google.com/apis/credentials']);
    for (const url of [
      'http://console.cloud.google.com/',
      'https://console.cloud.google.com.attacker.example/',
      'https://evil.example/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https://user:pw@portal.azure.com/',
    ]) {
      const r = await table.invoke('osmen:app:open-external', { url });
      expect(r).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } });
    }
    expect(opened).toHaveLength(1);
  });
});

describe('IPC handler table — typed errors', () => {
  it('a core error becomes { code, message, retryable?, needsReauth? } without a stack', async () => {
    const r = await table.invoke('osmen:accounts:refresh', { providerId: 'testop', userId: 'nobody@example.test' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.error).every((k) => ['code', 'message', 'retryable', 'needsReauth', 'retryAfterMs'].includes(k))).toBe(true);
    expect(r.error.code).toMatch(/^[A-Za-z][A-Za-z0-9_.-]*$/);
    expect(r.error.message).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
    expect(IpcResultSchema.safeParse(r).success).toBe(true);
  });

  it('connecting an unconfigured provider fails with a typed config error', async () => {
    const r = await table.invoke('osmen:accounts:connect', { providerId: 'google' });
    expect(r).toMatchObject({
      ok: false,
      error: { code: expect.any(String), message: expect.stringMatching(/GOOGLE_CLIENT_ID|client id/i) },
    });
  });

  it('a locked vault answers app:status with the reason and every core channel with VAULT_LOCKED', async () => {
    const locked = createHandlerTable(deps(() => null));
    expect(await locked.invoke('osmen:app:status', {})).toEqual({
      ok: true,
      value: {
        vault: 'locked',
        keySource: null,
        error: { code: 'KEYCHAIN_UNAVAILABLE', message: 'No keychain and no OAUTH_ENCRYPTION_KEY.' },
        version: '0.1.0-test',
        platform: 'linux',
      },
    });
    const r = await locked.invoke('osmen:accounts:list', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'VAULT_LOCKED' } });
  });
});

describe('IPC handler table — the response gate', () => {
  it('drops fields outside the DTO (a token riding along never leaves)', async () => {
    coreInternals(core).tokens.saveToken('testop', 'gate@example.test', {
      access_token: 'CANARY-ACCESS-gate',
      refresh_token: 'CANARY-REFRESH-gate',
      expires_in: 3600,
      scope: 'openid',
    });
    const leaky: CredentialCore = Object.assign(Object.create(core) as CredentialCore, {
      listAccounts: () =>
        core.listAccounts().map((m) => ({ ...m, accessToken: 'CANARY-ACCESS-gate', refreshToken: 'CANARY-REFRESH-gate' })),
    });
    const t = createHandlerTable(deps(() => leaky));
    const r = await t.invoke('osmen:accounts:list', {});
    expect(r.ok).toBe(true);
    expect(JSON.stringify(r)).not.toContain('CANARY');
  });

  it('refuses to forward a response that breaks the contract', async () => {
    const broken: CredentialCore = Object.assign(Object.create(core) as CredentialCore, {
      schedulerState: () => ({ running: 'yes', paused: false, nextRunAt: -5 }),
    });
    const t = createHandlerTable(deps(() => broken));
    expect(await t.invoke('osmen:scheduler:state', {})).toMatchObject({ ok: false, error: { code: 'RESPONSE_REJECTED' } });
  });

  it('no reply on any channel contains a stored token (canary search)', async () => {
    coreInternals(core).tokens.saveToken('testop', 'canary@example.test', {
      access_token: 'CANARY-ACCESS-7f3a',
      refresh_token: 'CANARY-REFRESH-7f3a',
      id_token: 'CANARY-ID-7f3a',
      expires_in: 3600,
      scope: 'openid email',
    });
    const replies: IpcResult<unknown>[] = [];
    const payloads: Partial<Record<Channel, unknown>> = {
      'osmen:accounts:connect': { providerId: 'nope' },
      'osmen:accounts:disconnect': { providerId: 'testop', userId: 'missing@example.test' },
      'osmen:accounts:refresh': { providerId: 'testop', userId: 'canary@example.test' },
      'osmen:providers:add-custom': { id: 'x', issuer: 'http://example.com', clientId: 'c', scopes: ['openid'] },
      'osmen:settings:update': { startAtLogin: false },
      'osmen:log:read': { limit: 100 },
      'osmen:app:open-external': { url: 'https://evil.example' },
    };
    for (const channel of CHANNEL_NAMES) replies.push(await table.invoke(channel, payloads[channel] ?? {}));
    const all = JSON.stringify(replies);
    expect(all).toContain('canary@example.test');
    expect(all).not.toMatch(/CANARY-(ACCESS|REFRESH|ID)/);
  });

  it('every request schema is strict: an extra field on a valid payload is refused', async () => {
    const valid: Record<Channel, Record<string, unknown>> = {
      'osmen:app:status': {},
      'osmen:app:retry-open-vault': {},
      'osmen:app:quit': {},
      'osmen:app:copy': { what: 'token-command', providerId: 'testop', userId: 'u' },
      'osmen:accounts:list': {},
      'osmen:accounts:connect': { providerId: 'testop' },
      'osmen:accounts:cancel-connect': {},
      'osmen:accounts:sign-in-state': {},
      'osmen:accounts:reopen-sign-in': {},
      'osmen:accounts:disconnect': { providerId: 'testop', userId: 'u' },
      'osmen:accounts:refresh': { providerId: 'testop', userId: 'u' },
      'osmen:accounts:refresh-all': {},
      'osmen:providers:list': {},
      'osmen:providers:add-custom': { id: 'x', issuer: 'https://x.example', clientId: 'c', scopes: ['openid'] },
      'osmen:health:report': {},
      'osmen:settings:get': {},
      'osmen:settings:update': { startAtLogin: false },
      'osmen:scheduler:state': {},
      'osmen:log:read': { limit: 10 },
      'osmen:log:verify': {},
      'osmen:app:open-external': { url: 'https://github.com/' },
      'osmen:providers:config': {},
      'osmen:providers:check-field': { field: 'tenant', value: 'common' },
      'osmen:providers:set-builtin': { providerId: 'microsoft', clientId: 'c', clientSecret: { action: 'clear' } },
      'osmen:providers:clear-builtin': { providerId: 'google' },
      'osmen:providers:set-tenant': { tenant: 'common' },
      'osmen:providers:set-option': { providerId: 'microsoft', name: 'tenant', value: 'common' },
      'osmen:providers:update-custom': {
        id: 'x',
        issuer: 'https://x.example',
        clientId: 'c',
        clientSecret: { action: 'keep' },
        scopes: ['openid'],
      },
      'osmen:providers:remove-custom': { id: 'x' },
      'osmen:providers:device-support': { providerId: 'testop' },
      'osmen:accounts:connect-device': { providerId: 'testop' },
      'osmen:accounts:device-state': {},
      'osmen:accounts:open-device-page': {},
      'osmen:log:export': {},
      'osmen:consent:pending': {},
      'osmen:consent:answer': { id: 'c_abcdefgh', answer: 'deny' },
      'osmen:programs:list': {},
      'osmen:programs:revoke': { id: 'g_abcdefghij' },
      'osmen:programs:set-mode': { mode: 'ask' },
      'osmen:programs:dismiss-offer': {},
      'osmen:accounts:programs': { providerId: 'testop', userId: 'u' },
      'osmen:sdk:list': {},
      'osmen:sdk:start': {
        sdk: 'google',
        providerId: 'testop',
        userId: 'u',
        scopes: ['openid'],
        port: 0,
        bind: '127.0.0.1',
        forMs: 3_600_000,
      },
      'osmen:sdk:stop': { id: '0123456789abcdef' },
      'osmen:log:save-shown': { seqs: [1] },
    };
    for (const channel of CHANNEL_NAMES) {
      expect(CHANNELS[channel].request.safeParse(valid[channel]).success).toBe(true);
      const r = await table.invoke(channel, { ...valid[channel], accessToken: 'x' });
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringContaining('accessToken') } });
    }
  });
});
