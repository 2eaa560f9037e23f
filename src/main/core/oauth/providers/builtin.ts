/** What a built-in provider (one file each: google.ts, microsoft.ts) tells the registry. */
import type { Definition, ProviderKind } from './definition.js';

export interface BuiltinProvider {
  readonly id: string;
  readonly displayName: string;
  readonly kind: ProviderKind;
  /** Environment variables read for the client registration (documented in the README). */
  readonly env: { readonly clientId: string; readonly clientSecret: string; readonly extra?: readonly string[] };
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
}

export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}
