/**
 * The OAuth error framework: one typed hierarchy for everything that can go
 * wrong talking to an authorization server, and a parser that turns provider
 * bodies (RFC 6749 / OIDC / RFC 6750 / Google / Microsoft), HTTP status codes,
 * Retry-After headers and openid-client's own errors into it.
 *
 * Every error says whether retrying can help (`retryable`) and whether only the
 * user signing in again can fix it (`needsReauth`). Messages and descriptions
 * are sanitized: provider text is capped and anything token-shaped is removed,
 * so an error can be logged or shown without leaking a credential.
 */
import * as oidc from 'openid-client';
import { OsmenError, type ErrorCategory } from '../errors.js';

export type OAuthPhase = 'config' | 'authorization' | 'token' | 'refresh' | 'revocation' | 'userinfo' | 'resource';

export interface OAuthErrorInit {
  /** The OAuth `error` code (e.g. `invalid_grant`) or a local code (e.g. `network_error`). */
  code: string;
  /** Sanitized human-readable detail (provider `error_description` or ours). */
  description?: string;
  status?: number;
  retryable?: boolean;
  needsReauth?: boolean;
  retryAfterMs?: number;
  /** Provider-specific codes: `AADSTS70008`, Google `error_subtype` (`invalid_rapt`), Microsoft `suberror`. */
  providerCodes?: string[];
  provider?: string;
  cause?: unknown;
}

/**
 * A sign-in (`connect`) that did not happen because of the person, not the system: they declined
 * (`access_denied`, Microsoft's `authorization_declined`) or let the code expire (RFC 8628
 * `expired_token`). Like a revoked grant, only signing in (again) helps.
 */
const SIGN_IN_CODES: ReadonlySet<string> = new Set(['access_denied', 'authorization_declined', 'expired_token']);

/** Local codes whose category is not told by the error's class or its retry hints. */
const LOCAL_CODE_CATEGORY: Readonly<Record<string, ErrorCategory>> = {
  account_not_found: 'not_found',
  account_mismatch: 'reauth',
  account_conflict: 'configuration',
  cancelled: 'usage',
  browser_failed: 'configuration',
  no_identity: 'configuration',
};

export class OAuthError extends OsmenError {
  /** The category of errors of this class whose code and hints say nothing more specific. */
  static readonly defaultCategory: ErrorCategory = 'internal';
  readonly code: string;
  readonly category: ErrorCategory;
  readonly description: string;
  readonly status?: number;
  readonly retryable: boolean;
  readonly needsReauth: boolean;
  readonly retryAfterMs?: number;
  readonly providerCodes?: string[];
  readonly provider?: string;

  constructor(init: OAuthErrorInit) {
    const description = sanitizeText(init.description ?? '');
    const where = init.provider ? `${init.provider}: ` : '';
    super(`${where}${init.code}${description ? ` — ${description}` : ''}`, { cause: scrubCause(init.cause) });
    this.name = new.target.name;
    this.code = init.code;
    this.description = description;
    if (init.status !== undefined) this.status = init.status;
    this.retryable = init.retryable ?? false;
    this.needsReauth = init.needsReauth ?? false;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.providerCodes?.length) this.providerCodes = [...init.providerCodes];
    if (init.provider) this.provider = init.provider;
    this.category =
      LOCAL_CODE_CATEGORY[this.code] === 'not_found'
        ? 'not_found'
        : this.needsReauth || SIGN_IN_CODES.has(this.code)
          ? 'reauth'
          : this.retryable
            ? 'transient'
            : (LOCAL_CODE_CATEGORY[this.code] ?? (new.target as typeof OAuthError).defaultCategory);
  }

  /** A log-safe summary (scalars only) for SecurityEventSink details. */
  toLogDetails(): Record<string, string | number | boolean> {
    const d: Record<string, string | number | boolean> = {
      error: this.code,
      errorClass: this.name,
      retryable: this.retryable,
      needsReauth: this.needsReauth,
    };
    if (this.status !== undefined) d.status = this.status;
    if (this.retryAfterMs !== undefined) d.retryAfterMs = this.retryAfterMs;
    if (this.providerCodes?.length) d.providerCodes = this.providerCodes.join(',');
    return d;
  }
}

