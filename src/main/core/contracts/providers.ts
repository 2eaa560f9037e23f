/** The shapes of providers and their configuration as the core shows them (ProvidersRole in api.ts). */

export interface ProviderSummary {
  id: string;
  displayName: string;
  kind: 'google' | 'microsoft' | 'oidc' | 'oauth2';
  /** A client id is known (env or settings). */
  configured: boolean;
  issuer?: string;
  /** Why it is not configured, and what to set. */
  configHint?: string;
  supportsRevocation: boolean;
}

/** The built-in providers whose client registration can be entered in the app. */
export type BuiltinClientId = 'google' | 'microsoft';
export type ValueSource = 'app' | 'environment' | 'none';
/** What an edit does with a client secret: keeps it, replaces it, or removes it. */
export type SecretChange = { action: 'keep' } | { action: 'set'; value: string } | { action: 'clear' };

export interface BuiltinClientStatus {
  id: BuiltinClientId;
  displayName: string;
  clientId: { source: ValueSource; value: string | null };
  /** Never the secret: whether one is used, and from where. */
  clientSecret: { source: ValueSource };
  envNames: { clientId: string; clientSecret: string };
  ignoredEntry?: 'unauthenticated' | 'invalid';
}

export interface TenantStatus {
  value: string;
  source: 'app' | 'environment' | 'default';
}

export interface BuiltinProviderConfig extends BuiltinClientStatus {
  configured: boolean;
  configHint?: string;
  tenant?: TenantStatus;
  accounts: number;
}

/** A custom OpenID provider to add. */
export interface CustomProviderInput {
  id: string;
  displayName?: string;
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
}

/** An explicit edit of a custom provider: the secret is kept, replaced or removed. */
export interface CustomProviderEdit extends Omit<CustomProviderInput, 'clientSecret'> {
  clientSecret: SecretChange;
}

/**
 * What removing a provider did to its accounts: how many were disconnected, and of those, how
 * many tokens were deleted here without the provider confirming a revocation (`failed`: it did not
 * answer or refused; `unsupported`: it has no revocation endpoint). Those may stay valid at the
 * provider until they expire, and the person must be told so.
 */
export interface RemoveProviderResult {
  disconnected: number;
  revocationFailed: number;
  revocationUnsupported: number;
}

/** A custom OpenID provider as stored in settings.json; its client secret (if any) lives in the vault. */
export interface StoredCustomProvider {
  id: string;
  displayName?: string;
  issuer: string;
  clientId: string;
  hasClientSecret?: boolean;
  scopes: string[];
}

/** A custom-provider entry that was not used, and why (health report, security log). */
export interface IgnoredProviderEntry {
  id: string;
  reason: 'builtin_id' | 'unauthenticated' | 'invalid';
}

export interface CustomProviderConfig extends StoredCustomProvider {
  hasClientSecret: boolean;
  accounts: number;
}

/** Settings → Providers: every effective client registration with its source (never a secret), the custom providers. */
export interface ProviderConfig {
  builtins: BuiltinProviderConfig[];
  custom: CustomProviderConfig[];
  ignored: IgnoredProviderEntry[];
}

type ClientKind = BuiltinClientId | 'custom';

/** One provider field, as it is typed. */
export type FieldCheckInput =
  | { field: 'client-id'; provider: ClientKind; value: string }
  | { field: 'client-secret'; provider: ClientKind; value: string }
  | { field: 'tenant'; value: string }
  | { field: 'issuer'; value: string }
  | { field: 'provider-id'; value: string }
  | { field: 'scopes'; value: string };

export interface FieldCheck {
  status: 'ok' | 'warn' | 'error';
  message: string;
  fix?: string;
}

/** Whether a provider can sign in on another device (RFC 8628), and why not. */
export interface DeviceSupport {
  supported: boolean;
  /** Why not, as an error code (device_flow_unsupported, not_configured, discovery_failed…). */
  code?: string;
  reason?: string;
}
