/** Applies the hardening decisions (desktop/hardening.ts) to Electron's app, session and webContents. */
import { app, shell, type Session } from 'electron';
import { lockDownWebContents } from '../desktop/hardening.js';
import { securityHeaders } from './csp.js';

export { denyAllPermissions } from '../desktop/hardening.js';

/** In development the dev server serves the page; attach the (relaxed) CSP as a header there too. */
export function applyDevCsp(ses: Session, devServerOrigin: string): void {
  const headers = securityHeaders({ devServerOrigin });
  ses.webRequest.onHeadersReceived({ urls: [`${devServerOrigin}/*`] }, (details, callback) => {
    const responseHeaders = { ...details.responseHeaders };
    for (const [name, value] of Object.entries(headers)) responseHeaders[name] = [value];
    callback({ responseHeaders });
  });
}

/** Before 'ready': every webContents ever created is locked down. (Permissions: denyAllPermissions after 'ready'.) */
export function installGlobalHardening(allowedOrigins: readonly string[]): void {
  app.on(
    'web-contents-created',
    (_event, contents) =>
      lockDownWebContents(contents, allowedOrigins, (url) => void shell.openExternal(url)) /* eng-disable OPEN_EXTERNAL_JS_CHECK */,
  );
}
