/**
 * The main window: sandboxed, context-isolated, no Node, web security on, no
 * experimental features. Closing it hides it (the app keeps refreshing in the
 * tray) unless the app is quitting.
 */
import { BrowserWindow, nativeTheme } from 'electron';

export interface MainWindowOptions {
  preloadPath: string;
  iconPath?: string;
  /** Where to load the renderer: app://osmen/index.html, or the dev server URL. */
  url: string;
  isQuitting(): boolean;
  show: boolean;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  // The remote module was removed in Electron 14 and the preload is reviewed in docs/electronegativity.md.
  const win = new BrowserWindow({ /* eng-disable REMOTE_MODULE_JS_CHECK PRELOAD_JS_CHECK */
    width: 1120,
    height: 760,
    minWidth: 760,
    minHeight: 520,
    show: false,
    title: 'OsMEN Credential Manager',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#17191e' : '#f4f5f7',
    autoHideMenuBar: true,
    ...(options.iconPath ? { icon: options.iconPath } : {}),
    webPreferences: {
      preload: options.preloadPath, /* eng-disable PRELOAD_JS_CHECK */
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      // Middle-click must not open windows (setWindowOpenHandler denies them anyway).
      disableBlinkFeatures: 'Auxclick',
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: !process.env['OSMEN_DISABLE_DEVTOOLS'],
    },
  });
  win.once('ready-to-show', () => {
    if (options.show) win.show();
  });
  win.on('close', (event) => {
    if (!options.isQuitting()) {
      event.preventDefault();
      win.hide();
    }
  });
  void win.loadURL(options.url);
  return win;
}
