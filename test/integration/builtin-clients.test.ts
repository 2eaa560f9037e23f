/**
 * Google's and Microsoft's client registrations entered in the app (Settings → Providers),
 * against the real core: the client id in settings.json, signed with the vault's settings key;
 * the secret encrypted in the vault and nowhere else; the app's value winning over the
 * environment, with its own secret only; clearing it bringing the environment's back; an edited
 * or unsigned entry ignored and reported. Google itself can't be reached from here: its
 * documented discovery document and token endpoint answer through the core's `fetch` option
 * (as in test/unit/oauth-providers.test.ts), and what the core sends them is what is checked.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { makeTmpHome } from '../helpers/tmp.js';
import type { CredentialCore } from '../../src/main/core/api.js';

const ENV_ID = '111111111111-envenvenvenvenvenvenvenvenvenvenv.apps.googleusercontent.com';
const ENV_SECRET = 'GOCSPX-environment-secret-000000';
const APP_ID = '222222222222-appappappappappappappappappappap.apps.googleusercontent.com';
const APP_SECRET = 'GOCSPX-app-secret-kept-in-vault-1';
const GOOGLE_DISCOVERY = {
  issuer: 'https://accounts.google.com',
  authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
  token_endpoint: 'https://oauth2.googleapis.com/token',
  revocation_endpoint: 'https://oauth2.googleapis.com/revoke',
  jwks_uri: 'https://www.googleapis.com/oauth2/v3/certs',
  response_types_supported: ['code'],
};

let home: ReturnType<typeof makeTmpHome>;
let key: string;
let core: CredentialCore;
/** Form bodies of the token requests "Google" received. */
let tokenRequests: Array<Record<string, string>>;

const googleFetch: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  if (url.href === 'https://accounts.google.com/.well-known/openid-configuration') return json(GOOGLE_DISCOVERY);
  if (url.href === 'https://oauth2.googleapis.com/token') {
    tokenRequests.push(Object.fromEntries(new URLSearchParams(String(init?.body ?? ''))));
    return json({ access_token: `ya29.fresh-${tokenRequests.length}`, expires_in: 3599, token_type: 'Bearer', scope: 'openid email' });
  }
  return new Response('not found', { status: 404 });
};

const open = (env: NodeJS.ProcessEnv = {}): Promise<CredentialCore> =>
  createCredentialCore({ home: home.dir, encryptionKey: key, env, fetch: googleFetch });

function seedGoogleAccount(c: CredentialCore): void {
  coreInternals(c).tokens.saveToken(
    'google',
    'g@example.test',
    { access_token: 'ya29.seeded', refresh_token: '1//seeded-refresh', expires_in: 3600, scope: 'openid email' },
    { binding: { issuer: 'https://accounts.google.com', tokenOrigin: 'https://oauth2.googleapis.com' } },
  );
}

/** The client registration the core sends with a refresh right now. */
async function sentClient(c: CredentialCore): Promise<{ client_id?: string; client_secret?: string }> {
  await c.refreshAccount('google', 'g@example.test');
  const { client_id, client_secret } = tokenRequests.at(-1)!;
  return { ...(client_id ? { client_id } : {}), ...(client_secret ? { client_secret } : {}) };
}

const google = (c: CredentialCore) => c.providerConfig().builtins.find((b) => b.id === 'google')!;
const settingsFile = () => join(home.dir, 'settings.json');

beforeEach(() => {
  home = makeTmpHome('osmen-builtin-');
  key = EncryptionManager.generateKey();
  tokenRequests = [];
});
afterEach(async () => {
  await core?.close();
  home.cleanup();
});

