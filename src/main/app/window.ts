/** The main window from its spec (desktop/window-spec.ts). Closing it hides it unless the app is quitting. */
import { BrowserWindow, nativeTheme } from 'electron';
import type { WindowHandle, WindowPort } from '../desktop/ports.js';
import type { MainWindowSpec } from '../desktop/window-spec.js';

function createMainWindow(spec: MainWindowSpec, isQuitting: () => boolean): WindowHandle {
  // The remote module was removed in Electron 14 and the preload is reviewed in docs/electronegativity.md.
  const win = new BrowserWindow({
    /* eng-disable REMOTE_MODULE_JS_CHECK PRELOAD_JS_CHECK */
    width: spec.width,
    height: spec.height,
    minWidth: spec.minWidth,
    minHeight: spec.minHeight,
    show: false,
    title: spec.title,
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#17191e' : '#f4f5f7',
    autoHideMenuBar: true,
    ...(spec.iconPath ? { icon: spec.iconPath } : {}),
    // Spelled out here (electronegativity reads the literal); `satisfies` makes any difference
    // from the tested spec (desktop/window-spec.ts, literal types) a compile error.
    webPreferences: {
      preload: spec.webPreferences.preload /* eng-disable PRELOAD_JS_CHECK */,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: spec.webPreferences.devTools,
    } satisfies MainWindowSpec['webPreferences'],
  });
  win.once('ready-to-show', () => {
    if (spec.show) win.show();
  });
  win.on('close', (event) => {
    if (!isQuitting()) {
      event.preventDefault();
      win.hide();
    }
  });
  void win.loadURL(spec.url);
  return {
    webContentsId: win.webContents.id,
    isDestroyed: () => win.isDestroyed(),
    isMinimized: () => win.isMinimized(),
    isVisible: () => win.isVisible() && !win.isMinimized(),
    restore: () => win.restore(),
    show: () => win.show(),
    focus: () => win.focus(),
    send: (channel, payload) => win.webContents.send(channel, payload),
    onSessionEnd: (listener) => void win.on('session-end', listener),
  };
}

export const electronWindows: WindowPort = { create: createMainWindow };
