/**
 * Loopback host checks. RFC 8252 §7.3 / §8.3 and RFC 9700 allow plain http only
 * for loopback redirects; we apply the same rule to issuers and endpoints so a
 * test or local provider can run on 127.0.0.1 while nothing else goes unencrypted.
 */

/**
 * True only for the literal 127.0.0.1, [::1] and the exact name `localhost`. Any other name
 * (`x.localhost`, `127.0.0.1.nip.io`) is resolved through DNS by the HTTP stack and could
 * point anywhere; other 127/8 addresses are not what a loopback redirect or test server uses.
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '127.0.0.1' || h === '[::1]' || h === '::1';
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
