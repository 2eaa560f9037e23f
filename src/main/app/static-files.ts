/**
 * Maps a request path under app://osmen/ to a file inside the renderer bundle,
 * refusing anything that would escape it (`..`, encoded `%2e%2e`, absolute
 * paths, backslashes, NUL). Pure and Electron-free: unit-tested, and used by
 * the e2e static server too.
 */
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The file for a URL pathname, or null when it is outside `root` or malformed. */
export function resolveStaticPath(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const rel = decoded.replace(/^\/+/, '') || 'index.html';
  if (isAbsolute(rel)) return null;
  const base = resolve(root);
  const target = resolve(base, rel);
  const fromRoot = relative(base, target);
  if (fromRoot === '' || fromRoot.startsWith('..') || isAbsolute(fromRoot) || fromRoot.split(sep).includes('..')) {
    return null;
  }
  return target;
}

export function mimeTypeOf(file: string): string {
  return MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}
