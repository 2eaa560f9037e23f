/**
 * Turns what an authorization server answered (RFC 6749 / OIDC / RFC 6750 bodies, HTTP status
 * codes, Retry-After and WWW-Authenticate headers) and openid-client's own errors into the
 * typed OAuthError of errors.ts. Provider-specific codes (Google's error_subtype, Microsoft's
 * AADSTS numbers) are read by each built-in provider's error dialect, in its own file.
 */
import * as oidc from 'openid-client';
import type { ErrorDialect } from './providers/builtin.js';
import { BUILTIN_PROVIDERS } from './providers/builtins.js';
import type { ErrorCategory } from '../errors.js';
import { OAuthError, type OAuthErrorInit, type OAuthPhase } from './errors.js';
import { sanitizeText } from './sanitize.js';

/**
 * Bodies describe themselves: a custom provider in front of Entra (or a Google-compatible
 * server) sends the same fields, so every dialect reads every body.
 */
const DIALECTS: readonly ErrorDialect[] = BUILTIN_PROVIDERS.map((b) => b.errorDialect);

// ---------------------------------------------------------------------------
// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.

const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(v)) {
    ms = Number(v) * 1000;
  } else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

// ---------------------------------------------------------------------------
// Error code tables

/** Codes after which only the user signing in again helps (RFC 6749 §5.2, OIDC Core §3.1.2.6). */
const REAUTH_CODES = new Set(['invalid_grant', 'interaction_required', 'login_required', 'consent_required', 'account_selection_required']);
/** The client registration or request is wrong: fix configuration; retrying or re-consenting won't help. */
const CONFIG_CODES = new Set([
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'unsupported_response_type',
  'invalid_request',
  'invalid_request_uri',
  'invalid_request_object',
  'request_not_supported',
  'request_uri_not_supported',
  'registration_not_supported',
  'unsupported_token_type',
  'invalid_client_metadata',
  'invalid_redirect_uri',
]);
/** RFC 6749 §4.1.2.1: the server is temporarily unable to answer. */
const TRANSIENT_CODES = new Set(['server_error', 'temporarily_unavailable', 'slow_down']);

// ---------------------------------------------------------------------------
// Parsing

export interface ParseContext {
  status?: number;
  headers?: Headers | Record<string, string | string[] | undefined>;
  provider?: string;
  /** Which step failed; the error carries it, and it decides how some codes are read (access_denied at refresh). */
  phase?: OAuthPhase;
  /** Exact values to scrub from any text (the refresh token in use, the client secret…). */
  secrets?: ReadonlyArray<string | undefined | null>;
  now?: number;
}

function header(headers: ParseContext['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const rec = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key ? rec[key] : undefined;
  return Array.isArray(v) ? v[0] : v;
}

/** RFC 6750 §3 `WWW-Authenticate: Bearer error="…", error_description="…", scope="…"`. */
export function parseWwwAuthenticate(value: string | undefined): Record<string, string> | undefined {
  if (!value) return undefined;
  const m = /^\s*(Bearer|DPoP)\b(.*)$/is.exec(value);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const p of (m[2] ?? '').matchAll(re)) {
    params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return params;
}

function toBodyObject(body: unknown): { obj?: Record<string, unknown>; text?: string } {
  if (body === null || body === undefined) return {};
  if (typeof body === 'object' && !Array.isArray(body) && !(body instanceof Uint8Array)) {
    return { obj: body as Record<string, unknown> };
  }
  const text = body instanceof Uint8Array ? new TextDecoder().decode(body) : String(body);
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { obj: parsed as Record<string, unknown> };
    } catch {
      /* not JSON: fall through to text */
    }
  }
  // Some servers (older Facebook, GitHub with Accept missing) answer form-encoded.
  if (/^error=[A-Za-z0-9_.-]+(&|$)/.test(trimmed)) {
    return { obj: Object.fromEntries(new URLSearchParams(trimmed)) };
  }
  return { text: trimmed };
}

function htmlToText(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
  const stripped = text.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/gi, ' ').replace(/<[^>]+>/g, ' ');
  return (title ? `${title.trim()}: ` : '') + stripped.replace(/\s+/g, ' ').trim().slice(0, 120);
}

/**
 * An error code as RFC 6749 §5.2 allows it (printable ASCII without `"` and `\\`), short, and
 * with nothing token-like in it; otherwise undefined.
 */
function errorCode(value: unknown, secrets: ParseContext['secrets']): string | undefined {
  if (typeof value !== 'string' || !/^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(value)) return undefined;
  return sanitizeText(value, secrets) === value.trim() ? value : undefined;
}

