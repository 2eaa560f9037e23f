/**
 * App-wide hardening decisions (Electron security checklist items 5, 12-15), written against the
 * few methods they use so they are tested as registered: every permission request and check is
 * denied; navigation and new windows are denied for every webContents (allow-listed https pages
 * open in the system browser instead); redirects leave only to our own origins; <webview> is
 * never attached. app/hardening.ts applies them to Electron's session and webContents.
 */
import { isAllowedExternalUrl } from '../ipc/external-links.js';
import { originOf } from '../ipc/sender-policy.js';

export interface Preventable {
  preventDefault(): void;
}

/** What lockDownWebContents needs of a webContents. */
export interface LockableContents {
  on(event: string, listener: (event: Preventable, url: string) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** What denyAllPermissions needs of a session. */
export interface PermissionSession {
  setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: () => boolean): void;
  setDevicePermissionHandler(handler: () => boolean): void;
  setDisplayMediaRequestHandler(handler: (request: unknown, callback: (streams: Record<string, never>) => void) => void): void;
}

export function denyAllPermissions(ses: PermissionSession): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.setDisplayMediaRequestHandler((_request, callback) => callback({}));
}

export function lockDownWebContents(
  contents: LockableContents,
  allowedOrigins: readonly string[],
  openExternal: (url: string) => void,
): void {
  const openIfAllowed = (url: string): void => {
    if (isAllowedExternalUrl(url)) openExternal(url);
  };
  contents.on('will-navigate', (event, url) => {
    // The app is a single page: every navigation (a link, a form, an injected location
    // change) is refused; allow-listed https pages open in the browser.
    event.preventDefault();
    openIfAllowed(url);
  });
  contents.on('will-redirect', (event, url) => {
    const origin = originOf(url);
    if (origin === null || !allowedOrigins.includes(origin)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openIfAllowed(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
