/**
 * Electron main process: adapters only. What the app does lives in the Electron-free
 * DesktopController (src/main/desktop/controller.ts), tested against the real core; this file
 * does what must happen on Electron's own objects before and at `ready` (sandbox, the app://
 * scheme, hardening, single instance) and hands the controller its ports.
 */
import { join } from 'node:path';
import { app, clipboard, ipcMain, session, shell } from 'electron';
import electronLog from 'electron-log/main';
import { CLIENT_ENV_NAMES, createCredentialCore, loadEnvFile } from './core/index.js';
import { DesktopController } from './desktop/controller.js';
import type { AppPort } from './desktop/ports.js';
import { isOpenableAuthorizationUrl } from './ipc/external-links.js';
import { originOf } from './ipc/sender-policy.js';
import { APP_ENTRY_URL, APP_ORIGIN } from './app/app-url.js';
import { applyDevCsp, installGlobalHardening } from './app/hardening.js';
import { electronLoginItem } from './app/login-item.js';
import { electronNotifier } from './app/notifier.js';
import { watchPowerAndNetwork } from './app/power.js';
import { handleAppProtocol, registerAppScheme } from './app/protocol.js';
import { electronSaveDialog } from './app/save-dialog.js';
import { electronTray } from './app/tray.js';
import { electronWindows } from './app/window.js';
import { denyAllPermissions } from './desktop/hardening.js';

// Must run before 'ready'.
app.enableSandbox();
registerAppScheme();
electronLog.initialize();

// Development: the project's .env (client ids, optional OAUTH_ENCRYPTION_KEY and OSMEN_HOME, nothing
// else); shell variables win.
if (!app.isPackaged) loadEnvFile(join(app.getAppPath(), '.env'), process.env, [...CLIENT_ENV_NAMES, 'OAUTH_ENCRYPTION_KEY', 'OSMEN_HOME']);

const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;
const devOrigin = devServerUrl ? originOf(devServerUrl) : null;
const allowedOrigins: string[] = devOrigin ? [APP_ORIGIN, devOrigin] : [APP_ORIGIN];
installGlobalHardening(allowedOrigins);

/** The system browser for sign-in: https, or http on loopback only (see isOpenableAuthorizationUrl). */
async function openAuthorizationPage(url: string): Promise<void> {
  if (!isOpenableAuthorizationUrl(url)) throw new Error('Refusing to open a sign-in page that is not https (or http on this computer).');
  await shell.openExternal(url); /* eng-disable OPEN_EXTERNAL_JS_CHECK */
}

const appPort: AppPort = {
  version: app.getVersion(),
  platform: process.platform,
  whenReady: async () => {
    await app.whenReady();
    denyAllPermissions(session.defaultSession);
    handleAppProtocol(join(import.meta.dirname, '../renderer'));
    if (devServerUrl && devOrigin) applyDevCsp(session.defaultSession, devOrigin);
  },
  quit: () => app.quit(),
  onSecondInstance: (listener) => void app.on('second-instance', listener),
  onActivate: (listener) => void app.on('activate', listener),
  onBeforeQuit: (listener) => void app.on('before-quit', listener),
};

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Closing the window keeps the app (and background refresh) running in the tray.
  app.on('window-all-closed', () => undefined);
  // Windows attributes notifications (the re-auth alert) to this id.
  if (process.platform === 'win32') app.setAppUserModelId('org.osmen.credential-manager');
  const resources = join(app.getAppPath(), 'resources');
  const controller = new DesktopController({
    app: appPort,
    window: electronWindows,
    tray: electronTray({ ok: join(resources, 'tray-ok.png'), attention: join(resources, 'tray-attention.png') }),
    notifier: electronNotifier,
    loginItem: electronLoginItem(),
    power: { watch: (wake) => watchPowerAndNetwork(wake) },
    clipboard: { writeText: (text) => clipboard.writeText(text) },
    saveDialog: electronSaveDialog,
    ipc: ipcMain,
    openCore: () => createCredentialCore({ startScheduler: true, openUrl: openAuthorizationPage }),
    // The handler table has already checked the URL against the console allow-list.
    openExternal: (url) => shell.openExternal(url) /* eng-disable OPEN_EXTERNAL_JS_CHECK */,
    openSignInPage: openAuthorizationPage,
    renderer: {
      preloadPath: join(import.meta.dirname, '../preload/index.cjs'),
      iconPath: join(resources, 'icon.png'),
      url: devServerUrl ?? APP_ENTRY_URL,
      devTools: !process.env['OSMEN_DISABLE_DEVTOOLS'],
    },
    allowedOrigins,
    argv: process.argv,
    diagnostics: { warn: (message, detail) => electronLog.warn(message, detail instanceof Error ? detail.message : '') },
  });
  controller.start().catch((err: unknown) => {
    electronLog.error('the app could not start', err instanceof Error ? err.message : String(err));
    app.exit(70);
  });
}
