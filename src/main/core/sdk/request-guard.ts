/**
 * What an SDK endpoint refuses before reading a request's meaning: a request relayed by a proxy
 * (`X-Forwarded-For`, as Google's metadata server refuses it), one made by a web page (`Origin`),
 * and — for the metadata protocol, which has no secret — a `Host` that is not the address the
 * endpoint is bound to, so a page that rebinds its own host name to 127.0.0.1 (DNS rebinding)
 * gets nothing.
 */
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** Where the endpoint listens. */
export interface BoundAddress {
  /** The address as given to listen(): `127.0.0.1`, `::1`, `172.17.0.1`, `0.0.0.0`, `::`. */
  host: string;
  port: number;
}

/** The name Google's libraries and gcloud use for the metadata server; `serve` docs map it with `--add-host`. */
export const METADATA_HOST_NAME = 'metadata.google.internal';

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  return LOOPBACK_V4.test(a) || a === '::1' || a === '::ffff:127.0.0.1' || a === 'localhost';
}

export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '::0';
}

/** The host name of a `Host` header (port dropped, brackets and a trailing dot removed, lowercased), or null. */
export function hostName(header: string | undefined): string | null {
  if (header === undefined) return null;
  const h = header.trim().toLowerCase();
  if (h === '' || h.length > 255) return null;
  let name: string;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return null;
    name = h.slice(1, end);
    const rest = h.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null;
  } else {
    const m = /^([^:]+)(?::\d{1,5})?$/.exec(h);
    if (!m) return null;
    name = m[1]!;
  }
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/**
 * True when `Host` names this endpoint: its bound address (any port: `ssh -R` and `docker -p`
 * forward from another one), `metadata.google.internal`, and for a loopback endpoint `localhost`
 * or another loopback address; for a wildcard bind, any IP address. Never a DNS name of someone
 * else's choosing.
 */
export function hostAllowed(header: string | undefined, bound: BoundAddress): boolean {
  const name = hostName(header);
  if (name === null) return false;
  if (name === METADATA_HOST_NAME) return true;
  const bind = bound.host.toLowerCase();
  if (name === bind) return true;
  if (isLoopback(bind) && isLoopback(name)) return true;
  return isWildcard(bind) && isIP(name) !== 0;
}

/** Why a request is refused before routing, or null. `checkHost`: the metadata protocol (no secret). */
export function refusal(req: IncomingMessage, bound: BoundAddress, checkHost: boolean): string | null {
  if (req.headers['x-forwarded-for'] !== undefined) return 'Requests through a proxy (X-Forwarded-For) are refused.';
  if (req.headers.origin !== undefined) return 'Requests from web pages (Origin) are refused.';
  if (checkHost && !hostAllowed(req.headers.host, bound)) {
    return `Host ${JSON.stringify(String(req.headers.host ?? '').slice(0, 80))} is not this endpoint's address.`;
  }
  return null;
}

/** Host part of an address for a URL or `host:port` (IPv6 in brackets). */
export function urlHost(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}
