/**
 * Electron main process: wiring only. The engine is the credential core
 * (src/main/core, Electron-free); this file opens it, serves the renderer from
 * app://, registers the validated IPC handlers, and runs the tray,
 * notifications and power/network wake-ups.
 */
import { join } from 'node:path';
import { app, session, shell, type BrowserWindow } from 'electron';
import { createCredentialCore, type CredentialCore } from './core/credential-core.js';
import { AgentService } from './core/agent/service.js';
import { loadEnvFile } from './core/env-file.js';
import type { IpcErrorDto, SettingsDto } from '../shared/ipc-contract.js';
import { toErrorDto } from './ipc/errors.js';
import { forwardCoreEvents } from './ipc/events-bridge.js';
import { createHandlerTable } from './ipc/handlers.js';
import { toSettingsDto } from './ipc/dto.js';
import { registerIpc } from './ipc/register.js';
import { RejectionReporter } from './ipc/rejections.js';
import { isOpenableAuthorizationUrl } from './ipc/external-links.js';
import { originOf, type SenderPolicy } from './ipc/sender-policy.js';
import { APP_ENTRY_URL, APP_ORIGIN } from './app/app-url.js';
import { applyDevCsp, denyAllPermissions, installGlobalHardening } from './app/hardening.js';
import { applyStartAtLogin, startedHidden } from './app/login-item.js';
import { ReauthNotifier } from './app/notifications.js';
import { watchPowerAndNetwork } from './app/power.js';
import { handleAppProtocol, registerAppScheme } from './app/protocol.js';
import { createTray, type TrayController } from './app/tray.js';
import type { TrayAction } from './app/tray-model.js';
import { createMainWindow } from './app/window.js';

// Must run before 'ready'.
app.enableSandbox();
registerAppScheme();

// Development: the project's .env (client ids, optional OAUTH_ENCRYPTION_KEY); shell variables win.
if (!app.isPackaged) loadEnvFile(join(app.getAppPath(), '.env'));

const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;
const devOrigin = devServerUrl ? originOf(devServerUrl) : null;
const allowedOrigins: string[] = devOrigin ? [APP_ORIGIN, devOrigin] : [APP_ORIGIN];
installGlobalHardening(allowedOrigins);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start();
}

/** The system browser for sign-in: https, or http on loopback only (see isOpenableAuthorizationUrl). */
async function openAuthorizationPage(url: string): Promise<void> {
  if (!isOpenableAuthorizationUrl(url)) throw new Error('Refusing to open a sign-in page that is not https (or http on this computer).');
  await shell.openExternal(url); /* eng-disable OPEN_EXTERNAL_JS_CHECK */
}

