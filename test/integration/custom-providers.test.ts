/**
 * The catalogue's rules for custom providers, through the core the app and the CLI share:
 * adding one fetches and checks the issuer's discovery document before anything is saved;
 * removing one takes its settings entry, its client secret and its registration, and is
 * refused for built-ins and while accounts use it. A real vault, a real OpenID Provider.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { exitCodeFor } from '../../src/main/core/exit-codes.js';
import type { CredentialCore } from '../../src/main/core/api.js';

const SCOPES = ['openid', 'email', 'profile', 'offline_access'];
const SECRET = 'CANARY-custom-client-secret-7d1e';
let op: TestProvider;
let home: ReturnType<typeof makeTmpHome>;
let key: string;
let core: CredentialCore;

const open = () => createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });
const settingsText = () => (existsSync(join(home.dir, 'settings.json')) ? readFileSync(join(home.dir, 'settings.json'), 'utf8') : '');

/** A port nothing listens on (bound, then closed). */
async function deadIssuer(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  op = await startTestProvider();
});
afterAll(async () => {
  await op.close();
});
beforeEach(async () => {
  home = makeTmpHome('osmen-providers-');
  key = EncryptionManager.generateKey();
  core = await open();
});
afterEach(async () => {
  await core.close();
  home.cleanup();
});

describe('createCustomProvider checks the issuer before it saves', () => {
  it('an unreachable issuer: discovery_failed, retryable (exit 75), nothing saved', async () => {
    const err = await core
      .createCustomProvider({ id: 'gone', issuer: await deadIssuer(), clientId: 'c', clientSecret: SECRET, scopes: ['openid'] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'OAuthError', phase: 'config', category: 'transient', code: 'discovery_failed', retryable: true });
    expect(exitCodeFor(err)).toBe(75);
    expect(core.listProviders().map((p) => p.id)).not.toContain('gone');
    expect(settingsText()).not.toContain('gone');
    expect(coreInternals(core).tokens.readSecret('provider/gone/client_secret')).toBeNull();
  });

  it('an address with no discovery document, or one naming another issuer: discovery_failed (exit 78), nothing saved', async () => {
    // A document that names another issuer (a copy of the test provider's, served elsewhere).
    const doc = await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).text();
    const copy = createServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(doc));
    await new Promise<void>((r) => copy.listen(0, '127.0.0.1', r));
    try {
      for (const issuer of [`${op.issuer}/nothing-here`, `http://127.0.0.1:${(copy.address() as AddressInfo).port}`]) {
        const err = await core.createCustomProvider({ id: 'typo', issuer, clientId: 'c', scopes: ['openid'] }).catch((e: unknown) => e);
        expect(err, issuer).toMatchObject({ code: 'discovery_failed', retryable: false });
        expect(exitCodeFor(err)).toBe(78);
      }
    } finally {
      await new Promise<void>((r) => copy.close(() => r()));
    }
    expect(settingsText()).not.toContain('typo');
  });

  it('ids and fields the settings file would not take are typed errors, not a half-saved provider', async () => {
    await expect(
      core.createCustomProvider({ id: 'Bad.Id', issuer: op.issuer, clientId: 'c', clientSecret: SECRET, scopes: ['openid'] }),
    ).rejects.toMatchObject({
      code: 'invalid_provider_id',
    });
    await expect(
      core.createCustomProvider({ id: 'ok', displayName: 'x'.repeat(81), issuer: op.issuer, clientId: 'c', scopes: ['openid'] }),
    ).rejects.toMatchObject({ code: 'invalid_provider' });
    await expect(core.createCustomProvider({ id: 'ok', issuer: op.issuer, clientId: 'c', scopes: [] })).rejects.toMatchObject({
      name: 'OAuthError',
      category: 'configuration',
    });
    expect(coreInternals(core).tokens.readSecret('provider/Bad.Id/client_secret')).toBeNull();
    expect(settingsText()).toBe('');
  });

  it('a reachable issuer is saved; adding it again is refused, replacing it without a secret drops the old secret', async () => {
    await core.createCustomProvider({ id: 'acme', issuer: op.issuer, clientId: 'acme-client', clientSecret: SECRET, scopes: SCOPES });
    expect(coreInternals(core).tokens.readSecret('provider/acme/client_secret')).toBe(SECRET);
    expect(core.listCustomProviders()).toEqual([
      { id: 'acme', issuer: op.issuer, clientId: 'acme-client', hasClientSecret: true, scopes: SCOPES },
    ]);
    expect(settingsText()).not.toContain(SECRET);
    await expect(
      core.createCustomProvider({ id: 'acme', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES }),
    ).rejects.toMatchObject({
      code: 'provider_exists',
    });
    await core.updateCustomProvider({
      id: 'acme',
      issuer: op.issuer,
      clientId: PUBLIC_CLIENT_ID,
      scopes: SCOPES,
      clientSecret: { action: 'clear' },
    });
    expect(coreInternals(core).tokens.readSecret('provider/acme/client_secret')).toBeNull();
    expect(core.listCustomProviders()).toEqual([
      { id: 'acme', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, hasClientSecret: false, scopes: SCOPES },
    ]);
  });
});

