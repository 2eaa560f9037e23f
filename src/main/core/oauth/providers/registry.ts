/**
 * ProviderRegistry: the built-in providers (BUILTIN_PROVIDERS, one file each), any OpenID Connect
 * issuer (discovery) and any plain OAuth 2.0 server (explicit endpoints, with hooks from code for
 * the identity and revocation). Client ids and secrets come from `register()` (settings, code) or
 * the environment names in .env.example.
 *
 * A built-in id always means the built-in provider: registering it may set its client
 * registration and scopes, never another issuer or endpoints.
 */
import { builtinDefinition } from './builtin.js';
import { BUILTIN_PROVIDERS, builtinProvider, isBuiltinProviderId } from './builtins.js';
import {
  DEFAULT_CLOCK_TOLERANCE_SEC,
  PROVIDER_ID_RE,
  type Definition,
  type ProviderHooks,
  type ProviderInfo,
  type ProviderRegistration,
  type ProviderRegistryOptions,
} from './definition.js';
import { issuerMismatch, validateUrl } from './endpoint-rules.js';
import { ProviderHandler } from './handler.js';
import { configError } from '../errors.js';

const SCOPE_RE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** What a provider given in code may add to the protocol (a built-in takes these from its file). */
const HOOK_NAMES = [
  'identity',
  'revoke',
  'revokeAt',
  'adaptAnswer',
  'reconnectParams',
  'codeExchangeNeedsSecret',
  'deviceFlowUnsupported',
  'revokePage',
  'narrowingUnsupported',
] as const satisfies ReadonlyArray<keyof ProviderHooks>;

export class ProviderRegistry {
  private readonly defs = new Map<string, Definition>();
  private readonly handlers = new Map<string, ProviderHandler>();
  /** Handlers for accounts bound to another of a built-in's issuers (a Microsoft account's own tenant). */
  private readonly variants = new Map<string, ProviderHandler>();
  private readonly fetchImpl?: typeof fetch;
  private readonly timeoutSec?: number;

  constructor(options: ProviderRegistryOptions = {}) {
    const env = options.env ?? process.env;
    if (options.fetch) this.fetchImpl = options.fetch;
    if (options.timeoutSec !== undefined) this.timeoutSec = options.timeoutSec;
    for (const b of BUILTIN_PROVIDERS) this.defs.set(b.id, builtinDefinition(b, env));
  }

  /** Adds or replaces a provider. For a built-in id only the client registration, scopes and parameters change. */
  register(reg: ProviderRegistration): ProviderInfo {
    if (!reg || typeof reg.id !== 'string' || !PROVIDER_ID_RE.test(reg.id)) {
      throw configError({ code: 'invalid_provider_id', description: 'Provider id must be 1-64 letters, digits, ".", "_" or "-".' });
    }
    const builtIn = builtinProvider(reg.id);
    // A built-in's protocol and hooks come from its file only.
    const hooks = HOOK_NAMES.filter((k) => reg[k] !== undefined);
    if (builtIn && (reg.issuer !== undefined || reg.endpoints !== undefined || hooks.length > 0)) {
      throw configError({
        code: 'provider_id_taken',
        description: `"${reg.id}" is a built-in provider; its issuer can't be changed. Choose another id for a custom provider.`,
        provider: reg.id,
      });
    }
    if (reg.issuer && reg.endpoints) {
      throw configError({
        code: 'invalid_provider',
        description: 'Give either issuer (OpenID discovery) or endpoints (plain OAuth 2.0), not both.',
        provider: reg.id,
      });
    }
    if (reg.issuer) validateUrl(reg.issuer, 'issuer', reg.id);
    if (reg.endpoints) {
      validateUrl(reg.endpoints.authorization, 'authorization endpoint', reg.id);
      validateUrl(reg.endpoints.token, 'token endpoint', reg.id);
      if (reg.endpoints.revocation) validateUrl(reg.endpoints.revocation, 'revocation endpoint', reg.id);
      if (reg.endpoints.userinfo) validateUrl(reg.endpoints.userinfo, 'userinfo endpoint', reg.id);
      if (reg.endpoints.device) validateUrl(reg.endpoints.device, 'device authorization endpoint', reg.id);
      if (reg.endpoints.api) validateUrl(reg.endpoints.api, 'API', reg.id);
    }
    if (reg.revokeAt !== undefined) validateUrl(reg.revokeAt, 'revocation page', reg.id);
    let def: Definition;
    if (builtIn) {
      const base = this.defs.get(reg.id)!;
      def = {
        ...base,
        displayName: reg.displayName ?? base.displayName,
        clientId: reg.clientId ?? base.clientId,
        clientSecret: reg.clientSecret ?? base.clientSecret,
        scopes: reg.scopes ?? base.scopes,
        extraAuthParams: reg.extraAuthParams ?? base.extraAuthParams,
        clockToleranceSec: reg.clockToleranceSec ?? base.clockToleranceSec,
      };
    } else {
      if (!reg.issuer && !reg.endpoints) {
        throw configError({
          code: 'invalid_provider',
          description: 'A provider needs an issuer (OpenID discovery) or explicit endpoints.',
          provider: reg.id,
        });
      }
      if (!reg.scopes || reg.scopes.length === 0) {
        throw configError({ code: 'invalid_provider', description: 'A provider needs at least one scope.', provider: reg.id });
      }
      def = {
        id: reg.id,
        displayName: reg.displayName ?? reg.id,
        kind: reg.issuer ? 'oidc' : 'oauth2',
        issuer: reg.issuer,
        endpoints: reg.endpoints ? { ...reg.endpoints } : undefined,
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        scopes: [...reg.scopes],
        extraAuthParams: { ...(reg.extraAuthParams ?? {}) },
        clockToleranceSec: reg.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC,
        revocation: reg.issuer ? 'discover' : (reg.endpoints?.revocation ?? 'none'),
      };
      for (const k of hooks) Object.assign(def, { [k]: reg[k] });
    }
    if (def.scopes.some((s) => typeof s !== 'string' || !SCOPE_RE.test(s))) {
      throw configError({
        code: 'invalid_scope',
        description: 'Scopes must be non-empty strings without spaces or quotes (RFC 6749 §3.3).',
        provider: reg.id,
      });
    }
    this.defs.set(reg.id, def);
    this.forgetHandlers(reg.id);
    return this.info(def);
  }

