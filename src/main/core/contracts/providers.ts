/** The shapes of providers and their configuration as the core shows them (ProvidersRole in api.ts). */

/** How the app draws a provider: letters on a colour (built-ins: from their file). */
export interface ProviderLook {
  mark: string;
  color: string;
}

/** A provider option (Microsoft's tenant) as it applies to new sign-ins. */
export interface ProviderOptionSummary {
  name: string;
  label: string;
  /** What is accepted, in words. */
  hint: string;
  placeholder: string;
  /** What setting it does, in words. */
  effect: string;
  /** The value new sign-ins use now. */
  value: string;
}

export interface ProviderSummary {
  id: string;
  displayName: string;
  /** The protocol: OpenID Connect or plain OAuth 2.0. */
  kind: 'oidc' | 'oauth2';
  /** One of the app's built-in providers (its file in core/oauth/providers), else a custom or code-given one. */
  builtin: boolean;
  /** A client id is known (env or settings). */
  configured: boolean;
  issuer?: string;
  /** Why it is not configured, and what to set (names the environment variable too: the CLI shows it). */
  configHint?: string;
  /** Why it is not configured, in the app's own terms (Settings → Providers): what Connect shows. */
  setupHint?: string;
  supportsRevocation: boolean;
  /** Where a person revokes the app's access at the provider themselves. */
  revokeAt?: string;
  look?: ProviderLook;
  /** The provider's options (built-ins only). */
  options?: ProviderOptionSummary[];
}

/** A built-in provider's id (one of BUILTIN_PROVIDERS; checked where it is used). */
export type BuiltinClientId = string;
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

/** A provider option with where its value comes from (Settings → Providers). */
export interface ProviderOptionStatus extends ProviderOptionSummary {
  source: 'app' | 'environment' | 'default';
  /** The environment variable that sets it when the app has no value. */
  env: string;
  /** The app's value in settings.json was ignored: not signed by this vault, malformed, or from an older version (unsigned). */
  ignoredEntry?: 'unauthenticated' | 'invalid';
}

/** Help for registering the app's client at a built-in provider, from its file. */
export interface ClientHelpSummary {
  consoleUrl: string;
  clientIdPlaceholder: string;
  clientSecretPlaceholder: string;
  clientId: string;
  clientSecret: string;
}

export interface BuiltinProviderConfig extends BuiltinClientStatus {
  configured: boolean;
  configHint?: string;
  setupHint?: string;
  look: ProviderLook;
  clientHelp: ClientHelpSummary;
  options: ProviderOptionStatus[];
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

/** A built-in provider's id, or `custom` for a custom provider's fields. */
type ClientKind = BuiltinClientId | 'custom';

/** One provider field, as it is typed. */
export type FieldCheckInput =
  | { field: 'client-id'; provider: ClientKind; value: string }
  | { field: 'client-secret'; provider: ClientKind; value: string }
  /** The option named `tenant` (kept for the IPC contract; `option` is the general form). */
  | { field: 'tenant'; value: string }
  | { field: 'option'; provider: string; name: string; value: string }
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
