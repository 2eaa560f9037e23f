/**
 * Why an issuer's discovery document could not be loaded, in plain words: the part of a
 * `discovery_failed` error that Connect and Add provider show under "The provider's
 * configuration could not be loaded." It names the address and the cause a person can act on
 * (a typo in the host, nothing listening, a certificate, a page that is not an OpenID
 * configuration), never a second error code in the middle of a sentence.
 */
import { networkCode } from './error-parser.js';
import type { OAuthError } from './errors.js';

function networkWords(code: string | undefined, url: URL): string {
  const host = url.host;
  switch (true) {
    case code === 'ENOTFOUND' || code === 'EAI_AGAIN':
      return `No server named ${url.hostname} was found.`;
    case code === 'ECONNREFUSED':
      return `Nothing answered at ${url.origin} (the connection was refused).`;
    case code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED':
      return `${url.origin} closed the connection before it answered.`;
    case code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT':
      return `${url.origin} did not answer in time.`;
    case code === 'EHOSTUNREACH' || code === 'ENETUNREACH':
      return `${host} can’t be reached from this computer’s network.`;
    case code !== undefined && /^(CERT_|ERR_TLS|DEPTH_ZERO|UNABLE_TO_|SELF_SIGNED)/.test(code):
      return `The secure connection to ${host} failed: its certificate is not trusted.`;
    default:
      return `${url.origin} could not be reached.`;
  }
}

/** The sentence for a discovery that failed at `url` (the issuer), given the parsed error and the raw one. */
export function discoveryProblem(url: URL, e: OAuthError, raw: unknown): string {
  const where = `${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
  if (e.code === 'network_error') return networkWords(networkCode(raw), url);
  if (e.code === 'timeout') return `${where} did not answer in time.`;
  if (e.status === 404) return `There is no OpenID configuration at ${where} (HTTP 404): check the issuer URL.`;
  if (e.status !== undefined && e.status >= 500) return `${where} is not working right now (HTTP ${e.status}).`;
  if (e.status !== undefined) return `${where} refused to give its OpenID configuration (HTTP ${e.status}).`;
  if (e.code === 'issuer_mismatch') return `The configuration at ${where} names another issuer than the one entered.`;
  if (e.code === 'insecure_endpoint') return e.description;
  return `${where} did not answer with a usable OpenID configuration${e.description ? ` (${e.description})` : ''}.`;
}
