/**
 * app:// — the production origin of the renderer. The scheme must be
 * registered as privileged before `ready`; the handler serves files from
 * out/renderer only, with the CSP and other security headers attached.
 */
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { APP_HOST, APP_SCHEME } from './app-url.js';
import { securityHeaders } from './csp.js';
import { mimeTypeOf, resolveStaticPath } from './static-files.js';

/** Call before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      // standard: real origin and relative URLs; secure: treated like https.
      // No bypassCSP, no corsEnabled/fetch from other origins, no service workers.
      privileges: { standard: true, secure: true, supportFetchAPI: true },
    },
  ]);
}

/** Call after 'ready', on the session the window uses. */
export function handleAppProtocol(rendererDir: string, target: Pick<typeof protocol, 'handle'> = protocol): void {
  const headers = securityHeaders();
  target.handle(APP_SCHEME, async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return new Response('Bad request', { status: 400 });
    }
    if (url.host !== APP_HOST || request.method !== 'GET') return new Response('Not found', { status: 404 });
    const file = resolveStaticPath(rendererDir, url.pathname);
    if (!file) return new Response('Forbidden', { status: 403 });
    try {
      const body = await readFile(file);
      return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': mimeTypeOf(file) } });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