/** Local or client-registration configuration is wrong; retrying or re-consenting won't help. */
export class OAuthConfigError extends OAuthError {
  static override readonly defaultCategory: ErrorCategory = 'configuration';
}
/** The authorization step failed (user denied, login/consent required, bad callback). */
export class OAuthAuthorizationError extends OAuthError {}
/** Exchanging the authorization code (or validating its ID token) failed. */
export class OAuthTokenExchangeError extends OAuthError {}
/** Refreshing an access token failed. */
export class OAuthTokenRefreshError extends OAuthError {}
/** A token was rejected (RFC 6750 invalid_token), or the account has no usable token. */
export class OAuthInvalidTokenError extends OAuthError {}
/** HTTP 429 / throttling; `retryAfterMs` says when to try again when the server said so. */
export class OAuthRateLimitError extends OAuthError {
  static override readonly defaultCategory: ErrorCategory = 'transient';
}
/** The server failed (5xx, server_error, temporarily_unavailable, unparseable answer). */
export class OAuthServerError extends OAuthError {
  static override readonly defaultCategory: ErrorCategory = 'transient';
}
/** The server could not be reached (DNS, refused, reset, TLS). */
export class OAuthNetworkError extends OAuthError {
  static override readonly defaultCategory: ErrorCategory = 'transient';
}
/** An operation took longer than allowed (e.g. the user never finished signing in). */
export class OAuthTimeoutError extends OAuthError {
  static override readonly defaultCategory: ErrorCategory = 'transient';
}
/** The operation was cancelled by the caller (AbortSignal). */
export class OAuthCancelledError extends OAuthError {
  static override readonly defaultCategory: ErrorCategory = 'usage';
}

// ---------------------------------------------------------------------------
// Sanitizing

const MAX_DESCRIPTION = 300;
// JWTs / JWE (three or five base64url parts), Google access/refresh tokens and client secrets,
// Bearer credentials, and any long opaque run of token characters.
const SECRET_PATTERNS: RegExp[] = [
  /eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*){1,4}/g,
  /ya29\.[A-Za-z0-9._~+/=-]+/g,
  /1\/\/[A-Za-z0-9._~+/=-]+/g,
  /GOCSPX-[A-Za-z0-9._~+/=-]+/g,
  /\b(Bearer|Basic|DPoP)\s+[A-Za-z0-9._~+/=-]+/gi,
  /\b(access_token|refresh_token|id_token|client_secret|code|code_verifier|password|assertion)(["']?\s*[=:]\s*["']?)[^\s"'&,;]+/gi,
];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LONG_OPAQUE = /[A-Za-z0-9._~+/=-]{32,}/g;

/**
 * Makes provider-supplied text safe to log or display: control characters removed,
 * token-like material replaced by `[redacted]`, exact `secrets` removed, length capped.
 * GUIDs (Microsoft trace/correlation ids) are kept: they are what support asks for.
 */
export function sanitizeText(text: unknown, secrets: ReadonlyArray<string | undefined | null> = []): string {
  if (typeof text !== 'string' || text === '') return '';
  let out = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  for (const re of SECRET_PATTERNS) {
    out = out.replace(re, (_m, a?: string, b?: string) =>
      typeof a === 'string' && typeof b === 'string' && /[=:]/.test(b) ? `${a}${b}[redacted]` : typeof a === 'string' && /^(Bearer|Basic|DPoP)$/i.test(a) ? `${a} [redacted]` : '[redacted]',
    );
  }
  out = out.replace(LONG_OPAQUE, (m) => (GUID.test(m) ? m : '[redacted]'));
  out = out.replace(/\s+/g, ' ').trim();
  if (out.length > MAX_DESCRIPTION) out = `${out.slice(0, MAX_DESCRIPTION - 1)}…`;
  return out;
}

