/**
 * Settings → Providers' rules for custom providers, through the core, against a real OpenID
 * Provider: adding never overwrites an id that exists; an explicit edit keeps, replaces or
 * removes the secret and re-checks discovery; the issuer stays while accounts are connected at
 * it; removing a provider in use is refused unless its accounts are disconnected with it; and
 * whether "Sign in on another device" can be offered comes from the provider's metadata.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import {
  browseAuthorization,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  PUBLIC_CLIENT_ID,
  startTestProvider,
  type TestProvider,
} from '../helpers/oidc-provider.js';
import { makeTmpHome } from '../helpers/tmp.js';
import type { CredentialCore } from '../../src/main/core/api.js';

const SCOPES = ['openid', 'email', 'profile', 'offline_access'];
// The OP's confidential client: its secret is stored in the vault and sent with each token request.
const SECRET = CONFIDENTIAL_CLIENT_SECRET;
const CLIENT = CONFIDENTIAL_CLIENT_ID;
let op: TestProvider; // device flow on
let plain: TestProvider; // no device flow
let home: ReturnType<typeof makeTmpHome>;
let core: CredentialCore;

const settingsText = () => (existsSync(join(home.dir, 'settings.json')) ? readFileSync(join(home.dir, 'settings.json'), 'utf8') : '');
const secretOf = (id: string) => coreInternals(core).tokens.readSecret(`provider/${id}/client_secret`);
const custom = (id: string) => core.providerConfig().custom.find((p) => p.id === id);

beforeAll(async () => {
  op = await startTestProvider({ deviceFlow: { interval: 1 } });
  plain = await startTestProvider();
});
afterAll(async () => {
  await op.close();
  await plain.close();
});
beforeEach(async () => {
  home = makeTmpHome('osmen-provider-admin-');
  core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: {} });
  await core.createCustomProvider({
    id: 'corp',
    displayName: 'Corp',
    issuer: op.issuer,
    clientId: CLIENT,
    clientSecret: SECRET,
    scopes: SCOPES,
  });
});
afterEach(async () => {
  await core.close();
  home.cleanup();
});

async function connect(login: string): Promise<string> {
  return (await core.connectAccount('corp', { openUrl: (url) => void browseAuthorization(url, { login }) })).userId;
}

describe('adding', () => {
  it('never overwrites an id that exists (settings, or registered in code); nothing changes', async () => {
    const before = settingsText();
    await expect(core.createCustomProvider({ id: 'corp', issuer: plain.issuer, clientId: 'other', scopes: SCOPES })).rejects.toMatchObject({
      code: 'provider_exists',
      message: expect.stringContaining('Nothing was changed'),
    });
    coreInternals(core).providers.register({ id: 'fromcode', issuer: plain.issuer, clientId: 'c', scopes: SCOPES });
    await expect(core.createCustomProvider({ id: 'fromcode', issuer: plain.issuer, clientId: 'c', scopes: SCOPES })).rejects.toMatchObject({
      code: 'provider_exists',
    });
    // A built-in id keeps its own refusal.
    await expect(core.createCustomProvider({ id: 'google', issuer: plain.issuer, clientId: 'c', scopes: SCOPES })).rejects.toMatchObject({
      code: 'provider_id_taken',
    });
    expect(settingsText()).toBe(before);
    expect(secretOf('corp')).toBe(SECRET);
    expect(custom('corp')).toMatchObject({ issuer: op.issuer, clientId: CLIENT, hasClientSecret: true, accounts: 0 });
  });
});

describe('editing', () => {
  it('keeps, replaces or removes the secret as told, and changes the rest', async () => {
    let saved = await core.updateCustomProvider({
      id: 'corp',
      displayName: 'Corp SSO',
      issuer: op.issuer,
      clientId: CLIENT,
      clientSecret: { action: 'keep' },
      scopes: ['openid', 'email'],
    });
    expect(saved).toMatchObject({ displayName: 'Corp SSO', scopes: ['openid', 'email'], hasClientSecret: true });
    expect(secretOf('corp')).toBe(SECRET);
    expect(core.listProviders().find((p) => p.id === 'corp')!.displayName).toBe('Corp SSO');

    await core.updateCustomProvider({
      id: 'corp',
      issuer: op.issuer,
      clientId: CLIENT,
      clientSecret: { action: 'set', value: 'CANARY-replaced-secret' },
      scopes: SCOPES,
    });
    expect(secretOf('corp')).toBe('CANARY-replaced-secret');
    saved = await core.updateCustomProvider({
      id: 'corp',
      issuer: op.issuer,
      clientId: CLIENT,
      clientSecret: { action: 'clear' },
      scopes: SCOPES,
    });
    expect(saved.hasClientSecret).toBe(false);
    expect(secretOf('corp')).toBeNull();
    expect(settingsText()).not.toContain('CANARY');
    expect(settingsText()).not.toContain(SECRET);
  });

  it('checks the issuer again: one without discovery is refused and nothing changes', async () => {
    const before = settingsText();
    await expect(
      core.updateCustomProvider({
        id: 'corp',
        issuer: 'http://127.0.0.1:1',
        clientId: CLIENT,
        clientSecret: { action: 'keep' },
        scopes: SCOPES,
      }),
    ).rejects.toMatchObject({ code: 'discovery_failed' });
    expect(settingsText()).toBe(before);
  });

  it('keeps the issuer while accounts are connected at it (issuer_in_use); other fields still change', async () => {
    await connect('alice');
    const before = settingsText();
    await expect(
      core.updateCustomProvider({ id: 'corp', issuer: plain.issuer, clientId: CLIENT, clientSecret: { action: 'keep' }, scopes: SCOPES }),
    ).rejects.toMatchObject({ code: 'issuer_in_use', message: expect.stringContaining('1 account(s)') });
    expect(settingsText()).toBe(before);
    await core.updateCustomProvider({
      id: 'corp',
      displayName: 'Renamed',
      issuer: op.issuer,
      clientId: CLIENT,
      clientSecret: { action: 'keep' },
      scopes: SCOPES,
    });
    expect(custom('corp')).toMatchObject({ displayName: 'Renamed', accounts: 1 });
  });

  it("an id that is not a custom provider can't be edited", async () => {
    await expect(
      core.updateCustomProvider({ id: 'nothere', issuer: op.issuer, clientId: 'c', clientSecret: { action: 'keep' }, scopes: SCOPES }),
    ).rejects.toMatchObject({ code: 'unknown_provider' });
  });
});

describe('removing', () => {
  it('is refused while accounts use it; with "disconnect and remove" they are revoked and deleted first', async () => {
    await connect('alice');
    await connect('bob');
    await expect(core.removeCustomProviderAndAccounts('corp', {})).rejects.toMatchObject({
      code: 'provider_in_use',
      message: expect.stringContaining('2 account(s)'),
    });
    expect(core.listAccounts()).toHaveLength(2);

    expect(await core.removeCustomProviderAndAccounts('corp', { disconnectAccounts: true })).toEqual({
      disconnected: 2,
      revocationFailed: 0,
      revocationUnsupported: 0,
    });
    expect(core.listAccounts()).toEqual([]);
    expect(core.listProviders().map((p) => p.id)).not.toContain('corp');
    expect(secretOf('corp')).toBeNull();
    const disconnects = core.readLog(50).filter((e) => e.event === 'disconnect' || e.event === 'revocation');
    expect(disconnects.length).toBeGreaterThanOrEqual(2);
    expect(core.readLog(1)[0]).toMatchObject({ event: 'provider_removed', level: 'info', details: { provider: 'corp' } });
  });

  it('built-ins and unknown ids are refused before any account is touched', async () => {
    await expect(core.removeCustomProviderAndAccounts('google', { disconnectAccounts: true })).rejects.toMatchObject({
      code: 'provider_builtin',
    });
    await expect(core.removeCustomProviderAndAccounts('nope', { disconnectAccounts: true })).rejects.toMatchObject({
      code: 'unknown_provider',
    });
  });
});

describe('sign in on another device: offered only where the metadata has a device endpoint', () => {
  it('says whether, and why not', async () => {
    expect(await core.deviceSignInSupport('corp')).toEqual({ supported: true });
    await core.createCustomProvider({ id: 'plain', issuer: plain.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
    expect(await core.deviceSignInSupport('plain')).toMatchObject({
      supported: false,
      code: 'device_flow_unsupported',
      reason: expect.stringContaining('no device_authorization_endpoint'),
    });
    expect(await core.deviceSignInSupport('google')).toMatchObject({
      supported: false,
      code: 'not_configured',
      reason: expect.stringContaining('GOOGLE_CLIENT_ID'),
    });
    expect(await core.deviceSignInSupport('nope')).toMatchObject({ supported: false, code: 'unknown_provider' });
  });
});
