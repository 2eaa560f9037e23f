/**
 * The renderer is served from app://osmen/ (a custom privileged scheme) in
 * production: no file:// (checklist item 18), a stable origin for the sender
 * check, and HTTP-style headers so the CSP is a real header.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'osmen';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;
