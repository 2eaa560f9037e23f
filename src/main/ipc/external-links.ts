/**
 * The only pages the app opens in the system browser: provider consoles and
 * their documentation, over https, compared by exact host (never startsWith,
 * which `https://console.cloud.google.com.attacker.example` would pass).
 */
import { BUILTIN_PROVIDERS } from '../core/index.js';

/** Each built-in provider's file lists its consoles; github.com hosts the project's own pages. */
export const EXTERNAL_HOSTS: ReadonlySet<string> = new Set([...BUILTIN_PROVIDERS.flatMap((b) => b.consoleHosts), 'github.com']);

export function isAllowedExternalUrl(raw: unknown): raw is string {
  if (typeof raw !== 'string' || raw.length > 2048) return false;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.username === '' && url.password === '' && url.port === '' && EXTERNAL_HOSTS.has(url.hostname);
}

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * The sign-in page the core asks the system browser to open: the provider's
 * authorization endpoint from its discovery document. https anywhere; http
 * only on loopback (a provider running on this computer, as in tests).
 */
export function isOpenableAuthorizationUrl(raw: unknown): raw is string {
  if (typeof raw !== 'string' || raw.length > 8192) return false;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}
