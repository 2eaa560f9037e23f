/**
 * What a built-in provider's file tells the rest of the app: everything about the provider, so
 * that adding one means adding its file to BUILTIN_PROVIDERS (builtins.ts) and its tests. The
 * registry, the error parser, the secret shapes, the health report, the data folder's .env
 * allow-list, the console allow-list, Settings → Providers and Connect all read it from here.
 *
 * A provider file imports only this module, definition.ts and small pure modules of src/shared:
 * the secret shapes it declares are read by the error sanitizer, which every OAuth error passes
 * through, so a provider file must not depend on the error classes. Its hooks get what they may
 * do (fetch, fail) from the code that calls them.
 */
import type { AnswerAdapter, Definition, IdentityHook, ProviderHooks, ProviderProtocol, RevokeHook } from './definition.js';

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
  /**
   * The app's code for one of the provider's `error` codes, when the app has its own name for
   * it (GitHub's `device_flow_disabled` is `device_flow_unsupported`), and what fixes it.
   */
  translate?(code: string): { code: string; fix?: string } | undefined;
}

/**
 * A setting of the provider's own (Microsoft's tenant): where new sign-ins go. Its value comes
 * from the app (Settings → Providers, Connect, `osmen-cred connect --<name>`; a signed entry in
 * settings.json), else the environment variable, else the default. Existing accounts keep theirs.
 */
export interface ProviderOption {
  /** The option's name: the field of requests, the CLI flag (`--tenant`). */
  readonly name: string;
  readonly label: string;
  /** The environment variable that sets it when the app has no value (documented in the README). */
  readonly env: string;
  readonly defaultValue: string;
  /** What is accepted, in words ("common, organizations, … or a verified domain such as contoso.com"). */
  readonly hint: string;
  readonly placeholder: string;
  /** What setting it does, in words. */
  readonly effect: string;
  /** Null when the value is acceptable, else why not (never repeats the value). */
  check(value: string): string | null;
  /** Plain words for an acceptable value, shown as it is typed. */
  describe(value: string): string;
  /** The settings.json key an older version kept the value under, unsigned: ignored now, with a warning. */
  readonly legacySettingsKey?: string;
}

/** How the app draws the provider: letters only (no remote images under the CSP) on its colour. */
export interface ProviderLook {
  /** One or two letters. */
  readonly mark: string;
  /** A CSS colour for the mark's background, dark enough for white letters (WCAG AA). */
  readonly color: string;
}

/** Help for registering the app's client at the provider, in the app's own words. */
export interface ClientHelp {
  /** The console page where the client is registered (https, one of consoleHosts). */
  readonly consoleUrl: string;
  /** An example of what the client id looks like (the client-id box's placeholder). */
  readonly clientIdPlaceholder: string;
  /** The client-secret box's placeholder while none is stored (short: it must fit the box). */
  readonly clientSecretPlaceholder: string;
  /** What to register and where to find the client id. */
  readonly clientId: string;
  /** Whether and when a client secret is needed. */
  readonly clientSecret: string;
}

/** One kind of secret value the repository scan looks for. */
export interface ScanPattern {
  readonly kind: string;
  readonly title: string;
  /** POSIX extended regex for `git grep -E` / `git log -G` (no \d, no lookaround). */
  readonly ere: string;
  /** The same shape in JavaScript, with the g flag. */
  readonly js: RegExp;
  /** How to make a leaked one worthless (removing it from git is not enough). */
  readonly rotate: string;
}

/** The shapes of the provider's tokens and secrets: for the log redactor, the error sanitizer and the git scan. */
export interface SecretShapes {
  /** Credentials of this provider's recognisable types (with the g flag): redacted wherever they appear. */
  readonly tokens: readonly RegExp[];
  /** What the repository scan looks for. */
  readonly scan: readonly ScanPattern[];
  /** Prefixes that name a token type without revealing its secret part (shown when masking). */
  readonly prefixes: readonly string[];
}

/**
 * How a grant is revoked at disconnect, and the page where the person revokes it themselves
 * (shown when the app can't, or couldn't): RFC 7009 (at `endpoint`, else the one the discovery
 * document names), a hook of the provider's own (which may answer `unsupported`, e.g. without the
 * client secret its endpoint needs), or not at all.
 */
export type Revocation =
  | { readonly kind: 'rfc7009'; readonly endpoint?: string; readonly revokeAt: string }
  | {
      readonly kind: 'hook';
      readonly revoke: RevokeHook;
      readonly revokeAt: string;
      /** The page for the configured client and host, when it names them (GitHub's page of one app). */
      readonly revokePage?: ProviderHooks['revokePage'];
    }
  | { readonly kind: 'unsupported'; readonly revokeAt: string };

