/**
 * Security invariant 1: no token, secret or key ever reaches a log line, an
 * IPC message, an error message or the renderer. Canary tokens are planted,
 * every flow is run (connect, refresh, failures, disconnect, logging, IPC), and
 * then every file in the data folder, every IPC response, every emitted event
 * and every error message is searched for them.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { createHandlerTable } from '../../src/main/ipc/handlers.js';
import { CHANNEL_NAMES } from '../../src/shared/channels.js';
import { startScriptedTokenServer, type ScriptedResponse, type ScriptedServer } from '../helpers/http-fixtures.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { makeTmpHome } from '../helpers/tmp.js';
import type { CredentialCore } from '../../src/main/core/api.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';

// Shaped like real tokens (made at run time so no token-looking literal sits in the repo):
// Google access/refresh tokens, a JWT, a Google client secret, opaque random tokens.
const rnd = (n: number) => randomBytes(n).toString('base64url');
const C = {
  access: `ya29.a0${rnd(60)}`,
  refresh: `1//0${rnd(70)}`,
  id: `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${rnd(90)}.${rnd(60)}`,
  newAccess: rnd(32),
  newRefresh: rnd(48),
  clientSecret: `GOCSPX-${rnd(21)}`,
  // Entered in Settings → Providers: a built-in's secret and a custom provider's.
  appSecret: `GOCSPX-${rnd(24)}`,
  customSecret: rnd(40),
};

let op: TestProvider;
let scripted: ScriptedServer;
let home: { dir: string; cleanup: () => void };
let core: CredentialCore;
const masterKey = EncryptionManager.generateKey();
const outputs: string[] = []; // everything that left the core: IPC responses, events, error messages

function capture(label: string, value: unknown): void {
  outputs.push(`${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}

function captureError(label: string, err: unknown): void {
  const e = err as Error & Record<string, unknown>;
  capture(label, `${e.name} ${e.message} ${String(e)} ${JSON.stringify(e)} ${e.cause ? JSON.stringify(e.cause) + String(e.cause) : ''}`);
}

beforeAll(async () => {
  op = await startTestProvider();
  scripted = await startScriptedTokenServer();
  home = makeTmpHome();
  core = await createCredentialCore({ home: home.dir, encryptionKey: masterKey, env: {} });
  for (const name of ['accounts-changed', 'token-refreshed', 'needs-reauth', 'refresh-failed', 'refresh-state', 'log-appended'] as const) {
    core.events.on(name, (...args: unknown[]) => capture(`event ${name}`, args));
  }
});

afterAll(async () => {
  await core.close();
  await op.close();
  await scripted.close();
  home.cleanup();
});

describe('canary tokens never leave the vault', () => {
  it('runs every flow and finds no secret in logs, files, IPC responses, events or errors', async () => {
    const ipc = createHandlerTable({
      getCore: () => core as never,
      vaultError: () => null,
      appInfo: { version: 'test', platform: process.platform },
      openExternal: () => undefined,
    });
    const call = async (channel: string, payload: unknown = {}) => {
      const res = await ipc.invoke(channel, payload);
      capture(`ipc ${channel}`, res);
      return res;
    };

    // 1. connect through a real OP; its real tokens become canaries too
    await core.createCustomProvider({
      id: 'testop',
      issuer: op.issuer,
      clientId: PUBLIC_CLIENT_ID,
      scopes: ['openid', 'email', 'offline_access'],
    });
    await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'carol' }) });
    const real = coreInternals(core).tokens.getToken('testop', 'carol@example.test')!;
    const secrets = [...Object.values(C), real.accessToken, real.refreshToken!, real.idToken!, masterKey];

    // 2. a confidential OAuth 2.0 provider with planted canaries
    coreInternals(core).providers.register({
      id: 'canaryco',
      endpoints: scripted.endpoints,
      clientId: 'canary-client',
      clientSecret: C.clientSecret,
      scopes: ['read'],
    });
    coreInternals(core).tokens.saveToken('canaryco', 'dave', {
      access_token: C.access,
      refresh_token: C.refresh,
      id_token: C.id,
      expires_in: 10,
    });

    // refresh success (rotated canary refresh token)
    scripted.script({
      status: 200,
      body: { access_token: C.newAccess, refresh_token: C.newRefresh, expires_in: 3600, token_type: 'Bearer' },
    });
    await call('osmen:accounts:refresh', { providerId: 'canaryco', userId: 'dave' });
    expect(coreInternals(core).tokens.getToken('canaryco', 'dave')!.refreshToken).toBe(C.newRefresh);

    // failures whose bodies echo secrets back (a badly behaved provider)
    const hostile: ScriptedResponse[] = [
      {
        status: 503,
        headers: { 'content-type': 'text/html', 'retry-after': '1' },
        body: `<html>upstream failed for ${C.newRefresh} client_secret=${C.clientSecret}</html>`,
      },
      { status: 429, headers: { 'retry-after': '2' }, body: { error: 'slow_down', error_description: `too many uses of ${C.newAccess}` } },
      {
        status: 400,
        body: { error: 'invalid_grant', error_description: `refresh token ${C.newRefresh} is revoked; Bearer ${C.newAccess}` },
      },
    ];
    for (const response of hostile) {
      scripted.script(response);
      try {
        await core.refreshAccount('canaryco', 'dave');
      } catch (err) {
        captureError('refresh error', err);
      }
      // let needs_reauth happen only at the last step
      if (response.status !== 400)
        coreInternals(core).tokens.saveToken('canaryco', 'dave', {
          access_token: C.newAccess,
          refresh_token: C.newRefresh,
          expires_in: 10,
        });
    }
    try {
      await coreInternals(core).refresher.getValidAccessToken('canaryco', 'dave');
    } catch (err) {
      captureError('getValidAccessToken', err);
    }

    // 2b. client secrets entered in Settings → Providers (and typed into a field that is checked live)
    await call('osmen:providers:check-field', { field: 'client-secret', provider: 'google', value: C.appSecret });
    await call('osmen:providers:set-builtin', {
      providerId: 'google',
      clientId: '123456789012-canarycanarycanarycanarycanary12.apps.googleusercontent.com',
      clientSecret: { action: 'set', value: C.appSecret },
    });
    await call('osmen:providers:update-custom', {
      id: 'testop',
      issuer: op.issuer,
      clientId: PUBLIC_CLIENT_ID,
      clientSecret: { action: 'set', value: C.customSecret },
      scopes: ['openid', 'email', 'offline_access'],
    });
    expect(coreInternals(core).tokens.readSecret('builtin/google/client_secret')).toBe(C.appSecret);
    expect(coreInternals(core).tokens.readSecret('provider/testop/client_secret')).toBe(C.customSecret);
    await call('osmen:providers:config');
    await call('osmen:health:report');

    // 3. every IPC channel, with a valid-looking and a hostile payload
    for (const channel of CHANNEL_NAMES) {
      if (channel === 'osmen:accounts:connect' || channel === 'osmen:app:open-external') continue;
      await call(channel, {});
      await call(channel, { providerId: 'canaryco', userId: 'dave', limit: 100, token: C.access, patch: { x: C.refresh } });
    }
    await call('osmen:accounts:list');
    await call('osmen:log:read', { limit: 500 });
    await call('osmen:health:report');

    // 4. logging paths that take free-form details
    coreInternals(core).log.logSecurityError('ipc_rejected', {
      reason: `payload had ${C.refresh}`,
      channel: 'osmen:x',
      token: C.access,
    } as never);
    coreInternals(core).log.logOAuthEvent('refresh', 'canaryco', 'dave', false, { error: `Bearer ${C.newAccess}`, code: 'x' });

    // 5. disconnect both (revocation sends the token to the provider — that is the one place it may go)
    await call('osmen:accounts:disconnect', { providerId: 'canaryco', userId: 'dave' });
    await call('osmen:accounts:disconnect', { providerId: 'testop', userId: 'carol@example.test' });
    expect(core.listAccounts()).toEqual([]);

    // --- search
    const files = readdirSync(home.dir)
      .map((f) => join(home.dir, f))
      .filter((f) => statSync(f).isFile());
    expect(files.some((f) => f.endsWith('security.log'))).toBe(true);
    const haystacks = [
      ...files.map((f) => ({ where: f, text: readFileSync(f).toString('latin1') })),
      ...outputs.map((o, i) => ({ where: `output #${i}`, text: o })),
    ];
    expect(outputs.length).toBeGreaterThan(40);
    const leaks: string[] = [];
    for (const { where, text } of haystacks) {
      for (const s of secrets) if (s && text.includes(s)) leaks.push(`${where} contains ${s.slice(0, 12)}…`);
    }
    expect(leaks).toEqual([]);
    // and the log still says what happened
    const events = core.readLog(500).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['connect', 'refresh', 'needs_reauth', 'disconnect']));
  });
});
