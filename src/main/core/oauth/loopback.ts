/**
 * Loopback host checks. RFC 8252 §7.3 / §8.3 and RFC 9700 allow plain http only
 * for loopback redirects; we apply the same rule to issuers and endpoints so a
 * test or local provider can run on 127.0.0.1 while nothing else goes unencrypted.
 */
import { isIP } from 'node:net';

/** True for 127.0.0.0/8, ::1 and `localhost` (RFC 6761 reserves it for loopback). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

export type UrlCheck = { ok: true; url: URL; insecure: boolean } | { ok: false; reason: string };

/** https anywhere, http only on loopback; no credentials or fragments in the URL. */
export function checkEndpointUrl(value: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: `"${value.slice(0, 200)}" is not a valid URL` };
  }
  if (url.username || url.password) return { ok: false, reason: 'URLs must not contain credentials' };
  if (url.hash) return { ok: false, reason: 'URLs must not contain a fragment' };
  if (url.protocol === 'https:') return { ok: true, url, insecure: false };
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return { ok: true, url, insecure: true };
    return { ok: false, reason: `http:// is only allowed on loopback hosts (127.0.0.1, [::1], localhost), not ${url.hostname}` };
  }
  return { ok: false, reason: `unsupported URL scheme ${url.protocol}` };
}