async function start(): Promise<void> {
  let core: CredentialCore | null = null;
  let vaultError: IpcErrorDto | null = null;
  let win: BrowserWindow | null = null;
  let tray: TrayController | null = null;
  let quitting = false;
  let refreshingAll = false;
  let agent: AgentService | null = null;
  const cleanups: Array<() => void> = [];

  const showWindow = (): void => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  app.on('second-instance', showWindow);
  app.on('activate', showWindow);
  // Closing the window keeps the app (and background refresh) running in the tray.
  app.on('window-all-closed', () => undefined);

  // Windows attributes notifications (the re-auth alert) to this id.
  if (process.platform === 'win32') app.setAppUserModelId('org.osmen.credential-manager');
  await app.whenReady();
  denyAllPermissions(session.defaultSession);
  handleAppProtocol(join(import.meta.dirname, '../renderer'));
  if (devServerUrl && devOrigin) applyDevCsp(session.defaultSession, devOrigin);

  try {
    core = await createCredentialCore({ startScheduler: true, openUrl: openAuthorizationPage });
  } catch (err) {
    // KEYCHAIN_UNAVAILABLE, KEY_MALFORMED, DB_CORRUPT...: show the locked-vault screen. Never a plaintext fallback.
    vaultError = toErrorDto(err);
  }

  const send = (channel: string, payload: unknown): void => {
    if (win && !win.isDestroyed()) win.webContents.send(channel, payload);
  };

  const refreshTray = (): void => {
    if (!tray) return;
    const settings = core?.getSettings();
    tray.update({
      vaultLocked: core === null,
      accounts: core
        ? core.listAccounts().map((a) => ({
            status: a.status,
            expiresAt: a.expiresAt ? a.expiresAt.getTime() : null,
            hasRefreshToken: a.hasRefreshToken,
          }))
        : [],
      refreshWindowMs: settings?.refreshWindowMs ?? 300_000,
      paused: settings?.backgroundRefreshPaused ?? false,
      refreshingAll,
      now: Date.now(),
    });
  };

  const onSettingsChanged = (settings: SettingsDto): void => {
    applyStartAtLogin(settings.startAtLogin);
    void agent?.setEnabled(settings.agentEnabled);
    refreshTray();
  };

  const rejections = new RejectionReporter(() => core?.log ?? null);
  const table = createHandlerTable({
    getCore: () => core,
    vaultError: () => vaultError,
    appInfo: { version: app.getVersion(), platform: process.platform },
    // The table has already checked the URL against the console allow-list (isAllowedExternalUrl).
    openExternal: (url) => shell.openExternal(url), /* eng-disable OPEN_EXTERNAL_JS_CHECK */
    onSettingsChanged,
    reportRejection: rejections,
  });
  const policy: SenderPolicy = {
    allowedOrigins,
    trustedWebContents: () => new Set(win && !win.isDestroyed() ? [win.webContents.id] : []),
  };
  cleanups.push(registerIpc(table, policy, rejections));

  const resources = join(app.getAppPath(), 'resources');
  win = createMainWindow({
    preloadPath: join(import.meta.dirname, '../preload/index.cjs'),
    iconPath: join(resources, 'icon.png'),
    url: devServerUrl ?? APP_ENTRY_URL,
    isQuitting: () => quitting,
    show: !startedHidden(process.argv),
  });
  // Windows shutdown/log-off does not emit before-quit, and the window's close only hides it:
  // quit explicitly so refreshes in flight are saved (see before-quit below).
  win.on('session-end', () => app.quit());

  const onTrayAction = (action: TrayAction): void => {
    switch (action) {
      case 'open':
        showWindow();
        break;
      case 'quit':
        app.quit();
        break;
      case 'refresh-all':
        if (!core || refreshingAll) return;
        refreshingAll = true;
        refreshTray();
        // Same path as the window's "Refresh all now"; failures are in the log and on the account cards.
        table
          .invoke('osmen:accounts:refresh-all', { force: true })
          .finally(() => {
            refreshingAll = false;
            refreshTray();
          });
        break;
      case 'toggle-pause': {
        if (!core) return;
        const next = core.updateSettings({ backgroundRefreshPaused: !core.getSettings().backgroundRefreshPaused });
        send('osmen:event:settings-changed', toSettingsDto(next));
        refreshTray();
        break;
      }
    }
  };
  tray = createTray({ ok: join(resources, 'tray-ok.png'), attention: join(resources, 'tray-attention.png') }, onTrayAction);
  refreshTray();
  const trayTimer = setInterval(refreshTray, 60_000);
  cleanups.push(() => clearInterval(trayTimer));

  if (core) {
    const opened = core;
    cleanups.push(forwardCoreEvents(opened.events, send));
    const notifier = new ReauthNotifier(showWindow);
    const onReauth = ({ provider, userId }: { provider: string; userId: string }): void => {
      const account = opened.listAccounts().find((a) => a.provider === provider && a.userId === userId);
      notifier.notify(provider, userId, account?.displayName ?? userId);
      refreshTray();
    };
    const onAccounts = (): void => {
      notifier.sync(opened.listAccounts());
      refreshTray();
    };
    opened.events.on('needs-reauth', onReauth);
    opened.events.on('accounts-changed', onAccounts);
    opened.events.on('token-refreshed', refreshTray);
    cleanups.push(() => {
      opened.events.off('needs-reauth', onReauth);
      opened.events.off('accounts-changed', onAccounts);
      opened.events.off('token-refreshed', refreshTray);
    });
    // The scheduler object can be replaced by a settings change: look it up at wake time.
    cleanups.push(watchPowerAndNetwork(() => opened.scheduler.wake()));
    applyStartAtLogin(opened.getSettings().startAtLogin);

    // Token agent (docs/cli.md): programs get tokens over <data folder>/agent.sock while the app
    // runs, so they never open the vault themselves (Settings: on by default). When an
    // `osmen-cred agent` already serves the socket, that one keeps serving.
    agent = new AgentService(opened, {
      home: opened.home,
      log: opened.log,
      onState: (s) => {
        if (s.error) console.warn(`token agent not started: [${s.error.code}] ${s.error.message}`);
      },
    });
    void agent.setEnabled(opened.getSettings().agentEnabled);
  }

  let closed = false;
  app.on('before-quit', (event) => {
    quitting = true;
    if (closed) return;
    // Let the scheduler finish in-flight refreshes (a rotated refresh token must be persisted) before exit.
    event.preventDefault();
    closed = true;
    for (const cleanup of cleanups.splice(0)) cleanup();
    tray?.destroy();
    // The agent first: its requests in flight finish (and save any refresh) before the vault closes.
    const opened = core;
    const closing = (agent ? agent.close() : Promise.resolve()).then(() => opened?.close());
    closing.catch(() => undefined).finally(() => app.quit());
  });
}