/** Keep a cause's class and code for debugging, never its message text or response body. */
function scrubCause(cause: unknown): unknown {
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    const safe = new Error(`${cause.name}${typeof code === 'string' ? ` (${code})` : ''}`);
    safe.name = cause.name;
    return safe;
  }
  return undefined;
}

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
const REAUTH_CODES = new Set([
  'invalid_grant',
  'interaction_required',
  'login_required',
  'consent_required',
  'account_selection_required',
]);
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

/**
 * Microsoft identity platform AADSTS codes (see reference/oauth-facts.md; learn.microsoft.com
 * "Microsoft Entra authentication and authorization error codes"). The number decides more
 * precisely than the generic `error` field (Microsoft sends `invalid_grant` for both MFA
 * challenges and expired refresh tokens).
 */
const AADSTS_REAUTH = new Set([
  50076, // MFA required (interaction_required)
  50079, // MFA registration required
  50158, // external security challenge not satisfied
  65001, // consent required
  65004, // user declined consent
  70008, // authorization code or refresh token expired
  700082, // refresh token expired due to inactivity
  50173, // grant expired (password change / revoked)
  700084, // SPA refresh token past its 24 h lifetime
  70000, // invalid grant
  53003, // blocked by Conditional Access: the user must act interactively
  50058, // silent sign-in without a signed-in user
  50055, // password expired
  50133, // session invalid due to password change
  50089, // flow token expired
  50078, // presented MFA expired
]);
const AADSTS_CONFIG = new Set([
  7000215, // invalid client secret
  7000218, // client assertion or secret required (app not marked public)
  700016, // application not found in the directory
  50011, // redirect URI mismatch
  70011, // invalid scope
  700054, // response_type not enabled for the app
  90014, // a required field is missing from the request
]);

