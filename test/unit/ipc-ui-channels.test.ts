/**
 * The channels behind the UI's clarity features, against the real core and a
 * real OpenID Provider: the waiting sign-in's link (state, event, copy, open
 * again), copying an account's `osmen-cred token` command, the log's user
 * hash on account DTOs, "Refresh all" naming what it skipped and what failed,
 * and the locked screen's Retry and Quit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { toErrorDto } from '../../src/main/ipc/errors.js';
import { createHandlerTable, type HandlerTable } from '../../src/main/ipc/handlers.js';
import type { AccountDto, IpcErrorDto, RefreshSummaryDto, SignInStateDto } from '../../src/shared/ipc-contract.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { PUBLIC_CLIENT_ID, browseAuthorization, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import type { CredentialCore } from '../../src/main/core/api.js';

let op: TestProvider;
let home: { dir: string; cleanup: () => void };
let core: CredentialCore;
let table: HandlerTable;
const opened: string[] = [];
const clipboard: string[] = [];
const signInEvents: SignInStateDto[] = [];

async function ok(channel: string, payload: unknown = {}): Promise<unknown> {
  const r = await table.invoke(channel, payload);
  if (!r.ok) throw new Error(`${channel} failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

beforeAll(async () => {
  op = await startTestProvider();
  home = makeTmpHome('osmen-ipc-ui-');
  core = await createCredentialCore({
    home: home.dir,
    encryptionKey: EncryptionManager.generateKey(),
    env: {},
    openUrl: () => {
      throw new Error('the table must open sign-in pages through its own port');
    },
  });
  coreInternals(core).providers.register({
    id: 'testop',
    displayName: 'Test OP',
    issuer: op.issuer,
    clientId: PUBLIC_CLIENT_ID,
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    extraAuthParams: { prompt: 'consent' },
  });
  table = createHandlerTable({
    getCore: () => core,
    vaultError: () => null,
    appInfo: { version: 'test', platform: 'linux' },
    openExternal: () => undefined,
    openSignInPage: (url) => {
      opened.push(url);
    },
    writeClipboard: (text) => {
      clipboard.push(text);
    },
  });
  table.subscribe((channel, payload) => {
    expect(channel).toBe('osmen:event:sign-in-state');
    signInEvents.push(payload as SignInStateDto);
  });
});

afterAll(async () => {
  await core?.close();
  await op?.close();
  home?.cleanup();
});

describe('the waiting sign-in', () => {
  it('is announced with its link, can be copied and opened again, and is gone when the connect settles', async () => {
    expect(await ok('osmen:accounts:sign-in-state')).toEqual({ active: false });
    const connecting = table.invoke('osmen:accounts:connect', { providerId: 'testop' });
    await expect.poll(() => opened.length).toBe(1);
    const url = opened[0]!;
    expect(new URL(url).origin).toBe(op.issuer);
    expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');

    const state = (await ok('osmen:accounts:sign-in-state')) as SignInStateDto;
    expect(state).toEqual({ active: true, providerId: 'testop', url, startedAt: expect.any(Number) });
    expect(signInEvents).toEqual([state]);

    expect(await ok('osmen:app:copy', { what: 'sign-in-link' })).toEqual({ copied: true });
    expect(clipboard).toEqual([url]);
    expect(await ok('osmen:accounts:reopen-sign-in')).toEqual({ opened: true });
    expect(opened).toEqual([url, url]); // the same page, through the same opener

    const browser = await browseAuthorization(url, { login: 'alice' });
    expect(browser.status).toBe(200);
    const result = await connecting;
    expect(result).toMatchObject({ ok: true, value: { provider: 'testop' } });

    expect(await ok('osmen:accounts:sign-in-state')).toEqual({ active: false });
    expect(signInEvents).toEqual([state, { active: false }]);
    expect(await table.invoke('osmen:app:copy', { what: 'sign-in-link' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await ok('osmen:accounts:reopen-sign-in')).toEqual({ opened: false });
    expect(opened).toHaveLength(2);
    expect(clipboard).toHaveLength(1);
  });

  it('a cancelled sign-in clears its link as well', async () => {
    const connecting = table.invoke('osmen:accounts:connect', { providerId: 'testop' });
    await expect.poll(() => opened.length).toBe(3);
    expect(await ok('osmen:accounts:cancel-connect')).toEqual({ cancelled: true });
    expect(await connecting).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(await ok('osmen:accounts:sign-in-state')).toEqual({ active: false });
    expect(signInEvents.at(-1)).toEqual({ active: false });
  });
});

describe('account DTOs', () => {
  it('carry the log’s keyed user hash (so the log can be searched by e-mail) and the issuer', async () => {
    const [alice] = (await ok('osmen:accounts:list')) as AccountDto[];
    expect(alice).toMatchObject({ provider: 'testop', issuer: op.issuer });
    expect(alice!.userHash).toBe(coreInternals(core).log.userHash(alice!.userId));
    const connect = core.readLog(100).find((e) => e.event === 'connect' && e.success === true);
    expect(connect?.userHash).toBe(alice!.userHash);
    // The hash is keyed: it is not a plain digest of the address anyone could compute.
    expect(JSON.stringify(alice)).not.toContain(coreInternals(core).log.userHash('someone-else@example.test'));
  });

  it('copy puts the osmen-cred command on the clipboard, never a token, and only for a connected account', async () => {
    const [alice] = (await ok('osmen:accounts:list')) as AccountDto[];
    expect(await ok('osmen:app:copy', { what: 'token-command', providerId: 'testop', userId: alice!.userId })).toEqual({ copied: true });
    expect(clipboard.at(-1)).toBe(`osmen-cred token testop ${alice!.userId}`);
    const stored = coreInternals(core).tokens.getToken('testop', alice!.userId)!;
    expect(clipboard.join('\n')).not.toContain(stored.accessToken);
    const before = clipboard.length;
    const r = await table.invoke('osmen:app:copy', { what: 'token-command', providerId: 'testop', userId: 'nobody@example.test' });
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(clipboard).toHaveLength(before);
  });
});

describe('Refresh all', () => {
  it('reports the accounts it skipped and why, and the ones that failed with their code', async () => {
    const [alice] = (await ok('osmen:accounts:list')) as AccountDto[];
    coreInternals(core).tokens.saveToken('testop', 'no-refresh@example.test', { access_token: 'a1', expires_in: 3600, scope: 'openid' });
    coreInternals(core).tokens.saveToken('testop', 'reauth@example.test', {
      access_token: 'a2',
      refresh_token: 'r2',
      expires_in: 3600,
      scope: 'openid',
    });
    coreInternals(core).tokens.setStatus('testop', 'reauth@example.test', { status: 'needs_reauth', detail: 'invalid_grant' });
    coreInternals(core).tokens.saveToken('testop', 'revoked@example.test', {
      access_token: 'a3',
      refresh_token: 'not-a-grant-the-op-knows',
      expires_in: 3600,
      scope: 'openid',
    });

    const summary = (await ok('osmen:accounts:refresh-all', { force: true })) as RefreshSummaryDto;
    expect(summary).toMatchObject({ due: 2, refreshed: 1, failed: 1 });
    expect(summary.skipped).toEqual(
      expect.arrayContaining([
        { provider: 'testop', userId: 'no-refresh@example.test', reason: 'no_refresh_token' },
        { provider: 'testop', userId: 'reauth@example.test', reason: 'needs_reauth' },
      ]),
    );
    expect(summary.skipped).toHaveLength(2);
    expect(summary.failures).toEqual([{ provider: 'testop', userId: 'revoked@example.test', code: 'invalid_grant' }]);
    expect(JSON.stringify(summary)).not.toContain(alice!.userId);

    // The scheduler's own pass names nobody.
    expect(await ok('osmen:accounts:refresh-all')).toMatchObject({ skipped: [], failures: [] });
  });
});

describe('the locked screen', () => {
  it('Retry opens the vault once the cause is fixed, one attempt at a time; Quit quits', async () => {
    const dataHome = makeTmpHome('osmen-retry-');
    const env: NodeJS.ProcessEnv = { OAUTH_ENCRYPTION_KEY: 'not-a-valid-key' };
    let lockedCore: CredentialCore | null = null;
    let vaultError: IpcErrorDto | null = null;
    let attempts = 0;
    let quits = 0;
    const open = async (): Promise<void> => {
      attempts += 1;
      try {
        lockedCore = await createCredentialCore({ home: dataHome.dir, env });
        vaultError = null;
      } catch (err) {
        vaultError = toErrorDto(err);
      }
    };
    await open();
    const locked = createHandlerTable({
      getCore: () => lockedCore,
      vaultError: () => vaultError,
      appInfo: { version: 'test', platform: 'linux' },
      openExternal: () => undefined,
      retryOpenVault: open,
      quit: () => {
        quits += 1;
      },
    });
    try {
      expect(await locked.invoke('osmen:app:retry-open-vault', {})).toMatchObject({
        ok: true,
        value: { vault: 'locked', error: { code: 'KEY_MALFORMED' } },
      });
      env['OAUTH_ENCRYPTION_KEY'] = EncryptionManager.generateKey();
      const [a, b] = await Promise.all([locked.invoke('osmen:app:retry-open-vault', {}), locked.invoke('osmen:app:retry-open-vault', {})]);
      expect(a).toMatchObject({ ok: true, value: { vault: 'ready', error: null, keySource: 'env' } });
      expect(b).toEqual(a);
      expect(attempts).toBe(3); // the first open, the failed retry, one retry for the double click
      expect(await locked.invoke('osmen:accounts:list', {})).toEqual({ ok: true, value: [] });
      // Open already: Retry does nothing more.
      await locked.invoke('osmen:app:retry-open-vault', {});
      expect(attempts).toBe(3);

      expect(await locked.invoke('osmen:app:quit', {})).toEqual({ ok: true, value: { quitting: true } });
      expect(quits).toBe(1);
    } finally {
      await (lockedCore as CredentialCore | null)?.close();
      dataHome.cleanup();
    }
  });

  it('without the ports the channels say they are not available', async () => {
    const bare = createHandlerTable({
      getCore: () => null,
      vaultError: () => null,
      appInfo: { version: 'test', platform: 'linux' },
      openExternal: () => undefined,
    });
    for (const [channel, payload] of [
      ['osmen:app:retry-open-vault', {}],
      ['osmen:app:quit', {}],
      ['osmen:app:copy', { what: 'sign-in-link' }],
    ] as const) {
      expect(await bare.invoke(channel, payload)).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
    }
  });
});