describe('a client id set in the app', () => {
  it('wins over the environment, with its own secret only; clearing it brings the environment back', async () => {
    core = await open({ GOOGLE_CLIENT_ID: ENV_ID, GOOGLE_CLIENT_SECRET: ENV_SECRET });
    seedGoogleAccount(core);
    expect(google(core)).toMatchObject({
      clientId: { source: 'environment', value: ENV_ID },
      clientSecret: { source: 'environment' },
      configured: true,
      accounts: 1,
    });
    expect(await sentClient(core)).toEqual({ client_id: ENV_ID, client_secret: ENV_SECRET });

    core.setBuiltinClient('google', { clientId: APP_ID, clientSecret: { action: 'set', value: APP_SECRET } });
    expect(google(core)).toMatchObject({ clientId: { source: 'app', value: APP_ID }, clientSecret: { source: 'app' } });
    expect(await sentClient(core)).toEqual({ client_id: APP_ID, client_secret: APP_SECRET });

    // Kept across a restart: the signed entry and the vault's secret are read back.
    await core.close();
    core = await open({ GOOGLE_CLIENT_ID: ENV_ID, GOOGLE_CLIENT_SECRET: ENV_SECRET });
    expect(await sentClient(core)).toEqual({ client_id: APP_ID, client_secret: APP_SECRET });

    // Without a secret of its own, the environment's (another client's) is never sent with it.
    core.setBuiltinClient('google', { clientId: APP_ID, clientSecret: { action: 'clear' } });
    expect(google(core).clientSecret).toEqual({ source: 'none' });
    expect(await sentClient(core)).toEqual({ client_id: APP_ID });
    // "keep" keeps what there is (nothing here).
    core.setBuiltinClient('google', { clientId: APP_ID, clientSecret: { action: 'keep' } });
    expect(await sentClient(core)).toEqual({ client_id: APP_ID });

    expect(core.clearBuiltinClient('google')).toBe(true);
    expect(google(core)).toMatchObject({ clientId: { source: 'environment', value: ENV_ID }, clientSecret: { source: 'environment' } });
    expect(await sentClient(core)).toEqual({ client_id: ENV_ID, client_secret: ENV_SECRET });
    expect(core.readLog(50).map((e) => e.event)).toEqual(expect.arrayContaining(['provider_client_set', 'provider_client_cleared']));
  });

  it('configures a provider the environment leaves unset; cleared, it is not offered again', async () => {
    core = await open();
    expect(google(core)).toMatchObject({ clientId: { source: 'none', value: null }, configured: false });
    core.setBuiltinClient('google', { clientId: APP_ID, clientSecret: { action: 'set', value: APP_SECRET } });
    expect(core.listProviders().find((p) => p.id === 'google')).toMatchObject({ configured: true });
    core.clearBuiltinClient('google');
    expect(core.listProviders().find((p) => p.id === 'google')).toMatchObject({
      configured: false,
      configHint: expect.stringContaining('GOOGLE_CLIENT_ID'),
    });
  });

  it('keeps the secret in the vault only: not in settings.json, the log, or the configuration shown', async () => {
    core = await open();
    core.setBuiltinClient('google', { clientId: APP_ID, clientSecret: { action: 'set', value: APP_SECRET } });
    const stored = JSON.parse(readFileSync(settingsFile(), 'utf8')) as { builtinClients: unknown[] };
    expect(stored.builtinClients).toEqual([
      { id: 'google', clientId: APP_ID, hasClientSecret: true, mac: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    for (const file of ['settings.json', 'tokens.db', 'security.log'])
      expect(readFileSync(join(home.dir, file)).includes(APP_SECRET)).toBe(false);
    expect(JSON.stringify(core.providerConfig())).not.toContain(APP_SECRET);
    expect(JSON.stringify(await core.healthReport())).not.toContain(APP_SECRET);
  });

  it('refuses a malformed client id or secret with a typed error and saves nothing', async () => {
    core = await open();
    expect(() => core.setBuiltinClient('microsoft', { clientId: 'not-a-guid', clientSecret: { action: 'keep' } })).toThrow(
      expect.objectContaining({ code: 'invalid_client_id', message: expect.stringContaining('GUID') }),
    );
    expect(() =>
      core.setBuiltinClient('google', { clientId: 'GOCSPX-looks-like-a-secret-000000000', clientSecret: { action: 'keep' } }),
    ).toThrow(expect.objectContaining({ code: 'invalid_client_id' }));
    expect(() => core.setBuiltinClient('google', { clientId: APP_ID, clientSecret: { action: 'set', value: ' padded ' } })).toThrow(
      expect.objectContaining({ code: 'invalid_provider' }),
    );
    expect(core.providerConfig().builtins.map((b) => b.clientId.source)).toEqual(['none', 'none', 'none']);
    expect(() => readFileSync(settingsFile())).toThrow();
  });
});

describe('settings.json written by someone else', () => {
  it('an edited or unsigned entry is ignored, and the health report and the log say so', async () => {
    core = await open({ GOOGLE_CLIENT_ID: ENV_ID, GOOGLE_CLIENT_SECRET: ENV_SECRET });
    core.setBuiltinClient('google', { clientId: APP_ID, clientSecret: { action: 'clear' } });
    await core.close();
    // The client id swapped for another, keeping the signature.
    const file = JSON.parse(readFileSync(settingsFile(), 'utf8')) as { builtinClients: Array<Record<string, unknown>> };
    file.builtinClients[0]!.clientId = '333333333333-attackerattackerattackerattack.apps.googleusercontent.com';
    // And an unsigned Microsoft entry.
    file.builtinClients.push({ id: 'microsoft', clientId: '00000000-1111-2222-3333-444444444444', hasClientSecret: false });
    writeFileSync(settingsFile(), JSON.stringify(file));

    core = await open({ GOOGLE_CLIENT_ID: ENV_ID, GOOGLE_CLIENT_SECRET: ENV_SECRET });
    seedGoogleAccount(core);
    expect(google(core)).toMatchObject({ clientId: { source: 'environment', value: ENV_ID }, ignoredEntry: 'unauthenticated' });
    expect(core.providerConfig().builtins[1]).toMatchObject({ clientId: { source: 'none' }, configured: false, ignoredEntry: 'invalid' });
    expect(await sentClient(core)).toEqual({ client_id: ENV_ID, client_secret: ENV_SECRET });

    const report = await core.healthReport();
    expect(report.checks.find((c) => c.id === 'settings-client-ignored:google')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('not signed by this vault'),
    });
    expect(report.checks.find((c) => c.id === 'settings-client-ignored:microsoft')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('malformed'),
    });
    expect(
      core
        .readLog(100)
        .filter((e) => e.event === 'settings_client_ignored')
        .map((e) => e.details.provider)
        .sort(),
    ).toEqual(['google', 'microsoft']);
    // Clear removes the ignored entry too.
    core.clearBuiltinClient('google');
    expect(google(core).ignoredEntry).toBeUndefined();
  });

  it('an entry copied to the other built-in is not valid there: the signature covers the id', async () => {
    core = await open();
    core.setBuiltinClient('microsoft', { clientId: '00000000-1111-2222-3333-444444444444', clientSecret: { action: 'keep' } });
    const file = JSON.parse(readFileSync(settingsFile(), 'utf8')) as { builtinClients: Array<Record<string, unknown>> };
    await core.close();
    // The same entry under the other built-in's id: the signature covers the id.
    file.builtinClients.push({ ...file.builtinClients[0]!, id: 'google' });
    writeFileSync(settingsFile(), JSON.stringify(file));
    core = await open();
    expect(core.providerConfig().builtins.map((b) => [b.id, b.clientId.source, b.ignoredEntry ?? null])).toEqual([
      ['google', 'none', 'unauthenticated'],
      ['microsoft', 'app', null],
      ['github', 'none', null],
    ]);
  });
});

describe('the health report', () => {
  it("checks the app's value instead of an environment value that is not used", async () => {
    core = await open({ GOOGLE_CLIENT_ID: 'not-a-google-client-id' });
    let ids = (await core.healthReport()).checks.map((c) => `${c.id}:${c.status}`);
    expect(ids).toContain('env:GOOGLE_CLIENT_ID:fail');
    core.setBuiltinClient('google', { clientId: APP_ID, clientSecret: { action: 'set', value: APP_SECRET } });
    ids = (await core.healthReport()).checks.map((c) => `${c.id}:${c.status}`);
    expect(ids).not.toContain('env:GOOGLE_CLIENT_ID:fail');
    expect(ids).toContain('settings-client:google:pass');
  });
});

describe('the Microsoft tenant (a provider option)', () => {
  const tenant = () => {
    const o = core
      .providerConfig()
      .builtins.find((b) => b.id === 'microsoft')!
      .options.find((x) => x.name === 'tenant')!;
    return { value: o.value, source: o.source, ...(o.ignoredEntry ? { ignoredEntry: o.ignoredEntry } : {}) };
  };
  const issuer = () => core.listProviders().find((p) => p.id === 'microsoft')!.issuer;
  const settingsFile = () => join(home.dir, 'settings.json');
  const settings = () => JSON.parse(readFileSync(settingsFile(), 'utf8')) as Record<string, unknown>;

  it('comes from the app, else the environment, else common; a bad one is refused before it is saved', async () => {
    core = await open({ MICROSOFT_TENANT: 'organizations' });
    expect(tenant()).toEqual({ value: 'organizations', source: 'environment' });
    expect(() => core.setProviderOption('microsoft', 'tenant', 'not a tenant')).toThrow(
      expect.objectContaining({ code: 'invalid_tenant' }),
    );
    expect(() => core.setProviderOption('google', 'tenant', 'common')).toThrow(expect.objectContaining({ code: 'unknown_option' }));
    expect(tenant()).toEqual({ value: 'organizations', source: 'environment' });
    core.setProviderOption('microsoft', 'tenant', 'contoso.onmicrosoft.com');
    expect(tenant()).toEqual({ value: 'contoso.onmicrosoft.com', source: 'app' });
    expect(issuer()).toBe('https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0');
    await core.close();
    core = await open();
    expect(tenant()).toEqual({ value: 'contoso.onmicrosoft.com', source: 'app' });
  });

  it('is signed like the client ids: an edited entry is ignored, reported in the health report and the security log', async () => {
    core = await open();
    core.setProviderOption('microsoft', 'tenant', 'contoso.onmicrosoft.com');
    await core.close();
    // Someone with write access to the data folder points new sign-ins at their own tenant.
    const file = settings();
    const entries = file.providerOptions as Array<Record<string, unknown>>;
    expect(entries).toEqual([expect.objectContaining({ provider: 'microsoft', name: 'tenant', value: 'contoso.onmicrosoft.com' })]);
    entries[0]!.value = 'attacker.example';
    writeFileSync(settingsFile(), JSON.stringify(file));
    core = await open();
    expect(tenant()).toEqual({ value: 'common', source: 'default', ignoredEntry: 'unauthenticated' });
    expect(issuer()).toBe('https://login.microsoftonline.com/common/v2.0');
    const check = (await core.healthReport()).checks.find((c) => c.id === 'settings-option-ignored:microsoft:tenant');
    expect(check).toMatchObject({ status: 'warn', message: expect.stringContaining('not signed by this vault') });
    expect(core.readLog(50).find((e) => e.event === 'settings_option_ignored')).toMatchObject({
      level: 'warn',
      details: { provider: 'microsoft', field: 'tenant', reason: 'unauthenticated' },
    });
    // Setting it again in the app replaces the edited entry.
    core.setProviderOption('microsoft', 'tenant', 'organizations');
    expect(tenant()).toEqual({ value: 'organizations', source: 'app' });
    expect(settings().providerOptions).toHaveLength(1);
  });

  it('an unsigned tenant an older version kept in settings.json is not used, and says so until the tenant is set again', async () => {
    writeFileSync(settingsFile(), JSON.stringify({ microsoftTenant: 'attacker.example', settings: { keepAliveDays: 9 } }));
    core = await open({ MICROSOFT_TENANT: 'organizations' });
    expect(tenant()).toEqual({ value: 'organizations', source: 'environment', ignoredEntry: 'unauthenticated' });
    expect(issuer()).toBe('https://login.microsoftonline.com/organizations/v2.0');
    expect((await core.healthReport()).checks.map((c) => c.id)).toContain('settings-option-ignored:microsoft:tenant');
    // Another change to the settings keeps the old key (and the warning) until the tenant is set in the app.
    core.updateSettings({ keepAliveDays: 10 });
    expect(settings().microsoftTenant).toBe('attacker.example');
    core.setProviderOption('microsoft', 'tenant', 'contoso.onmicrosoft.com');
    expect(settings().microsoftTenant).toBeUndefined();
    expect(tenant()).toEqual({ value: 'contoso.onmicrosoft.com', source: 'app' });
    expect((await core.healthReport()).checks.map((c) => c.id)).not.toContain('settings-option-ignored:microsoft:tenant');
  });
});
