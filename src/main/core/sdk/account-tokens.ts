/**
 * The tokens one SDK endpoint hands out: those of the one account the person named (`--account`),
 * for the scopes the person named (`--scopes`) or, without them, the account's own; every answer
 * and every refusal recorded as a hand-off to the program the endpoint serves.
 *
 * Naming the account on `run` or `serve` (or starting the endpoint in the app) is the person's
 * permission for these hand-offs: no other grant is asked for.
 */
import { CONTROL_CHARS } from '../../../shared/one-line.js';
import { CodedError } from '../errors.js';
import { normalizeScopes } from '../oauth/scope-set.js';
import type { AccountsRole } from '../api.js';
import type { AccessToken, AccessTokenOptions, TokenMetadata } from '../contracts/accounts.js';
import type { SdkHandoffRecorder } from '../contracts/sdk.js';

/** What an endpoint needs from the credential core: two members of its accounts role. */
export type SdkCore = Pick<AccountsRole, 'getAccessToken' | 'getAccount'>;

/**
 * Google's and Azure's libraries keep a token until 5 minutes before it expires (google-auth's
 * eager refresh threshold and clock skew, MSAL's renewal offset): hand out tokens with more left
 * than that, so a cached token is never one the library already counts as expired.
 */
export const SDK_MIN_TTL_MS = 6 * 60_000;

export interface SdkAccountOptions {
  provider: string;
  userId: string;
  /** The scopes the person allowed (`--scopes`); absent: the account's own. */
  scopes?: readonly string[];
  /**
   * Without `scopes`: `account` allows a subset of the account's scopes only (Google: a refresh
   * cannot broaden a grant anyway); `any` lets the provider decide (Microsoft: one refresh token
   * mints tokens for other resources the person consented to).
   */
  unlisted: 'account' | 'any';
  /** Who gets the tokens, for the hand-off records: `run`'s command, "serve on port P". */
  program: string;
  recorder: SdkHandoffRecorder;
}

/**
 * A token with a control character (C0, DEL, C1) is not handed out: the SDK writes it into an
 * `Authorization` header, where CR/LF would add lines. Category data (exit 65), as `osmen-cred
 * token` and `run` refuse it; the message names the account, never the token.
 */
export function refuseControlChars(t: AccessToken, provider: string, userId: string): AccessToken {
  if (!CONTROL_CHARS.test(t.accessToken)) return t;
  throw new CodedError(
    'TOKEN_CONTROL_CHARS',
    'data',
    `The access token for ${provider}/${userId} contains a control character (CR, LF or another), which could add lines to an ` +
      'HTTP header: it was not handed out. The provider issued a malformed token; tell its administrator.',
  );
}

/** A scope this endpoint may not hand out (category usage). */
export function scopeNotAllowed(message: string): CodedError {
  return new CodedError('SCOPE_NOT_ALLOWED', 'usage', message);
}

export class SdkAccountTokens {
  readonly provider: string;
  readonly userId: string;
  /** Normalized `--scopes`, or null. */
  readonly allowed: readonly string[] | null;
  program: string;
  private readonly core: SdkCore;
  private readonly o: SdkAccountOptions;

  constructor(core: SdkCore, options: SdkAccountOptions) {
    this.core = core;
    this.o = options;
    this.provider = options.provider;
    this.userId = options.userId;
    this.program = options.program;
    this.allowed = options.scopes ? normalizeScopes(options.scopes) : null;
  }

  /** The account now (throws ACCOUNT_NOT_FOUND when it is gone). */
  account(): TokenMetadata {
    const meta = this.core.getAccount(this.provider, this.userId);
    if (!meta) {
      throw new CodedError('ACCOUNT_NOT_FOUND', 'not_found', `No account ${this.provider}/${this.userId} in the vault.`);
    }
    return meta;
  }

  /** The scopes this endpoint hands out by default: `--scopes`, else the account's. */
  scopes(): string[] {
    return this.allowed ? [...this.allowed] : [...this.account().scopes];
  }

  /** Checks the account and its first token before anything is started (not a hand-off). */
  async check(): Promise<AccessToken> {
    return refuseControlChars(await this.core.getAccessToken(this.provider, this.userId, this.options(null)), this.provider, this.userId);
  }

  /**
   * A token for `asked` (null: the endpoint's default), living at least SDK_MIN_TTL_MS where the
   * provider's tokens can. Recorded as a hand-off, answered or refused.
   */
  async token(asked: readonly string[] | null): Promise<AccessToken> {
    let scopes: readonly string[] | null = null;
    try {
      scopes = asked ? normalizeScopes(asked) : null;
      if (scopes) this.checkAllowed(scopes);
      const t = refuseControlChars(
        await this.core.getAccessToken(this.provider, this.userId, this.options(scopes)),
        this.provider,
        this.userId,
      );
      this.o.recorder.record({ provider: this.provider, userId: this.userId, program: this.program, scopes: t.scopes, ok: true });
      return t;
    } catch (err) {
      this.o.recorder.record({ provider: this.provider, userId: this.userId, program: this.program, scopes, ok: false });
      throw err;
    }
  }

  private options(scopes: readonly string[] | null): AccessTokenOptions {
    const narrowTo = scopes ?? this.allowed;
    return narrowTo ? { minTtlMs: SDK_MIN_TTL_MS, scopes: narrowTo } : { minTtlMs: SDK_MIN_TTL_MS };
  }

  private checkAllowed(scopes: readonly string[]): void {
    const allowed = this.allowed ?? (this.o.unlisted === 'account' ? this.account().scopes : null);
    if (!allowed) return;
    const set = new Set(allowed);
    const outside = scopes.filter((s) => !set.has(s));
    if (outside.length > 0) {
      throw scopeNotAllowed(
        `This endpoint hands out ${this.provider}:${this.userId} tokens for ${allowed.join(' ') || 'no scopes'} only, not ${outside.join(' ')}.`,
      );
    }
  }
}