describe('createCustomProvider keeps the providers given at run time', () => {
  it('a provider from createCredentialCore({ providers }) and one registered later both stay, and still sign in', async () => {
    const fromOptions = {
      id: 'codeop',
      issuer: op.issuer,
      clientId: PUBLIC_CLIENT_ID,
      scopes: SCOPES,
      extraAuthParams: { prompt: 'consent' },
    };
    const own = makeTmpHome('osmen-providers-');
    const withCode = await createCredentialCore({
      home: own.dir,
      encryptionKey: EncryptionManager.generateKey(),
      env: {},
      providers: [fromOptions],
    });
    try {
      coreInternals(withCode).providers.register({ ...fromOptions, id: 'laterop' });
      const ids = () => withCode.listProviders().map((p) => p.id);
      expect(ids()).toEqual(expect.arrayContaining(['codeop', 'laterop']));
      await withCode.createCustomProvider({ id: 'acme', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
      // Added beside them, not a registry rebuilt from settings.json (which knows only acme).
      expect(ids()).toEqual(expect.arrayContaining(['google', 'microsoft', 'codeop', 'laterop', 'acme']));
      for (const id of ['codeop', 'laterop']) {
        const account = await withCode.connectAccount(id, { openUrl: (url) => void browseAuthorization(url, { login: `run-${id}` }) });
        expect(account).toMatchObject({ provider: id, userId: `run-${id}@example.test`, hasRefreshToken: true });
      }
    } finally {
      await withCode.close();
      own.cleanup();
    }
  });
});

describe('removeCustomProvider', () => {
  it('removes the settings entry, the client secret and the registration, and logs it', async () => {
    await core.createCustomProvider({ id: 'acme', issuer: op.issuer, clientId: 'acme-client', clientSecret: SECRET, scopes: SCOPES });
    core.removeCustomProvider('acme');
    expect(core.listProviders().map((p) => p.id)).not.toContain('acme');
    expect(core.listCustomProviders()).toEqual([]);
    expect(coreInternals(core).tokens.readSecret('provider/acme/client_secret')).toBeNull();
    expect(settingsText()).not.toContain('acme');
    expect(core.readLog(20).find((e) => e.event === 'provider_removed')).toMatchObject({
      level: 'info',
      details: { source: 'custom', provider: 'acme' },
    });
    await core.close();
    core = await open();
    expect(core.listProviders().map((p) => p.id)).not.toContain('acme');
  });

  it('is refused while accounts use the provider, and for built-ins and unknown ids; nothing changes', async () => {
    await core.createCustomProvider({ id: 'testop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
    await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'alice' }) });
    const before = settingsText();
    const inUse = (() => {
      try {
        core.removeCustomProvider('testop');
      } catch (e) {
        return e;
      }
    })();
    expect(inUse).toMatchObject({ name: 'OAuthError', category: 'configuration', code: 'provider_in_use' });
    expect((inUse as Error).message).not.toContain('alice');
    expect(settingsText()).toBe(before);
    expect(core.listProviders().map((p) => p.id)).toContain('testop');
    expect(() => core.removeCustomProvider('google')).toThrow(expect.objectContaining({ code: 'provider_builtin' }));
    expect(() => core.removeCustomProvider('nosuch')).toThrow(expect.objectContaining({ code: 'unknown_provider' }));

    await core.disconnectAccount('testop', 'alice@example.test');
    core.removeCustomProvider('testop');
    expect(core.listProviders().map((p) => p.id)).not.toContain('testop');
  });
});