/** The category a server's answer falls back on when its code and the retry hints say nothing more. */
function defaultCategoryFor(code: string, kind: 'reauth' | 'config' | 'transient' | 'other'): ErrorCategory {
  // A rejected token is about the token, whatever a dialect makes of the codes around it.
  if (code === 'invalid_token' || code === 'insufficient_scope') return 'internal';
  if (kind === 'config') return 'configuration';
  if (kind === 'transient') return 'transient';
  return 'internal';
}

export class OAuthErrorParser {
  /**
   * Turns an error response into a typed OAuthError. `body` may be a parsed object,
   * a JSON string, a form-encoded string, HTML/plain text, bytes, or empty.
   */
  static parseErrorResponse(body: unknown, ctx: ParseContext = {}): OAuthError {
    const now = ctx.now ?? Date.now();
    const status = ctx.status;
    const retryAfterMs = parseRetryAfter(header(ctx.headers, 'retry-after'), now);
    const { obj, text } = toBodyObject(body);
    const challenge = parseWwwAuthenticate(header(ctx.headers, 'www-authenticate'));

    // The code is server-controlled and travels further than the description (the message, the
    // account's status detail, the IPC DTO, the log): keep it only if it is a plausible code.
    let code = errorCode(obj?.error, ctx.secrets) ?? errorCode(challenge?.error, ctx.secrets);
    if (!code && typeof obj?.error === 'string' && obj.error !== '') code = 'invalid_error_code';
    let description = (typeof obj?.error_description === 'string' ? obj.error_description : undefined) ?? challenge?.error_description;
    const clean = (value: unknown): string | undefined => errorCode(value, ctx.secrets);
    const providerCodes = obj ? DIALECTS.flatMap((d) => d.providerCodes(obj, clean)) : [];
    if (challenge?.scope && code === 'insufficient_scope') description = `${description ?? ''} (needs scope: ${challenge.scope})`.trim();

    if (!code) {
      if (status === 429) code = 'rate_limited';
      else if (status !== undefined && status >= 500) code = 'server_error';
      else if (status === 401 && ctx.phase === 'resource') code = 'invalid_token';
      else if (status === 401) code = 'invalid_client';
      else code = status === undefined ? 'unknown_error' : 'invalid_response';
      if (text) description = text.startsWith('<') ? htmlToText(text) : text;
      else if (status !== undefined) description = `HTTP ${status} without an OAuth error body`;
    }

    // A provider's own name for what the app calls otherwise (GitHub's device_flow_disabled), and its fix.
    const translated = DIALECTS.map((d) => d.translate?.(code!)).find((t) => t !== undefined);
    if (translated) {
      code = translated.code;
      if (translated.fix) description = `${description ? `${description.replace(/[.\s]*$/, '')}. ` : ''}${translated.fix}`;
    }

    // Classify: provider codes first (they are more precise), then the OAuth code, then HTTP.
    const byProvider = DIALECTS.map((d) => d.classify?.(providerCodes)).find((k) => k !== undefined);
    let kind: 'reauth' | 'config' | 'transient' | 'other' = 'other';
    if (byProvider) kind = byProvider;
    else if (REAUTH_CODES.has(code)) kind = 'reauth';
    else if (CONFIG_CODES.has(code)) kind = 'config';
    else if (TRANSIENT_CODES.has(code) || code === 'server_error') kind = 'transient';
    else if (code === 'access_denied') kind = ctx.phase === 'refresh' ? 'reauth' : 'other';
    if (status === 429 || code === 'rate_limited' || code === 'slow_down') {
      return new OAuthError({
        code,
        phase: ctx.phase,
        description,
        status,
        retryable: true,
        retryAfterMs,
        providerCodes,
        provider: ctx.provider,
      });
    }
    if (status !== undefined && status >= 500 && kind !== 'reauth' && kind !== 'config') kind = 'transient';
    // Some servers answer a dead refresh token with invalid_token instead of invalid_grant.
    if (code === 'invalid_token' && ctx.phase === 'refresh') kind = 'reauth';

    const init: OAuthErrorInit = {
      code,
      phase: ctx.phase,
      defaultCategory: defaultCategoryFor(code, kind),
      description: sanitizeText(description, ctx.secrets),
      status,
      retryable: kind === 'transient',
      needsReauth: kind === 'reauth',
      retryAfterMs,
      providerCodes,
      provider: ctx.provider,
    };
    return new OAuthError(init);
  }

