/**
 * Client registrations for the built-in providers (Google, Microsoft) entered in the app: the
 * client id in settings.json next to the custom providers, signed with the vault's settings key
 * the same way, and the client secret encrypted in the vault. An entry without a valid signature
 * (edited, or written by someone else) is ignored and reported, like a custom provider's.
 *
 * Precedence: a value set in the app wins over the environment (GOOGLE_CLIENT_ID etc., also from
 * the data folder's .env). The secret belongs to its client id: with a client id set in the app,
 * only the app's secret is used, never the environment's. Clearing the app's value brings the
 * environment's back. A built-in id never takes another issuer (ProviderRegistry).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { WITHOUT_CONTROL_CHARS } from '../../shared/one-line.js';
import { configError } from './oauth/errors.js';
import { envValue, type BuiltinProvider } from './oauth/providers/builtin.js';
import { CredentialValidator } from './health/credential-validator.js';
import type { TokenStore } from './vault/token-store.js';
import type { SettingsStore } from './settings-store.js';
import type { HealthCheck } from './contracts/settings.js';
import type { SecurityEventSink } from './contracts/security-log.js';
import type { BuiltinClientId, BuiltinClientStatus, SecretChange, TenantStatus } from './contracts/providers.js';
import { BUILTIN_PROVIDERS } from './oauth/providers/builtins.js';
import { MICROSOFT_TENANT_ENV } from './oauth/providers/microsoft.js';
import type { ProviderRegistry } from './oauth/providers/registry.js';

export const BUILTIN_CLIENT_IDS = ['google', 'microsoft'] as const;

export interface BuiltinClientsOptions {
  settings: SettingsStore;
  secrets: Pick<TokenStore, 'readSecret' | 'putSecret' | 'deleteSecret'>;
  /** The vault's settings key (the one custom-provider entries are signed with). */
  macKey: Buffer | null;
  registry: ProviderRegistry;
  /** The environment providers read (process environment over the data folder's .env). */
  env: () => NodeJS.ProcessEnv;
  log: SecurityEventSink;
}

interface Entry {
  id: BuiltinClientId;
  clientId: string;
  hasClientSecret: boolean;
}

const entrySchema = z.strictObject({
  id: z.enum(BUILTIN_CLIENT_IDS),
  clientId: z.string().min(1).max(512).regex(WITHOUT_CONTROL_CHARS),
  hasClientSecret: z.boolean(),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});

const secretName = (id: BuiltinClientId): string => `builtin/${id}/client_secret`;

export function isBuiltinClientId(id: string): id is BuiltinClientId {
  return (BUILTIN_CLIENT_IDS as readonly string[]).includes(id);
}

function builtin(id: BuiltinClientId): BuiltinProvider {
  return BUILTIN_PROVIDERS.find((b) => b.id === id)!;
}

export class BuiltinClients {
  constructor(private readonly o: BuiltinClientsOptions) {}

  /** Domain-separated from the custom-provider signature: one entry can't pass for the other. */
  private mac(e: Entry): string | null {
    if (!this.o.macKey) return null;
    return createHmac('sha256', this.o.macKey)
      .update('osmen/settings/builtin-client/v1\n')
      .update(`${e.id}\n${e.hasClientSecret ? 1 : 0}\n${e.clientId}`)
      .digest('hex');
  }

