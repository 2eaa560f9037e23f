/**
 * The main window's options, as data: sandboxed, context-isolated, no Node, web security on,
 * no experimental features. Pure, so the hardening is tested as the app uses it; app/window.ts
 * turns it into a BrowserWindow.
 */

export interface MainWindowSpec {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  /** Shown when ready, unless started hidden (at login, in the tray). */
  show: boolean;
  url: string;
  preloadPath: string;
  iconPath?: string;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInWorker: false;
    nodeIntegrationInSubFrames: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    experimentalFeatures: false;
    disableBlinkFeatures: string;
    webviewTag: false;
    navigateOnDragDrop: false;
    spellcheck: false;
    safeDialogs: true;
    devTools: boolean;
  };
}

export function mainWindowSpec(options: {
  preloadPath: string;
  iconPath?: string;
  url: string;
  show: boolean;
  devTools: boolean;
}): MainWindowSpec {
  return {
    width: 1120,
    height: 760,
    minWidth: 760,
    minHeight: 520,
    title: 'OsMEN Credential Manager',
    show: options.show,
    url: options.url,
    preloadPath: options.preloadPath,
    ...(options.iconPath ? { iconPath: options.iconPath } : {}),
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      // Middle-click must not open windows (the window-open handler denies them anyway).
      disableBlinkFeatures: 'Auxclick',
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: options.devTools,
    },
  };
}