/** The part of the registry's Definition that depends on the environment and the options. */
export type BuiltinDefinition = Omit<Definition, 'id' | 'displayName' | 'kind' | 'clientIdEnv' | 'revocation' | keyof ProviderHooks>;

export interface BuiltinProvider {
  readonly id: string;
  readonly displayName: string;
  /** The protocol: OpenID Connect (discovery, ID tokens) or plain OAuth 2.0 (explicit endpoints, an identity hook). */
  readonly kind: ProviderProtocol;
  /** Environment variables read for the client registration (documented in the README). */
  readonly env: { readonly clientId: string; readonly clientSecret: string };
  /** Hosts of the provider's consoles and documentation that the app may open (https, exact host). */
  readonly consoleHosts: readonly string[];
  readonly clientHelp: ClientHelp;
  readonly look: ProviderLook;
  readonly secretShapes: SecretShapes;
  readonly errorDialect: ErrorDialect;
  /** The provider's own settings with their checks (none for most). */
  readonly options: readonly ProviderOption[];
  /**
   * RFC 8628 sign-in on another device: 'supported' where the endpoint is known (the discovery
   * document for OpenID Connect, `endpoints.device` for plain OAuth 2.0), or 'unsupported'.
   */
  readonly deviceFlow: 'supported' | 'unsupported';
  readonly revocation: Revocation;
  /**
   * How to learn who signed in. Required for a plain OAuth 2.0 provider (no ID token, no
   * userinfo); an OpenID Connect provider without one uses the ID token and userinfo.
   */
  readonly identity?: IdentityHook;
  /** Rewrites the provider's token and device answers into standard ones (errors sent with HTTP 200, renamed fields). */
  readonly adaptAnswer?: AnswerAdapter;
  /** The authorization parameters for signing an account in again (default `login_hint`). */
  readonly reconnectParams?: ProviderHooks['reconnectParams'];
  /** The code exchange needs the client secret: without one, only the device sign-in can work. */
  readonly codeExchangeNeedsSecret?: boolean;
  /**
   * Whether a token narrowed to fewer scopes can be minted (a refresh carrying `scope`, RFC 6749
   * §6). 'unsupported' where the provider ignores `scope` on a refresh or has no refresh token:
   * asking for fewer scopes is then refused (`narrowing_unsupported`), never answered with the full token.
   */
  readonly narrowing?: 'supported' | 'unsupported';
  /**
   * The issuer or endpoints, client registration, scopes and parameters from the environment,
   * the options' variables included (the app's values are put there by the caller). Never
   * throws: an unusable option yields `configProblem`, so one bad value can't stop the app.
   */
  define(env: NodeJS.ProcessEnv): BuiltinDefinition;
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
}

/**
 * The registry's Definition of a built-in: what its file says about it (protocol, hooks,
 * revocation, device flow) with what `define(env)` reads from the environment.
 */
export function builtinDefinition(b: BuiltinProvider, env: NodeJS.ProcessEnv): Definition {
  const r = b.revocation;
  const def: Definition = {
    ...b.define(env),
    id: b.id,
    displayName: b.displayName,
    kind: b.kind,
    clientIdEnv: b.env.clientId,
    revocation: r.kind === 'rfc7009' ? (r.endpoint ?? 'discover') : 'none',
    revokeAt: r.revokeAt,
  };
  if (r.kind === 'hook') def.revoke = r.revoke;
  if (r.kind === 'hook' && r.revokePage) def.revokePage = r.revokePage;
  if (b.narrowing === 'unsupported') def.narrowingUnsupported = true;
  if (b.identity) def.identity = b.identity;
  if (b.adaptAnswer) def.adaptAnswer = b.adaptAnswer;
  if (b.reconnectParams) def.reconnectParams = b.reconnectParams;
  if (b.codeExchangeNeedsSecret) def.codeExchangeNeedsSecret = true;
  if (b.deviceFlow === 'unsupported') def.deviceFlowUnsupported = true;
  return def;
}

export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** An option's effective value in `env`: the variable when it is set, else the default. */
export function optionValue(env: NodeJS.ProcessEnv, option: ProviderOption): string {
  return envValue(env, option.env) ?? option.defaultValue;
}

/** The environment with option values chosen elsewhere (the app's settings, a sign-in) in their variables. */
export function withOptionValues(
  env: NodeJS.ProcessEnv,
  provider: BuiltinProvider,
  values: Readonly<Record<string, string>>,
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const o of provider.options) {
    const v = values[o.name];
    if (v !== undefined && v !== '') out[o.env] = v;
  }
  return out;
}
