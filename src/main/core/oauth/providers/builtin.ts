/**
 * What a built-in provider tells the rest of the app. Everything provider-specific lives in
 * the provider's own file (google.ts, microsoft.ts): its endpoints and defaults, the error
 * codes it adds to RFC 6749, what its client ids look like, which consoles the app may open.
 */
import type { Definition, ProviderKind } from './definition.js';
import type { HealthCheck } from '../../contracts/settings.js';

/** A verdict on one configuration value. Never repeats the value (it may be a pasted secret). */
export interface FieldVerdict {
  valid: boolean;
  message: string;
  fix?: string;
}

/** Advice on a client secret: never an error, since providers accept secrets of older formats. */
export interface SecretVerdict {
  status: 'ok' | 'warn';
  message: string;
  fix?: string;
}

/** Keeps a server-supplied code only when it is a plausible code with nothing token-like in it. */
export type CodeFilter = (value: unknown) => string | undefined;

/** How a provider's error bodies go beyond RFC 6749 §5.2. */
export interface ErrorDialect {
  /** The provider's own codes in an error body (Google `error_subtype`, Microsoft AADSTS numbers). */
  providerCodes(body: Record<string, unknown>, clean: CodeFilter): string[];
  /**
   * What those codes mean when they decide more precisely than the generic `error` (Microsoft
   * sends `invalid_grant` both for an MFA challenge and for a refresh token past its lifetime).
   */
  classify?(providerCodes: readonly string[]): 'reauth' | 'config' | undefined;
}

export interface BuiltinProvider {
  readonly id: string;
  readonly displayName: string;
  readonly kind: ProviderKind;
  /** Environment variables read for the client registration (documented in the README). */
  readonly env: { readonly clientId: string; readonly clientSecret: string; readonly extra?: readonly string[] };
  /** Hosts of the provider's consoles and documentation that the app may open (https, exact host). */
  readonly consoleHosts: readonly string[];
  readonly errorDialect: ErrorDialect;
  /**
   * The definition from the environment. Never throws: an unusable setting (a bad tenant)
   * yields a definition with `configProblem` set, so one bad value can't stop the app.
   */
  define(env: NodeJS.ProcessEnv): Definition;
  /**
   * For an account bound to `issuer` that differs from the configured one: the definition to
   * refresh or revoke it with, when this provider legitimately has more than one issuer
   * (Microsoft: one per tenant). Null: the issuer is not this provider's.
   */
  definitionForIssuer?(issuer: string, current: Definition): Definition | null;
  /** Whether a (trimmed, non-empty, not secret-looking) client id has this provider's format. */
  checkClientId(id: string): FieldVerdict;
  /** Whether this provider wants a client secret, and whether a given one looks like its secrets. */
  checkClientSecret(secret: string | undefined): SecretVerdict;
  /** Health checks of the provider's variables beyond its client id and secret (Microsoft's tenant). */
  extraEnvChecks?(env: NodeJS.ProcessEnv): HealthCheck[];
}

export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}
