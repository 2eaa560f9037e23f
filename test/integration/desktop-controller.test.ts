/**
 * The desktop app's main process, without Electron: the DesktopController against the real
 * credential core, a real OpenID Provider and the real IPC handler table, through recording
 * ports for the window, tray, notifications, login item, power events and ipcMain. What is
 * checked is what the app does: start with a vault and with a locked one, the tray's actions,
 * one re-auth notification per account, a quit that saves a refresh in flight, a second
 * instance, settings reaching the renderer, and the IPC sender check as registered.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { TokenStore } from '../../src/main/core/vault/token-store.js';
import { DesktopController, HIDDEN_ARG } from '../../src/main/desktop/controller.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { ageToken, TEST_SCOPES } from '../helpers/oidc-fixtures.js';
import { fakePorts, type FakePorts, WINDOW_ID } from '../helpers/desktop-ports.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { askAgent } from '../../src/main/core/agent/client.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CredentialCore } from '../../src/main/core/api.js';

let op: TestProvider;
let home: ReturnType<typeof makeTmpHome>;
let key: string;
let ports: FakePorts;
let controller: DesktopController;

const openCore = (): Promise<CredentialCore> => createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });

async function startApp(extra: Parameters<FakePorts['options']>[0] = { openCore }): Promise<DesktopController> {
  controller = new DesktopController(ports.options(extra));
  await controller.start();
  return controller;
}

async function connect(core: CredentialCore, login: string): Promise<string> {
  if (!core.listProviders().some((p) => p.id === 'testop')) {
    await core.createCustomProvider({ id: 'testop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: TEST_SCOPES });
  }
  const meta = await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login }) });
  return meta.userId;
}

/** Quits the way the OS does and waits until the app would exit. */
async function quit(): Promise<void> {
  ports.app.quit();
  await ports.app.exitedPromise();
}