  /**
   * Re-reads a built-in's identity from `env` (Microsoft's tenant) and keeps its client
   * registration, scopes and parameters. Accounts stay bound to the issuer they connected at.
   */
  updateBuiltin(id: string, env: NodeJS.ProcessEnv): ProviderInfo {
    const builtIn = builtinProvider(id);
    const current = this.defs.get(id);
    if (!builtIn || !current)
      throw configError({ code: 'unknown_provider', description: `"${id}" is not a built-in provider.`, provider: id });
    const fresh = builtinDefinition(builtIn, env);
    const def: Definition = {
      ...fresh,
      displayName: current.displayName,
      clientId: current.clientId ?? fresh.clientId,
      clientSecret: current.clientSecret ?? fresh.clientSecret,
      scopes: current.scopes,
      extraAuthParams: current.extraAuthParams,
      clockToleranceSec: current.clockToleranceSec,
    };
    this.defs.set(id, def);
    this.forgetHandlers(id);
    return this.info(def);
  }

  /**
   * Sets a built-in's client registration as a whole: the client id and the secret that belongs
   * to it (none when absent), such as the one entered in the app, or the environment's again when
   * that is cleared. A secret is never carried over to another client id. Issuer, scopes and
   * parameters stay.
   */
  setBuiltinClient(id: string, client: { clientId?: string; clientSecret?: string }): ProviderInfo {
    const current = this.defs.get(id);
    if (!isBuiltinProviderId(id) || !current)
      throw configError({
        code: 'unknown_provider',
        description: `"${String(id).slice(0, 64)}" is not a built-in provider.`,
        provider: id,
      });
    const def: Definition = { ...current, clientId: client.clientId, clientSecret: client.clientSecret };
    this.defs.set(id, def);
    this.forgetHandlers(id);
    return this.info(def);
  }

  /** Removes a custom provider (built-ins stay). Returns whether it was registered. */
  unregister(id: string): boolean {
    if (isBuiltinProviderId(id)) return false;
    this.forgetHandlers(id);
    return this.defs.delete(id);
  }

  private forgetHandlers(id: string): void {
    this.handlers.delete(id);
    for (const key of [...this.variants.keys()]) if (key.startsWith(`${id} `)) this.variants.delete(key);
  }

  has(id: string): boolean {
    return this.defs.has(id);
  }

  /** The issuer the provider is configured with now (null for a plain OAuth 2.0 server without one). */
  issuerOf(id: string): string | null {
    const d = this.defs.get(id);
    return d?.issuer ?? d?.endpoints?.issuer ?? (d?.endpoints ? new URL(d.endpoints.token).origin : null);
  }

