/**
 * App-wide Electron hardening (security checklist items 5, 12-15): every
 * permission request and check denied, navigation and new windows denied for
 * every webContents, <webview> never attached, external links opened only for
 * allow-listed https pages.
 */
import { app, shell, type Session, type WebContents } from 'electron';
import { isAllowedExternalUrl } from '../ipc/external-links.js';
import { originOf } from '../ipc/sender-policy.js';
import { securityHeaders } from './csp.js';

export function denyAllPermissions(ses: Session): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.setDisplayMediaRequestHandler((_request, callback) => callback({}));
}

/** In development the dev server serves the page; attach the (relaxed) CSP as a header there too. */
export function applyDevCsp(ses: Session, devServerOrigin: string): void {
  const headers = securityHeaders({ devServerOrigin });
  ses.webRequest.onHeadersReceived({ urls: [`${devServerOrigin}/*`] }, (details, callback) => {
    const responseHeaders = { ...details.responseHeaders };
    for (const [name, value] of Object.entries(headers)) responseHeaders[name] = [value];
    callback({ responseHeaders });
  });
}

function openIfAllowed(url: string): void {
  if (isAllowedExternalUrl(url)) void shell.openExternal(url); /* eng-disable OPEN_EXTERNAL_JS_CHECK */
}

export function lockDownWebContents(contents: WebContents, allowedOrigins: readonly string[]): void {
  contents.on('will-navigate', (event, url) => {
    // The app is a single page: every navigation (a link, a form, an injected
    // location change) is refused; allow-listed https pages open in the browser.
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

/** Before 'ready': every webContents ever created is locked down. (Permissions: denyAllPermissions after 'ready'.) */
export function installGlobalHardening(allowedOrigins: readonly string[]): void {
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents, allowedOrigins));
}