  /**
   * Converts anything thrown by openid-client (ResponseBodyError, WWWAuthenticateChallengeError,
   * AuthorizationResponseError, ClientError with a Response cause, fetch TypeErrors, DOMException
   * Abort/Timeout) into the hierarchy. Async because a non-conform response body is read here.
   */
  static async fromError(err: unknown, ctx: ParseContext = {}): Promise<OAuthError> {
    if (err instanceof OAuthError) return err;
    const base = { provider: ctx.provider, phase: ctx.phase };

    if (err instanceof oidc.ResponseBodyError) {
      return OAuthErrorParser.parseErrorResponse(err.cause, {
        ...ctx,
        status: err.status,
        headers: (err as unknown as { response?: Response }).response?.headers,
      });
    }
    if (err instanceof oidc.WWWAuthenticateChallengeError) {
      const first = err.cause.find((c) => c.parameters.error) ?? err.cause[0];
      const body: Record<string, unknown> = {};
      if (first?.parameters.error) body.error = first.parameters.error;
      if (first?.parameters.error_description) body.error_description = first.parameters.error_description;
      return OAuthErrorParser.parseErrorResponse(body, { ...ctx, status: err.status, headers: err.response.headers });
    }
    if (err instanceof oidc.AuthorizationResponseError) {
      return OAuthErrorParser.parseErrorResponse(
        { error: err.error, error_description: err.error_description },
        { ...ctx, phase: 'authorization' },
      );
    }
    if (err instanceof oidc.ClientError) {
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof Response) {
        let text = '';
        try {
          text = cause.bodyUsed ? '' : (await cause.text()).slice(0, 4096);
        } catch {
          /* body unreadable: the status still tells */
        }
        return OAuthErrorParser.parseErrorResponse(text, { ...ctx, status: cause.status, headers: cause.headers });
      }
      switch (err.code) {
        case 'OAUTH_TIMEOUT':
          return new OAuthError({
            ...base,
            code: 'timeout',
            description: 'The provider did not answer in time.',
            retryable: true,
            cause: err,
          });
        case 'OAUTH_ABORT':
          return new OAuthError({ ...base, code: 'cancelled', description: 'The request was cancelled.', cause: err });
        case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
        case 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN':
          return new OAuthError({
            ...base,
            defaultCategory: 'configuration',
            code: 'insecure_endpoint',
            description: 'Only https endpoints (or http on loopback) are allowed.',
            cause: err,
          });
        case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
        case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
        case 'OAUTH_KEY_SELECTION_FAILED':
          return new OAuthError({
            ...base,
            code: 'invalid_id_token',
            description: `ID token rejected: ${err.message}`,
            cause: err,
          });
        case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED':
          return new OAuthError({
            ...base,
            defaultCategory: 'configuration',
            code: 'issuer_mismatch',
            description: err.message,
            cause: err,
          });
        case 'OAUTH_INVALID_RESPONSE':
        case 'OAUTH_PARSE_ERROR':
        case 'OAUTH_RESPONSE_IS_NOT_JSON':
        case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
          return new OAuthError({ ...base, code: 'invalid_response', description: err.message, retryable: true, cause: err });
        default:
          return new OAuthError({ ...base, code: 'client_error', description: sanitizeText(err.message, ctx.secrets), cause: err });
      }
    }
    const name = (err as { name?: unknown })?.name;
    if (name === 'TimeoutError') {
      return new OAuthError({ ...base, code: 'timeout', description: 'The operation timed out.', retryable: true, cause: err });
    }
    if (name === 'AbortError') {
      return new OAuthError({ ...base, code: 'cancelled', description: 'The operation was cancelled.', cause: err });
    }
    if (isNetworkError(err)) {
      const c = networkCode(err);
      return new OAuthError({
        ...base,
        code: 'network_error',
        description: `Could not reach the provider${c ? ` (${c})` : ''}.`,
        retryable: true,
        cause: err,
      });
    }
    const message = err instanceof Error ? err.message : String(err);
    return new OAuthError({ ...base, code: 'unknown_error', description: sanitizeText(message, ctx.secrets), cause: err });
  }
}

const NETWORK_CODES =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ECONNABORTED|UND_ERR_\w+|CERT_\w+|ERR_TLS\w*|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_\w+|SELF_SIGNED_CERT_IN_CHAIN)$/;

/** The system error code (ECONNREFUSED, ENOTFOUND, a TLS code…) somewhere in an error's cause chain. */
export function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function isNetworkError(err: unknown): boolean {
  if (networkCode(err)) return true;
  // undici: `TypeError: fetch failed` with the socket error as cause.
  return err instanceof TypeError && err.message === 'fetch failed';
}