  /** The handler for a configured provider; a configuration OAuthError says what to set otherwise. */
  getHandler(id: string): ProviderHandler {
    const def = this.usableDefinition(id);
    let h = this.handlers.get(id);
    if (!h) {
      h = new ProviderHandler(def, { fetch: this.fetchImpl, timeoutSec: this.timeoutSec });
      this.handlers.set(id, h);
    }
    return h;
  }

  /**
   * The handler for an account bound to `boundIssuer` (null: an account stored before issuers
   * were recorded, served by the current configuration). An issuer the provider no longer has
   * is refused with `issuer_mismatch`: the account's tokens must not go anywhere else.
   */
  handlerFor(id: string, boundIssuer: string | null): ProviderHandler {
    if (boundIssuer === null || boundIssuer === this.issuerOf(id)) return this.getHandler(id);
    const current = this.definition(id);
    const variant = builtinProvider(id)?.definitionForIssuer?.(boundIssuer, current);
    if (!variant) throw issuerMismatch(id, boundIssuer, this.issuerOf(id));
    this.requireClient(variant);
    const key = `${id} ${boundIssuer}`;
    let h = this.variants.get(key);
    if (!h) {
      h = new ProviderHandler(variant, { fetch: this.fetchImpl, timeoutSec: this.timeoutSec });
      this.variants.set(key, h);
    }
    return h;
  }

  private definition(id: string): Definition {
    const def = this.defs.get(id);
    if (!def) {
      throw configError({
        code: 'unknown_provider',
        description: `Unknown provider "${String(id).slice(0, 64)}". Known: ${[...this.defs.keys()].join(', ')}.`,
      });
    }
    return def;
  }

  private usableDefinition(id: string): Definition {
    const def = this.definition(id);
    if (def.configProblem)
      throw configError({ code: def.configProblemCode ?? 'invalid_configuration', description: def.configProblem, provider: id });
    this.requireClient(def);
    return def;
  }

  private requireClient(def: Definition): void {
    if (def.clientId) return;
    const how = def.clientIdEnv
      ? `Set ${def.clientIdEnv} (see .env.example) or enter a client id in Settings → Providers.`
      : 'Register it with a clientId.';
    throw configError({ code: 'not_configured', description: `${def.displayName} has no client id. ${how}`, provider: def.id });
  }

  /** Whether tokens narrowed to fewer scopes can be minted for this provider's accounts. */
  supportsNarrowing(id: string): boolean {
    return this.defs.get(id)?.narrowingUnsupported !== true;
  }

  list(): ProviderInfo[] {
    return [...this.defs.values()].map((d) => this.info(d));
  }

  private info(d: Definition): ProviderInfo {
    const issuer = d.issuer ?? d.endpoints?.issuer;
    const builtIn = builtinProvider(d.id);
    // A discovered issuer's revocation support is known once its metadata was fetched.
    const supportsRevocation = d.revoke
      ? true
      : d.revocation === 'none'
        ? false
        : d.revocation === 'discover'
          ? (this.handlers.get(d.id)?.supportsRevocation ?? false)
          : true;
    const info: ProviderInfo = {
      id: d.id,
      displayName: d.displayName,
      kind: d.kind,
      builtin: builtIn !== undefined,
      configured: Boolean(d.clientId) && !d.configProblem,
      supportsRevocation,
    };
    if (issuer) info.issuer = issuer;
    const revokeAt = d.revokePage?.(d) ?? d.revokeAt;
    if (revokeAt) info.revokeAt = revokeAt;
    if (d.configProblem) {
      info.configHint = d.configProblem;
      info.setupHint = d.configProblem;
    } else if (!d.clientId) {
      info.configHint = d.clientIdEnv
        ? `Set ${d.clientIdEnv} (see .env.example) or enter a client id in Settings → Providers.`
        : 'Register the provider with a client id.';
      if (builtIn)
        info.setupHint = `Add the app’s ${builtIn.displayName} client id in Settings → Providers. ${builtIn.clientHelp.clientId}`;
    }
    if (builtIn) {
      info.look = { mark: builtIn.look.mark, color: builtIn.look.color };
      info.options = builtIn.options.map((o) => ({
        name: o.name,
        label: o.label,
        hint: o.hint,
        placeholder: o.placeholder,
        effect: o.effect,
        value: d.options?.[o.name] ?? o.defaultValue,
      }));
    }
    return info;
  }
}
