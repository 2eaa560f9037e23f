/**
 * The window and webContents hardening as the app registers it (desktop/hardening.ts and
 * window-spec.ts): navigation, new windows and <webview> denied for every webContents,
 * redirects only to our own origins, every permission request and check refused, and the
 * window's web preferences locked down.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { denyAllPermissions, lockDownWebContents, type Preventable } from '../../src/main/desktop/hardening.js';
import { mainWindowSpec } from '../../src/main/desktop/window-spec.js';

class Contents extends EventEmitter {
  openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' }): void {
    this.openHandler = h;
  }
  fire(event: string, url = ''): boolean {
    let prevented = false;
    const e: Preventable = { preventDefault: () => (prevented = true) };
    this.emit(event, e, url);
    return prevented;
  }
}

function lockedContents(): { contents: Contents; opened: string[] } {
  const contents = new Contents();
  const opened: string[] = [];
  lockDownWebContents(contents, ['app://osmen'], (url) => void opened.push(url));
  return { contents, opened };
}

describe('webContents lock-down', () => {
  it('refuses every navigation; allow-listed https pages open in the browser instead, nothing else does', () => {
    const { contents, opened } = lockedContents();
    expect(contents.fire('will-navigate', 'app://osmen/other.html')).toBe(true);
    expect(contents.fire('will-navigate', 'https://evil.example/phish')).toBe(true);
    expect(contents.fire('will-navigate', 'https://console.cloud.google.com/apis/credentials')).toBe(true);
    expect(opened).toEqual(['https://console.cloud.google.com/apis/credentials']);
  });

  it('denies every new window, opening only allow-listed https pages in the browser', () => {
    const { contents, opened } = lockedContents();
    expect(contents.openHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'http://console.cloud.google.com/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'https://entra.microsoft.com/' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://entra.microsoft.com/']);
  });

  it('lets redirects stay only on our own origins, and never attaches a <webview>', () => {
    const { contents } = lockedContents();
    expect(contents.fire('will-redirect', 'app://osmen/index.html')).toBe(false);
    expect(contents.fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(contents.fire('will-redirect', 'not a url')).toBe(true);
    expect(contents.fire('will-attach-webview')).toBe(true);
  });
});

describe('permissions', () => {
  it('refuses every request and check (camera, notifications, HID…) and every display capture', () => {
    const handlers: Record<string, (...args: never[]) => unknown> = {};
    denyAllPermissions({
      setPermissionRequestHandler: (h) => void (handlers.request = h as never),
      setPermissionCheckHandler: (h) => void (handlers.check = h as never),
      setDevicePermissionHandler: (h) => void (handlers.device = h as never),
      setDisplayMediaRequestHandler: (h) => void (handlers.display = h as never),
    });
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      let granted: boolean | null = null;
      (handlers.request as unknown as (wc: unknown, p: string, cb: (g: boolean) => void) => void)(null, permission, (g) => (granted = g));
      expect(granted).toBe(false);
    }
    expect((handlers.check as unknown as () => boolean)()).toBe(false);
    expect((handlers.device as unknown as () => boolean)()).toBe(false);
    let streams: unknown = null;
    (handlers.display as unknown as (r: unknown, cb: (s: unknown) => void) => void)({}, (s) => (streams = s));
    expect(streams).toEqual({});
  });
});

describe('the main window', () => {
  it('is sandboxed and context-isolated, with no Node, no webview, web security on', () => {
    const spec = mainWindowSpec({ preloadPath: '/p.cjs', url: 'app://osmen/index.html', show: true, devTools: false });
    expect(spec.webPreferences).toEqual({
      preload: '/p.cjs',
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
      devTools: false,
    });
  });
});
