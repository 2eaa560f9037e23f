/**
 * Signing in on another device: the OAuth 2.0 Device Authorization Grant (RFC 8628) through
 * openid-client. The provider hands out a user code; the person enters it at the verification
 * URI on any device with a browser while this process polls the token endpoint (at the
 * provider's interval but never faster than once a second, 5 s when it names none, slower after
 * `slow_down`). The account is then stored exactly as the
 * loopback flow stores it (connect-flow.ts): same identity rules, same issuer binding, same
 * security log entry and `accounts-changed` event.
 *
 * For machines with only a terminal, and for the app's "Sign in on another device".
 */
import { guardSink } from '../audit/guarded-sink.js';
import { OAuthErrorParser } from './error-parser.js';
import { OAuthError } from './errors.js';
import { abortError, announceConnected, raceSignal, saveConnectedAccount, type OAuthDeps } from './connect-flow.js';
import { connectLogLevel } from './sign-in-result.js';
import { configError } from './errors.js';
import { checkEndpointUrl } from './loopback.js';
import type { TokenMetadata, DeviceConnectOptions, DeviceUserCode } from '../contracts/accounts.js';

/** What the person needs to finish signing in elsewhere. Plain data: no device code, no token. */

/** The longest code lifetime honoured (a timer can't run longer than ~24.8 days anyway). */
const MAX_EXPIRES_IN_SEC = 24 * 3600;
/** RFC 8628 §3.2: the interval a client uses when the provider names none. */
const DEFAULT_INTERVAL_SEC = 5;
/** Never poll faster than this, whatever the provider says (`interval: 0.001` would be hundreds a second). */
const MIN_INTERVAL_SEC = 1;

/** The seconds between polls: the provider's interval, at least a second; 5 s when it names none. */
export function pollInterval(given: unknown): number {
  return typeof given === 'number' && Number.isFinite(given) ? Math.max(MIN_INTERVAL_SEC, given) : DEFAULT_INTERVAL_SEC;
}
// Printable ASCII, no leading or trailing space: the code is printed on a terminal.
const USER_CODE_RE = /^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/;

function invalidResponse(provider: string, description: string): OAuthError {
  return configError({ code: 'invalid_device_response', description, provider });
}

/** The provider's answer as something safe to print or to open: https (or loopback http) URIs only. */
function userCodeInfo(
  provider: string,
  started: { user_code: string; verification_uri: string; verification_uri_complete?: string; expires_in: number; interval?: number },
  now: number,
): DeviceUserCode {
  if (!USER_CODE_RE.test(started.user_code)) {
    throw invalidResponse(provider, 'The provider sent a user code that is not plain printable text.');
  }
  const uri = checkEndpointUrl(started.verification_uri);
  if (!uri.ok || started.verification_uri.length > 2048) {
    throw invalidResponse(provider, `The provider's verification URI is not usable: ${uri.ok ? 'too long' : uri.reason}.`);
  }
  if (!(started.expires_in > 0)) throw invalidResponse(provider, 'The provider sent a code that has already expired.');
  const info: DeviceUserCode = {
    verificationUri: uri.url.href,
    userCode: started.user_code,
    expiresAt: now + Math.min(started.expires_in, MAX_EXPIRES_IN_SEC) * 1000,
    interval: pollInterval(started.interval),
  };
  const complete = started.verification_uri_complete;
  // Optional and only a convenience: one that is not safe to show is left out.
  const full = complete !== undefined && complete.length <= 2048 ? checkEndpointUrl(complete) : null;
  if (full?.ok) info.verificationUriComplete = full.url.href;
  return info;
}

/** Connects an account through the device authorization grant; returns its metadata (never tokens). */
export async function connectAccountWithDevice(
  given: OAuthDeps,
  providerId: string,
  options: DeviceConnectOptions,
): Promise<TokenMetadata> {
  // A stored account is connected whether or not its log line could be written.
  const deps: OAuthDeps = { ...given, log: guardSink(given.log) };
  const reconnecting = options.reconnect ? deps.tokens.getMetadata(providerId, options.reconnect.userId) : null;
  const outerSignals: AbortSignal[] = [];
  if (options.signal) outerSignals.push(options.signal);
  if (options.timeoutMs !== undefined) outerSignals.push(AbortSignal.timeout(options.timeoutMs));
  const outer = outerSignals.length ? AbortSignal.any(outerSignals) : new AbortController().signal;
  try {
    const handler = reconnecting ? deps.providers.handlerFor(providerId, reconnecting.issuer) : deps.providers.getHandler(providerId);
    const answered = await raceSignal(handler.startDeviceAuthorization(), outer, providerId);
    // openid-client waits `interval` before each poll (5 s more after slow_down): give it the floored one.
    const started = { ...answered, interval: pollInterval(answered.interval) };
    const info = userCodeInfo(providerId, started, Date.now());
    // openid-client stops at expires_in only when given no signal of its own; ours adds the caller's.
    const expiry = AbortSignal.timeout(info.expiresAt - Date.now());
    options.onUserCode({ ...info });
    let response;
    try {
      // openid-client looks at the signal only between the 5-second steps of its wait between
      // polls: Cancel in the app must not wait for that.
      response = await raceSignal(handler.pollDeviceAuthorization(started, AbortSignal.any([outer, expiry])), outer, providerId);
    } catch (err) {
      if (outer.aborted) throw abortError(outer, providerId);
      if (expiry.aborted) {
        throw new OAuthError({
          phase: 'authorization',
          code: 'expired_token',
          description: 'The code expired before the sign-in on the other device was finished. Start again for a new code.',
          provider: providerId,
        });
      }
      throw err;
    }
    const saved = await saveConnectedAccount(deps, handler, providerId, response, { reconnect: options.reconnect, signal: outer });
    return announceConnected(deps, providerId, saved, { source: 'device' });
  } catch (err) {
    const e = err instanceof OAuthError ? err : await OAuthErrorParser.fromError(err, { provider: providerId, phase: 'token' });
    // Logged as the browser flow logs it (an OAuth event at the same level), with where it happened.
    deps.log?.logOAuthEvent('connect', providerId, '', false, { source: 'device', ...e.toLogDetails() }, connectLogLevel(e));
    throw e;
  }
}
