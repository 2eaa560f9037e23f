/**
 * The OAuth error: one class for everything that can go wrong talking to an authorization
 * server (error-parser.ts turns provider answers and openid-client's errors into it), with the
 * phase it happened in (discovery and configuration, the authorization step, the code exchange,
 * a refresh, a revocation…).
 *
 * Every error says whether retrying can help (`retryable`) and whether only the
 * user signing in again can fix it (`needsReauth`). Messages and descriptions
 * are sanitized: provider text is capped and anything token-shaped is removed,
 * so an error can be logged or shown without leaking a credential.
 */
import { OsmenError, type ErrorCategory } from '../errors.js';
import { sanitizeText } from './sanitize.js';

export type OAuthPhase = 'config' | 'authorization' | 'token' | 'refresh' | 'revocation' | 'userinfo' | 'resource';

export interface OAuthErrorInit {
  /** The OAuth `error` code (e.g. `invalid_grant`) or a local code (e.g. `network_error`). */
  code: string;
  /** The step that failed; absent when the caller could not tell. */
  phase?: OAuthPhase;
  /**
   * The category when the code and the hints (`needsReauth`, `retryable`) say nothing more
   * specific: `configuration` for a wrong setup (configError() sets it), `transient` for a
   * wait that ran out. Default `internal`.
   */
  defaultCategory?: ErrorCategory;
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
  readonly code: string;
  readonly category: ErrorCategory;
  readonly phase?: OAuthPhase;
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
    this.name = 'OAuthError';
    this.code = init.code;
    if (init.phase) this.phase = init.phase;
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
            : (LOCAL_CODE_CATEGORY[this.code] ?? init.defaultCategory ?? 'internal');
  }

  /** A log-safe summary (scalars only) for SecurityEventSink details. */
  toLogDetails(): Record<string, string | number | boolean> {
    const d: Record<string, string | number | boolean> = {
      error: this.code,
      retryable: this.retryable,
      needsReauth: this.needsReauth,
    };
    if (this.phase) d.phase = this.phase;
    if (this.status !== undefined) d.status = this.status;
    if (this.retryAfterMs !== undefined) d.retryAfterMs = this.retryAfterMs;
    if (this.providerCodes?.length) d.providerCodes = this.providerCodes.join(',');
    return d;
  }
}

/** Local or client-registration configuration is wrong: retrying or signing in again won't help. */
export function configError(init: Omit<OAuthErrorInit, 'phase' | 'defaultCategory'>): OAuthError {
  return new OAuthError({ ...init, phase: 'config', defaultCategory: 'configuration' });
}

/** No stored account for (provider, user): connect it first. The user id is never in the message (logs hash it). */
export function accountNotFound(provider: string): OAuthError {
  return new OAuthError({
    code: 'account_not_found',
    phase: 'refresh',
    description: 'No stored account for this provider and user. Connect it first.',
    provider,
    needsReauth: true,
  });
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
