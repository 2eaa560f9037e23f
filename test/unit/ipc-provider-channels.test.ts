/**
 * The channels of Settings → Providers, "Sign in on another device" and the log export, through
 * the real handler table against the real core and a real OpenID Provider (device flow on):
 * replies never carry a client secret, a device code or a token; the code reaches the renderer
 * as an event and a state channel; "Open the page" opens the provider's page through the
 * sign-in port, never a URL from the renderer; the export goes where the save dialog said.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { verifyExportFile } from '../../src/main/core/audit/log-export.js';
import { createHandlerTable, type HandlerTable } from '../../src/main/ipc/handlers.js';
import { CHANNELS, type Channel, type DeviceSignInStateDto, type IpcResult } from '../../src/shared/ipc-contract.js';
import { browseDeviceVerification, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { makeTmpHome } from '../helpers/tmp.js';
import type { CredentialCore } from '../../src/main/core/api.js';

const SCOPES = ['openid', 'email', 'profile', 'offline_access'];
const GOOGLE_SECRET = 'GOCSPX-CANARY-google-secret-0000';
let op: TestProvider;
let home: ReturnType<typeof makeTmpHome>;
let core: CredentialCore;
let table: HandlerTable;
let exportDir: string;
const opened: string[] = [];
const clipboard: string[] = [];
const deviceEvents: DeviceSignInStateDto[] = [];
const replies: IpcResult<unknown>[] = [];
/** What the save dialog answers next (a path, or null: Cancel). */
let saveAnswer: string | null = null;
/** Device codes the provider issued: none may reach a reply or an event. */
const deviceCodes: string[] = [];