function aadstsCodes(body: Record<string, unknown>): number[] {
  const out: number[] = [];
  if (Array.isArray(body.error_codes)) {
    for (const c of body.error_codes) {
      const n = typeof c === 'number' ? c : Number(c);
      if (Number.isInteger(n)) out.push(n);
    }
  }
  const desc = typeof body.error_description === 'string' ? body.error_description : '';
  for (const m of desc.matchAll(/AADSTS(\d{4,8})/g)) {
    const n = Number(m[1]);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Parsing

export interface ParseContext {
  status?: number;
  headers?: Headers | Record<string, string | string[] | undefined>;
  provider?: string;
  /** Which step failed; decides between TokenExchange / TokenRefresh / Authorization classes. */
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

type ErrorClass = new (init: OAuthErrorInit) => OAuthError;

function classFor(code: string, phase: OAuthPhase | undefined, kind: 'reauth' | 'config' | 'transient' | 'other'): ErrorClass {
  if (code === 'invalid_token' || code === 'insufficient_scope') return OAuthInvalidTokenError;
  if (kind === 'config') return OAuthConfigError;
  if (phase === 'authorization') return OAuthAuthorizationError;
  if (phase === 'refresh') return OAuthTokenRefreshError;
  if (phase === 'token') return OAuthTokenExchangeError;
  if (kind === 'transient') return OAuthServerError;
  if (code === 'access_denied' || kind === 'reauth') return OAuthAuthorizationError;
  return OAuthError;
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
    if (!code && (typeof obj?.error === 'string' && obj.error !== '')) code = 'invalid_error_code';
    let description =
      (typeof obj?.error_description === 'string' ? obj.error_description : undefined) ?? challenge?.error_description;
    const providerCodes: string[] = [];

    // Google: invalid_grant + error_subtype (invalid_rapt = Workspace re-auth policy).
    const subtype = errorCode(obj?.error_subtype, ctx.secrets);
    if (subtype) providerCodes.push(subtype);
    // Microsoft: error_codes[] and AADSTS<n> in the description; suberror refines UI.
    const aad = obj ? aadstsCodes(obj) : [];
    for (const n of aad) providerCodes.push(`AADSTS${n}`);
    const suberror = errorCode(obj?.suberror, ctx.secrets);
    if (suberror) providerCodes.push(suberror);
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

    // Classify: Microsoft numbers first (they are more precise), then the OAuth code, then HTTP.
    let kind: 'reauth' | 'config' | 'transient' | 'other' = 'other';
    if (aad.some((n) => AADSTS_REAUTH.has(n))) kind = 'reauth';
    else if (aad.some((n) => AADSTS_CONFIG.has(n))) kind = 'config';
    else if (REAUTH_CODES.has(code)) kind = 'reauth';
    else if (CONFIG_CODES.has(code)) kind = 'config';
    else if (TRANSIENT_CODES.has(code) || code === 'server_error') kind = 'transient';
    else if (code === 'access_denied') kind = ctx.phase === 'refresh' ? 'reauth' : 'other';
    if (status === 429 || code === 'rate_limited' || code === 'slow_down') {
      return new OAuthRateLimitError({
        code,
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
      description: sanitizeText(description, ctx.secrets),
      status,
      retryable: kind === 'transient',
      needsReauth: kind === 'reauth',
      retryAfterMs,
      providerCodes,
      provider: ctx.provider,
    };
    const Cls = kind === 'transient' && ctx.phase !== 'authorization' ? OAuthServerError : classFor(code, ctx.phase, kind);
    return new Cls(init);
  }

  /**
   * Converts anything thrown by openid-client (ResponseBodyError, WWWAuthenticateChallengeError,
   * AuthorizationResponseError, ClientError with a Response cause, fetch TypeErrors, DOMException
   * Abort/Timeout) into the hierarchy. Async because a non-conform response body is read here.
   */
  static async fromError(err: unknown, ctx: ParseContext = {}): Promise<OAuthError> {
    if (err instanceof OAuthError) return err;
    const base = { provider: ctx.provider };

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
          return new OAuthTimeoutError({ ...base, code: 'timeout', description: 'The provider did not answer in time.', retryable: true, cause: err });
        case 'OAUTH_ABORT':
          return new OAuthCancelledError({ ...base, code: 'cancelled', description: 'The request was cancelled.', cause: err });
        case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
        case 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN':
          return new OAuthConfigError({ ...base, code: 'insecure_endpoint', description: 'Only https endpoints (or http on loopback) are allowed.', cause: err });
        case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
        case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
        case 'OAUTH_KEY_SELECTION_FAILED':
          return new OAuthTokenExchangeError({ ...base, code: 'invalid_id_token', description: `ID token rejected: ${err.message}`, cause: err });
        case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED':
          return new OAuthConfigError({ ...base, code: 'issuer_mismatch', description: err.message, cause: err });
        case 'OAUTH_INVALID_RESPONSE':
        case 'OAUTH_PARSE_ERROR':
        case 'OAUTH_RESPONSE_IS_NOT_JSON':
        case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
          return new OAuthServerError({ ...base, code: 'invalid_response', description: err.message, retryable: true, cause: err });
        default: {
          const C = ctx.phase === 'refresh' ? OAuthTokenRefreshError : ctx.phase === 'token' ? OAuthTokenExchangeError : OAuthError;
          return new C({ ...base, code: 'client_error', description: sanitizeText(err.message, ctx.secrets), cause: err });
        }
      }
    }
    const name = (err as { name?: unknown })?.name;
    if (name === 'TimeoutError') {
      return new OAuthTimeoutError({ ...base, code: 'timeout', description: 'The operation timed out.', retryable: true, cause: err });
    }
    if (name === 'AbortError') {
      return new OAuthCancelledError({ ...base, code: 'cancelled', description: 'The operation was cancelled.', cause: err });
    }
    if (isNetworkError(err)) {
      const c = networkCode(err);
      return new OAuthNetworkError({
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

const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ECONNABORTED|UND_ERR_\w+|CERT_\w+|ERR_TLS\w*|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_\w+|SELF_SIGNED_CERT_IN_CHAIN)$/;

function networkCode(err: unknown): string | undefined {
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

/** No stored account for (provider, user): connect it first. */
export class OAuthAccountNotFoundError extends OAuthInvalidTokenError {
  constructor(provider: string, userId?: string) {
    void userId; // never in the message: user ids are e-mail addresses, which logs hash
    super({ code: 'account_not_found', description: 'No stored account for this provider and user. Connect it first.', provider, needsReauth: true });
  }
}