  private read(): { valid: Map<BuiltinClientId, Entry>; ignored: Map<BuiltinClientId, 'unauthenticated' | 'invalid'> } {
    const valid = new Map<BuiltinClientId, Entry>();
    const ignored = new Map<BuiltinClientId, 'unauthenticated' | 'invalid'>();
    for (const raw of this.o.settings.builtinClientEntries) {
      const rawId = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
      const parsed = entrySchema.safeParse(raw);
      if (!parsed.success) {
        if (typeof rawId === 'string' && isBuiltinClientId(rawId)) ignored.set(rawId, 'invalid');
        continue;
      }
      const { mac, ...entry } = parsed.data;
      const expected = this.mac(entry);
      if (expected && timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(mac, 'hex'))) valid.set(entry.id, entry);
      else ignored.set(entry.id, 'unauthenticated');
    }
    for (const id of valid.keys()) ignored.delete(id);
    return { valid, ignored };
  }

  private envClient(id: BuiltinClientId): { clientId?: string; clientSecret?: string } {
    const env = this.o.env();
    const names = builtin(id).env;
    const clientId = envValue(env, names.clientId);
    const clientSecret = envValue(env, names.clientSecret);
    return { ...(clientId ? { clientId } : {}), ...(clientId && clientSecret ? { clientSecret } : {}) };
  }

  private appClient(e: Entry): { clientId: string; clientSecret?: string } {
    const secret = e.hasClientSecret ? this.o.secrets.readSecret(secretName(e.id)) : null;
    return { clientId: e.clientId, ...(secret ? { clientSecret: secret } : {}) };
  }

  /** Puts the app's registrations into the registry (at start); built-ins without one keep theirs. */
  apply(): void {
    for (const e of this.read().valid.values()) this.o.registry.setBuiltinClient(e.id, this.appClient(e));
  }

  /** Validates, stores (secret in the vault first, then the signed entry) and applies a client id set in the app. */
  set(id: BuiltinClientId, input: { clientId: string; clientSecret: SecretChange }): void {
    const b = builtin(id);
    const clientId = input.clientId;
    const check = CredentialValidator.validateClientId(clientId, b.displayName);
    if (!check.valid || !WITHOUT_CONTROL_CHARS.test(clientId)) {
      throw configError({
        code: 'invalid_client_id',
        description: `${check.valid ? 'The client id contains control characters.' : check.message}${check.fix ? ` ${check.fix}` : ''} Nothing was saved.`,
        provider: id,
      });
    }
    const change = input.clientSecret;
    const current = this.read().valid.get(id);
    let secret: string | undefined;
    if (change.action === 'set') {
      if (change.value !== change.value.trim() || change.value.length > 1024) {
        throw configError({
          code: 'invalid_provider',
          description: 'clientSecret: 1 to 1024 characters without spaces around them. Nothing was saved.',
          provider: id,
        });
      }
      secret = change.value;
      this.o.secrets.putSecret(secretName(id), secret);
    } else if (change.action === 'keep' && current?.hasClientSecret) {
      secret = this.o.secrets.readSecret(secretName(id)) ?? undefined;
    }
    if (!secret) this.o.secrets.deleteSecret(secretName(id));
    const entry: Entry = { id, clientId, hasClientSecret: secret !== undefined };
    const mac = this.mac(entry);
    if (!mac) throw new Error('The settings store has no key to sign client registrations with.');
    this.o.settings.changeBuiltinClients((list) => [...list.filter((x) => (x as { id?: unknown })?.id !== id), { ...entry, mac }]);
    this.o.registry.setBuiltinClient(id, { clientId, ...(secret ? { clientSecret: secret } : {}) });
    this.o.log.logSecurityEvent('provider_client_set', { provider: id, source: 'app', reason: secret ? 'with_secret' : 'no_secret' });
  }

  /** Removes the app's registration (also an ignored entry) and its secret: the environment's applies again. */
  clear(id: BuiltinClientId): boolean {
    let removed = false;
    this.o.settings.changeBuiltinClients((list) => {
      const kept = list.filter((x) => (x as { id?: unknown })?.id !== id);
      removed = kept.length !== list.length;
      return kept;
    });
    removed = this.o.secrets.deleteSecret(secretName(id)) || removed;
    this.o.registry.setBuiltinClient(id, this.envClient(id));
    if (removed) this.o.log.logSecurityEvent('provider_client_cleared', { provider: id, source: 'app' });
    return removed;
  }

  /** Where each effective value comes from; the client id is shown (it is not a secret), the secret never. */
  status(id: BuiltinClientId): BuiltinClientStatus {
    const b = builtin(id);
    const { valid, ignored } = this.read();
    const app = valid.get(id);
    const env = this.envClient(id);
    const base = { id, displayName: b.displayName, envNames: { clientId: b.env.clientId, clientSecret: b.env.clientSecret } };
    const ignoredEntry = ignored.get(id);
    const status: BuiltinClientStatus = app
      ? {
          ...base,
          clientId: { source: 'app', value: app.clientId },
          clientSecret: { source: app.hasClientSecret && this.o.secrets.readSecret(secretName(id)) ? 'app' : 'none' },
        }
      : {
          ...base,
          clientId: env.clientId ? { source: 'environment', value: env.clientId } : { source: 'none', value: null },
          clientSecret: { source: env.clientSecret ? 'environment' : 'none' },
        };
    if (ignoredEntry) status.ignoredEntry = ignoredEntry;
    return status;
  }

  /** The tenant new Microsoft accounts sign in with, and where it comes from. */
  tenant(): TenantStatus {
    const app = this.o.settings.microsoftTenant;
    if (app) return { value: app, source: 'app' };
    const env = envValue(this.o.env(), MICROSOFT_TENANT_ENV);
    return env ? { value: env, source: 'environment' } : { value: 'common', source: 'default' };
  }

  /** Findings for the health report: the app's client ids, checked; entries that were ignored. */
  healthChecks(): HealthCheck[] {
    const { valid, ignored } = this.read();
    const checks: HealthCheck[] = [];
    for (const id of BUILTIN_CLIENT_IDS) {
      const b = builtin(id);
      const e = valid.get(id);
      if (e) {
        const r = CredentialValidator.validateClientId(e.clientId, b.displayName);
        checks.push({
          id: `settings-client:${id}`,
          title: `${b.displayName} client id (set in the app)`,
          status: r.valid ? 'pass' : 'fail',
          message: `${r.message} It is used instead of ${b.env.clientId}${e.hasClientSecret ? ', with the client secret kept in the vault' : ', without a client secret'}.`,
          ...(r.fix ? { fix: `${r.fix} Change it in Settings → Providers.` } : {}),
        });
      }
      const why = ignored.get(id);
      if (why) {
        checks.push({
          id: `settings-client-ignored:${id}`,
          title: `${b.displayName} client id in settings.json`,
          status: 'warn',
          message: `The entry ${why === 'invalid' ? 'is malformed' : 'is not signed by this vault (edited, or written by someone else)'}, so it was ignored: ${e ? 'the one set in the app is used' : `${b.env.clientId} (or nothing) is used`}.`,
          fix: 'If you entered it yourself, enter it again in Settings → Providers; otherwise remove it there (Clear) or from settings.json.',
        });
      }
    }
    return checks;
  }

  /**
   * The environment's checks of a client the app overrides are about values that are not used:
   * they are left out (the app's own check above replaces them), as is "no client configured".
   */
  withoutOverriddenEnvChecks(checks: HealthCheck[]): HealthCheck[] {
    const valid = this.read().valid;
    if (valid.size === 0) return checks;
    const unused = new Set([...valid.keys()].flatMap((id) => [`env:${builtin(id).env.clientId}`, `env:${builtin(id).env.clientSecret}`]));
    return checks.filter((c) => !unused.has(c.id) && c.id !== 'providers');
  }

  /** Writes the ignored entries to the security log (once per start of the app). */
  logIgnored(): void {
    for (const [id, reason] of this.read().ignored)
      this.o.log.logSecurityEvent('settings_client_ignored', { provider: id, reason }, 'warn');
  }
}

/** Plain words for a tenant, shown as it is typed. */
export function describeTenant(tenant: string): string {
  switch (tenant.toLowerCase()) {
    case 'common':
      return 'work, school and personal Microsoft accounts';
    case 'organizations':
      return 'work and school accounts only';
    case 'consumers':
      return 'personal Microsoft accounts only';
    default:
      return 'accounts of that one directory only';
  }
}