beforeAll(async () => {
  op = await startTestProvider();
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => {
  home = makeTmpHome('osmen-desktop-');
  key = EncryptionManager.generateKey();
  ports = fakePorts();
});
afterEach(async () => {
  if (!ports.app.exited) await quit();
  home.cleanup();
});

describe('starting', () => {
  it('with a vault: every IPC channel registered, the hardened window shown, the tray listing the accounts', async () => {
    const first = await openCore();
    await connect(first, 'alice');
    await first.close();
    await startApp();
    expect(controller.core).not.toBeNull();
    expect(ports.ipc.handlers.size).toBeGreaterThan(20);
    const [win] = ports.windows;
    expect(win!.spec.show).toBe(true);
    expect(win!.spec.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
    expect(ports.trays[0]!.last).toMatchObject({ icon: 'ok', tooltip: expect.stringMatching(/^1 account · next refresh in/) });
    const status = await ports.ipc.invoke('osmen:app:status', {});
    expect(status).toMatchObject({ ok: true, value: { vault: 'ready', keySource: 'explicit' } });
  });

  it('started at login (--hidden): the window stays hidden', async () => {
    await startApp({ openCore, argv: ['/usr/bin/osmen', HIDDEN_ARG] });
    expect(ports.windows[0]!.spec.show).toBe(false);
  });

  it('with a locked vault: the locked screen gets its reason, the tray says so, Retry opens it once it can', async () => {
    let attempt = 0;
    const flaky = (): Promise<CredentialCore> =>
      ++attempt === 1 ? createCredentialCore({ home: home.dir, encryptionKey: 'not a key', env: {} }) : openCore();
    await startApp({ openCore: flaky });
    expect(controller.core).toBeNull();
    expect(await ports.ipc.invoke('osmen:app:status', {})).toMatchObject({
      ok: true,
      value: { vault: 'locked', error: { code: 'KEY_MALFORMED' } },
    });
    expect(ports.trays[0]!.last).toMatchObject({ icon: 'attention', tooltip: 'Vault locked' });
    expect(await ports.ipc.invoke('osmen:accounts:list', {})).toMatchObject({ ok: false, error: { code: 'VAULT_LOCKED' } });

    expect(await ports.ipc.invoke('osmen:app:retry-open-vault', {})).toMatchObject({ ok: true });
    expect(await ports.ipc.invoke('osmen:app:status', {})).toMatchObject({ ok: true, value: { vault: 'ready' } });
    expect(ports.trays[0]!.last.tooltip).toBe('No accounts');
    // The opened core is wired as at start: its events reach the window.
    await connect(controller.core!, 'bob');
    expect(ports.windows[0]!.eventsOn('osmen:event:accounts-changed').length).toBeGreaterThan(0);
  });
});

describe('the IPC sender check, as registered', () => {
  it("answers our window's main frame and refuses other windows, sub-frames and foreign origins (logged)", async () => {
    await startApp();
    expect(await ports.ipc.invoke('osmen:accounts:list', {})).toMatchObject({ ok: true });
    for (const from of [
      { webContentsId: WINDOW_ID + 1 },
      { subframe: true },
      { url: 'https://evil.example/x' },
      { url: 'file:///etc/passwd' },
    ]) {
      expect(await ports.ipc.invoke('osmen:accounts:list', {}, from)).toEqual({
        ok: false,
        error: { code: 'FORBIDDEN_SENDER', message: 'This caller may not use the credential API.' },
      });
    }
    const rejected = controller.core!.readLog(20).filter((e) => e.event === 'ipc_rejected');
    expect(rejected.map((e) => e.details.reason).sort()).toEqual([
      'foreign_origin',
      'foreign_webcontents',
      'malformed_url',
      'not_main_frame',
    ]);
  });
});

describe('the tray', () => {
  it('opens the window, pauses and resumes background refresh (the window hears it), refreshes all, quits', async () => {
    await startApp();
    const core = controller.core!;
    const tray = ports.trays[0]!;
    const win = ports.windows[0]!;
    win.minimized = true;
    await controller.onTrayAction('open');
    expect(win.calls).toEqual(['restore', 'show', 'focus']);

    await controller.onTrayAction('toggle-pause');
    expect(core.getSettings().backgroundRefreshPaused).toBe(true);
    expect(win.eventsOn('osmen:event:settings-changed').at(-1)).toMatchObject({ backgroundRefreshPaused: true });
    expect(tray.last.tooltip).toContain('background refresh paused');
    await controller.onTrayAction('toggle-pause');
    expect(win.eventsOn('osmen:event:settings-changed').at(-1)).toMatchObject({ backgroundRefreshPaused: false });

    const user = await connect(core, 'carol');
    op.resetCounts();
    const hold = op.holdTokenRequests();
    const refreshing = controller.onTrayAction('refresh-all');
    await hold.arrived;
    expect(tray.last.tooltip).toContain('refreshing now');
    expect(tray.last.menu.find((m) => m.type === 'action' && m.action === 'refresh-all')).toMatchObject({ enabled: false });
    hold.release();
    await refreshing;
    expect(op.count('refresh_token')).toBe(1);
    expect(tray.last.tooltip).not.toContain('refreshing now');
    expect(core.listAccounts().find((a) => a.userId === user)!.lastRefreshAt).not.toBeNull();

    await controller.onTrayAction('quit');
    await ports.app.exitedPromise();
    expect(tray.destroyed).toBe(true);
  });
});

describe('needs re-auth', () => {
  it('notifies once per account, and again only after it was reconnected and lost again', async () => {
    await startApp();
    const core = controller.core!;
    const user = await connect(core, 'dave');
    const revoke = async (): Promise<void> => {
      const t = new TokenStore({ dbPath: coreInternals(core).tokens.dbPath, encryption: coreInternals(core).tokens.encryptionManager });
      const rt = t.getToken('testop', user)!.refreshToken!;
      t.close();
      const res = await fetch(`${op.issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: rt, token_type_hint: 'refresh_token', client_id: PUBLIC_CLIENT_ID }),
      });
      expect(res.status).toBe(200);
    };
    await revoke();
    await expect(core.refreshAccount('testop', user)).rejects.toMatchObject({ needsReauth: true });
    await expect(core.refreshAccount('testop', user)).rejects.toMatchObject({ needsReauth: true });
    expect(ports.notifications).toHaveLength(1);
    expect(ports.notifications[0]!.body).toContain('(testop) needs re-authentication');
    expect(ports.trays[0]!.last.icon).toBe('attention');
    ports.notifications[0]!.onClick();
    expect(ports.windows[0]!.calls).toContain('focus');

    await connect(core, 'dave'); // reconnected
    expect(ports.trays[0]!.last.icon).toBe('ok');
    await revoke();
    await expect(core.refreshAccount('testop', user)).rejects.toMatchObject({ needsReauth: true });
    expect(ports.notifications).toHaveLength(2);
  });
});

describe('quitting', () => {
  it('waits for a refresh in flight and saves its rotated refresh token before the app exits', async () => {
    await startApp();
    const core = controller.core!;
    const user = await connect(core, 'erin');
    ageToken(coreInternals(core).tokens, 'testop', user, 10);
    const before = coreInternals(core).tokens.getToken('testop', user)!.refreshToken;
    const dbPath = coreInternals(core).tokens.dbPath;
    op.resetCounts();
    const hold = op.holdTokenRequests();
    void controller.onTrayAction('refresh-all');
    await hold.arrived;
    ports.app.quit();
    expect(ports.app.exited).toBe(false); // held until the vault is closed
    hold.release();
    await ports.app.exitedPromise();
    const vault = new TokenStore({ dbPath, encryption: new EncryptionManager(key) });
    try {
      const after = vault.getToken('testop', user)!.refreshToken;
      expect(after).not.toBe(before);
    } finally {
      vault.close();
    }
    // The saved token is the live one: the provider accepts it (a reused one would kill the grant).
    const again = await openCore();
    try {
      await again.refreshAccount('testop', user);
    } finally {
      await again.close();
    }
    expect(op.tokenRequests.filter((t) => t.grantType === 'refresh_token').map((t) => t.status)).toEqual([200, 200]);
  });

  it('a Windows session end quits (and so saves) instead of only hiding the window', async () => {
    await startApp();
    for (const l of ports.windows[0]!.sessionEnd) l();
    await ports.app.exitedPromise();
    expect(ports.app.quitCalls).toBe(2); // the held quit, then the one after the vault closed
  });
});

describe('the rest of the lifecycle', () => {
  it('a second instance focuses the existing window', async () => {
    await startApp();
    ports.app.startSecondInstance();
    expect(ports.windows).toHaveLength(1);
    expect(ports.windows[0]!.calls).toEqual(['show', 'focus']);
  });

  it('settings changed in the window reach the renderer and the login item', async () => {
    await startApp();
    expect(ports.loginItem).toEqual([false]);
    const result = await ports.ipc.invoke('osmen:settings:update', { startAtLogin: true, refreshWindowMs: 600_000 });
    expect(result).toMatchObject({ ok: true, value: { startAtLogin: true, refreshWindowMs: 600_000 } });
    expect(ports.windows[0]!.eventsOn('osmen:event:settings-changed').at(-1)).toMatchObject({
      startAtLogin: true,
      refreshWindowMs: 600_000,
    });
    expect(ports.loginItem.at(-1)).toBe(true);
  });

  it('resume and network wake-ups wake the background scheduler', async () => {
    const clock = new ManualClock();
    await startApp({
      openCore: () => createCredentialCore({ home: home.dir, encryptionKey: key, env: {}, startScheduler: true, schedulerClock: clock }),
    });
    const scheduler = coreInternals(controller.core!).scheduler;
    // The first run, at start; then nothing is due: the next check is one check interval away.
    expect(clock.advance(0)).toBe(1);
    await scheduler.runOnce();
    const interval = controller.core!.getSettings().checkIntervalMs;
    expect(scheduler.nextRunAt).toBe(clock.now() + interval);
    expect(clock.pending).toEqual([clock.now() + interval]);
    clock.advance(60_000);
    expect(ports.wakes.length).toBeGreaterThan(0);
    for (const wake of ports.wakes) wake('resume');
    // Re-planned for now, in place of the far-away check.
    expect(scheduler.nextRunAt).toBe(clock.now());
    expect(clock.pending).toEqual([clock.now()]);
  });
});

describe('exporting the security log', () => {
  it('asks where to save through the save dialog port, writes the whole chain there, and reports it', async () => {
    await startApp();
    const dest = join(home.dir, 'exported.jsonl');
    ports.saveDialog.answers.push(dest, null);
    const r = await ports.ipc.invoke('osmen:log:export', {});
    expect(ports.saveDialog.requests[0]).toEqual({
      title: 'Export the security log',
      defaultName: expect.stringMatching(/^osmen-security-log-\d{4}-\d{2}-\d{2}\.jsonl$/),
      filters: [{ name: 'Security log export (JSON lines)', extensions: ['jsonl'] }],
    });
    expect(r).toEqual({ ok: true, value: { saved: true, path: dest, entries: controller.core!.verifyLog().entries } });
    expect(existsSync(dest)).toBe(true);
    // Cancel in the dialog: nothing written, and the reply says so.
    expect(await ports.ipc.invoke('osmen:log:export', {})).toEqual({ ok: true, value: { saved: false } });
  });
});

describe('the token agent', () => {
  it('serves tokens on <data folder>/agent.sock while the app runs, and stops when the setting is turned off', async () => {
    await startApp();
    const core = controller.core!;
    const user = await connect(core, 'frank');
    const sock = join(home.dir, 'agent.sock');
    await vi.waitFor(() => expect(controller.agentPath).toBe(sock), { timeout: 10_000, interval: 20 });
    // A new vault asks first: this test process has no grant, so the app's dialog is asked
    // (the consent request reaches the window as an event) and answers through its channel.
    const win = ports.windows[0]!;
    win.hidden = true; // closed to the tray: a notification brings the window up
    const asking = askAgent([sock], { id: 1, method: 'token', provider: 'testop', user });
    await vi.waitFor(() => expect(win.eventsOn('osmen:event:consent-request')).toHaveLength(1), { timeout: 10_000, interval: 20 });
    const request = win.eventsOn('osmen:event:consent-request')[0] as { id: string; account: unknown; program: { name: string } };
    expect(request.account).toEqual({ provider: 'testop', userId: user });
    const note = ports.notifications.find((n) => n.title.includes('asks for a token'))!;
    expect(note.body).toContain(`testop:${user}`);
    note.onClick();
    expect(win.calls).toContain('show');
    expect(await ports.ipc.invoke('osmen:consent:answer', { id: request.id, answer: 'once' })).toEqual({
      ok: true,
      value: { answered: true },
    });
    const answer = await asking;
    expect(answer?.answer).toMatchObject({
      id: 1,
      ok: true,
      accessToken: coreInternals(core).tokens.getToken('testop', user)!.accessToken,
    });
    expect(win.eventsOn('osmen:event:consent-resolved')).toEqual([{ id: request.id }]);
    await ports.ipc.invoke('osmen:settings:update', { agentEnabled: false });
    await vi.waitFor(() => expect(existsSync(sock)).toBe(false), { timeout: 10_000, interval: 20 });
    expect(controller.agentPath).toBeNull();
  });
});