async function call(channel: Channel, payload: unknown = {}): Promise<IpcResult<unknown>> {
  const r = await table.invoke(channel, payload);
  replies.push(r);
  if (r.ok) expect(CHANNELS[channel].response.safeParse(r.value).success).toBe(true);
  return r;
}
async function ok(channel: Channel, payload: unknown = {}): Promise<unknown> {
  const r = await call(channel, payload);
  if (!r.ok) throw new Error(`${channel} failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

beforeAll(async () => {
  op = await startTestProvider({ deviceFlow: { interval: 1 } });
  op.provider.on('device_authorization.success', (_ctx: unknown, body: Record<string, unknown>) => {
    if (typeof body.device_code === 'string') deviceCodes.push(body.device_code);
  });
  home = makeTmpHome('osmen-ipc-providers-');
  exportDir = mkdtempSync(join(tmpdir(), 'osmen-export-'));
  core = await createCredentialCore({
    home: home.dir,
    encryptionKey: EncryptionManager.generateKey(),
    env: { MICROSOFT_CLIENT_ID: '00000000-1111-2222-3333-444444444444' },
  });
  table = createHandlerTable({
    getCore: () => core,
    vaultError: () => null,
    appInfo: { version: 'test', platform: 'linux' },
    openExternal: () => undefined,
    openSignInPage: (url) => void opened.push(url),
    writeClipboard: (text) => void clipboard.push(text),
    chooseSavePath: async () => saveAnswer,
  });
  table.subscribe((channel, payload) => {
    if (channel === 'osmen:event:device-sign-in') deviceEvents.push(payload as DeviceSignInStateDto);
  });
});
afterAll(async () => {
  await core?.close();
  await op?.close();
  home?.cleanup();
  rmSync(exportDir, { recursive: true, force: true });
});

describe('Settings → Providers', () => {
  it('shows each effective client id with its source, and takes a secret without ever returning it', async () => {
    const config = (await ok('osmen:providers:config')) as { builtins: Array<{ id: string; clientId: unknown; clientSecret: unknown }> };
    expect(config.builtins.map((b) => [b.id, b.clientId, b.clientSecret])).toEqual([
      ['google', { source: 'none', value: null }, { source: 'none' }],
      ['microsoft', { source: 'environment', value: '00000000-1111-2222-3333-444444444444' }, { source: 'none' }],
      ['github', { source: 'none', value: null }, { source: 'none' }],
    ]);
    const set = await ok('osmen:providers:set-builtin', {
      providerId: 'google',
      clientId: '123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com',
      clientSecret: { action: 'set', value: GOOGLE_SECRET },
    });
    expect(set).toMatchObject({ id: 'google', configured: true, clientId: { source: 'app' }, clientSecret: { source: 'app' } });
    expect(coreInternals(core).tokens.readSecret('builtin/google/client_secret')).toBe(GOOGLE_SECRET);
    const bad = await call('osmen:providers:set-builtin', {
      providerId: 'microsoft',
      clientId: 'not-a-guid',
      clientSecret: { action: 'keep' },
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_client_id' } });
    expect(await ok('osmen:providers:clear-builtin', { providerId: 'google' })).toMatchObject({
      clientId: { source: 'none' },
      configured: false,
    });
    // What a tenant may be is the provider file's rule, applied by the core (the contract bounds the text).
    expect(await call('osmen:providers:set-tenant', { tenant: 'not a tenant' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_tenant' },
    });
    expect(await call('osmen:providers:set-tenant', { tenant: 'x'.repeat(254) })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
    expect(await ok('osmen:providers:set-tenant', { tenant: 'consumers' })).toMatchObject({
      id: 'microsoft',
      options: [expect.objectContaining({ name: 'tenant', value: 'consumers', source: 'app', env: 'MICROSOFT_TENANT' })],
    });
    // The general form: an option of the provider, checked by its file.
    expect(await ok('osmen:providers:set-option', { providerId: 'microsoft', name: 'tenant', value: 'organizations' })).toMatchObject({
      options: [expect.objectContaining({ value: 'organizations', source: 'app' })],
    });
    expect(await call('osmen:providers:set-option', { providerId: 'microsoft', name: 'tenant', value: 'not a tenant' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_tenant' },
    });
    expect(await call('osmen:providers:set-option', { providerId: 'google', name: 'tenant', value: 'common' })).toMatchObject({
      ok: false,
      error: { code: 'unknown_option' },
    });
    expect(
      await call('osmen:providers:set-builtin', { providerId: 'okta', clientId: 'x', clientSecret: { action: 'keep' } }),
    ).toMatchObject({
      ok: false,
      error: { code: 'unknown_provider' },
    });
  });

  it('checks a field as it is typed, without echoing it', async () => {
    const r = await ok('osmen:providers:check-field', { field: 'client-secret', provider: 'microsoft', value: 'CANARY-typed-secret' });
    expect(r).toMatchObject({ status: 'warn', message: expect.stringContaining('public client') });
    expect(JSON.stringify(r)).not.toContain('CANARY');
    expect(await ok('osmen:providers:check-field', { field: 'issuer', value: op.issuer })).toMatchObject({ status: 'warn' });
  });

  it('adds, refuses the same id again, edits and removes a custom provider', async () => {
    const input = { id: 'corp', displayName: 'Corp', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES };
    expect(await ok('osmen:providers:add-custom', input)).toMatchObject({ id: 'corp', configured: true });
    expect(await call('osmen:providers:add-custom', { ...input, displayName: 'Overwritten' })).toMatchObject({
      ok: false,
      error: { code: 'provider_exists' },
    });
    expect(await ok('osmen:providers:check-field', { field: 'provider-id', value: 'corp' })).toMatchObject({ status: 'error' });
    const edited = await ok('osmen:providers:update-custom', { ...input, displayName: 'Corp SSO', clientSecret: { action: 'keep' } });
    expect(edited).toEqual({
      id: 'corp',
      displayName: 'Corp SSO',
      issuer: op.issuer,
      clientId: PUBLIC_CLIENT_ID,
      hasClientSecret: false,
      scopes: SCOPES,
      accounts: 0,
    });
    expect(((await ok('osmen:providers:config')) as { custom: unknown[] }).custom).toEqual([edited]);
    expect(await ok('osmen:providers:device-support', { providerId: 'corp' })).toEqual({ supported: true });
    expect(await ok('osmen:providers:device-support', { providerId: 'google' })).toMatchObject({
      supported: false,
      code: 'not_configured',
    });
  });
});

describe('sign in on another device', () => {
  it('sends the code as an event and a state, copies it, opens the page, and ends with the account', async () => {
    const connecting = call('osmen:accounts:connect-device', { providerId: 'corp' });
    await expect
      .poll(() => deviceEvents.at(-1))
      .toMatchObject({ active: true, providerId: 'corp', code: { userCode: expect.any(String) } });
    const state = (await ok('osmen:accounts:device-state')) as Extract<DeviceSignInStateDto, { active: true }>;
    expect(state).toEqual(deviceEvents.at(-1));
    const code = state.code!;
    expect(code.verificationUri).toBe(`${op.issuer}/device`);
    expect(code.expiresAt).toBeGreaterThan(Date.now());

    expect(await ok('osmen:app:copy', { what: 'device-user-code' })).toEqual({ copied: true });
    expect(clipboard.at(-1)).toBe(code.userCode);
    expect(await ok('osmen:accounts:open-device-page')).toEqual({ opened: true });
    expect(opened.at(-1)).toBe(code.verificationUriComplete);

    await browseDeviceVerification(opened.at(-1)!, { login: 'dave' });
    const account = await connecting;
    expect(account).toMatchObject({ ok: true, value: { provider: 'corp', userId: 'dave@example.test', hasRefreshToken: true } });
    expect(deviceEvents.at(-1)).toEqual({ active: false });
    expect(await ok('osmen:accounts:device-state')).toEqual({ active: false });
    expect(await call('osmen:accounts:open-device-page')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('Cancel ends it with a typed error and nothing stored', async () => {
    const before = core.listAccounts().length;
    const connecting = call('osmen:accounts:connect-device', { providerId: 'corp' });
    await expect.poll(() => deviceEvents.at(-1)).toMatchObject({ active: true, code: { userCode: expect.any(String) } });
    expect(await ok('osmen:accounts:cancel-connect')).toEqual({ cancelled: true });
    expect(await connecting).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(deviceEvents.at(-1)).toEqual({ active: false });
    expect(core.listAccounts()).toHaveLength(before);
  });

  it('a provider without a device endpoint is refused with its reason', async () => {
    const plain = await startTestProvider();
    try {
      await ok('osmen:providers:add-custom', { id: 'plain', issuer: plain.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
      expect(await ok('osmen:providers:device-support', { providerId: 'plain' })).toMatchObject({
        supported: false,
        code: 'device_flow_unsupported',
      });
      expect(await call('osmen:accounts:connect-device', { providerId: 'plain' })).toMatchObject({
        ok: false,
        error: { code: 'device_flow_unsupported' },
      });
      expect(deviceEvents.at(-1)).toEqual({ active: false });
      await ok('osmen:providers:remove-custom', { id: 'plain' });
    } finally {
      await plain.close();
    }
  });

  it('removing the provider with its account disconnects it first', async () => {
    expect(await call('osmen:providers:remove-custom', { id: 'corp' })).toMatchObject({ ok: false, error: { code: 'provider_in_use' } });
    expect(await ok('osmen:providers:remove-custom', { id: 'corp', disconnectAccounts: true })).toEqual({
      removed: true,
      disconnected: 1,
      revocationFailed: 0,
      revocationUnsupported: 0,
    });
    expect(core.listAccounts()).toEqual([]);
  });
});

describe('the security log export', () => {
  it('writes the whole chain where the save dialog said, and says how many entries', async () => {
    saveAnswer = join(exportDir, 'log.jsonl');
    const r = (await ok('osmen:log:export')) as { saved: true; path: string; entries: number };
    expect(r).toEqual({ saved: true, path: saveAnswer, entries: core.verifyLog().entries });
    const verified = verifyExportFile(saveAnswer);
    expect(verified).toMatchObject({ ok: true, header: true, firstSeq: 1, entries: r.entries });
    saveAnswer = null;
    expect(await ok('osmen:log:export')).toEqual({ saved: false });
    saveAnswer = join(exportDir, 'no-such-folder', 'log.jsonl');
    expect(await call('osmen:log:export')).toMatchObject({ ok: false, error: { code: 'WRITE_FAILED' } });
    expect(existsSync(saveAnswer)).toBe(false);
  });

  it('saves the entries the view names, as it shows them, where the person chose; never into the data folder', async () => {
    const newest = core.readLog(3);
    saveAnswer = join(exportDir, 'shown.jsonl');
    const r = await ok('osmen:log:save-shown', { seqs: [newest[2]!.seq, newest[0]!.seq] });
    expect(r).toEqual({ saved: true, path: saveAnswer, entries: 2 });
    const lines = readFileSync(saveAnswer, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; hash: string });
    expect(lines.map((l) => l.seq)).toEqual([newest[0]!.seq, newest[2]!.seq]); // newest first, as the view lists them
    expect(lines[0]!.hash).toBe(newest[0]!.hash);
    expect(statSync(saveAnswer).mode & 0o777).toBe(0o600);
    saveAnswer = null;
    expect(await ok('osmen:log:save-shown', { seqs: [1] })).toEqual({ saved: false });
    saveAnswer = join(home.dir, 'security.log');
    const before = readFileSync(saveAnswer, 'utf8');
    expect(await call('osmen:log:save-shown', { seqs: [1] })).toMatchObject({ ok: false, error: { code: 'BAD_OPTIONS' } });
    expect(readFileSync(saveAnswer, 'utf8')).toBe(before);
    saveAnswer = join(exportDir, 'no-such-folder', 'shown.jsonl');
    expect(await call('osmen:log:save-shown', { seqs: [1] })).toMatchObject({ ok: false, error: { code: 'WRITE_FAILED' } });
    saveAnswer = null;
  });

  it('without a save dialog it is not available', async () => {
    const bare = createHandlerTable({
      getCore: () => core,
      vaultError: () => null,
      appInfo: { version: 't', platform: 'linux' },
      openExternal: () => undefined,
    });
    expect(await bare.invoke('osmen:log:export', {})).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
  });
});

describe('what crossed', () => {
  it('no reply or event carried a client secret, a device code or a token', () => {
    const all = JSON.stringify([replies, deviceEvents]);
    expect(deviceCodes.length).toBeGreaterThanOrEqual(2);
    for (const secret of [GOOGLE_SECRET, ...deviceCodes]) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/access_token|refresh_token|device_code/);
  });
});
