/**
 * The built-in providers' options (Microsoft's tenant) set in the app: entries in settings.json
 * signed with the vault's settings key, like the client ids (builtin-clients.ts), so that an
 * edited or unsigned value decides nothing. An entry without a valid signature — edited, written
 * by someone else, or the unsigned value an older version kept (the option's legacySettingsKey) —
 * is ignored, and the health report and the security log say so.
 *
 * Precedence: a value set in the app wins over the option's environment variable (also from the
 * data folder's .env), which wins over the default. Each option's own check runs before a value
 * is saved. An option chooses where new accounts sign in; connected accounts keep theirs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { WITHOUT_CONTROL_CHARS } from '../../shared/one-line.js';
import { configError } from './oauth/errors.js';
import { envValue, type BuiltinProvider, type ProviderOption } from './oauth/providers/builtin.js';
import { BUILTIN_PROVIDERS, builtinProvider } from './oauth/providers/builtins.js';
import type { SettingsStore } from './settings-store.js';
import type { ProviderOptionStatus } from './contracts/providers.js';
import type { SecurityEventSink } from './contracts/security-log.js';
import type { HealthCheck } from './contracts/settings.js';

interface Entry {
  provider: string;
  name: string;
  value: string;
}

const entrySchema = z.strictObject({
  provider: z.string().min(1).max(64),
  name: z.string().min(1).max(64),
  value: z.string().min(1).max(512).regex(WITHOUT_CONTROL_CHARS),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});

type IgnoredReason = 'unauthenticated' | 'invalid';

const key = (provider: string, name: string): string => `${provider}\n${name}`;

export interface BuiltinOptionsOptions {
  settings: SettingsStore;
  /** The vault's settings key (the one client ids and custom providers are signed with). */
  macKey: Buffer | null;
  /** The environment providers read (process environment over the data folder's .env). */
  env: () => NodeJS.ProcessEnv;
  log: SecurityEventSink;
}

export class BuiltinOptions {
  constructor(private readonly o: BuiltinOptionsOptions) {}

  /** Domain-separated from the other signed entries: one kind can't pass for another. */
  private mac(e: Entry): string | null {
    if (!this.o.macKey) return null;
    return createHmac('sha256', this.o.macKey)
      .update('osmen/settings/provider-option/v1\n')
      .update(`${e.provider}\n${e.name}\n${e.value}`)
      .digest('hex');
  }

  private option(providerId: string, name: string): { provider: BuiltinProvider; option: ProviderOption } | null {
    const provider = builtinProvider(providerId);
    const option = provider?.options.find((o) => o.name === name);
    return provider && option ? { provider, option } : null;
  }

  private read(): { valid: Map<string, Entry>; ignored: Map<string, IgnoredReason> } {
    const valid = new Map<string, Entry>();
    const ignored = new Map<string, IgnoredReason>();
    for (const raw of this.o.settings.providerOptionEntries) {
      const r = raw as { provider?: unknown; name?: unknown } | null;
      const rawKey = typeof r?.provider === 'string' && typeof r?.name === 'string' ? key(r.provider, r.name) : null;
      const parsed = entrySchema.safeParse(raw);
      const known = parsed.success ? this.option(parsed.data.provider, parsed.data.name) : null;
      if (!parsed.success || !known || known.option.check(parsed.data.value) !== null) {
        if (rawKey && this.option(r!.provider as string, r!.name as string)) ignored.set(rawKey, 'invalid');
        continue;
      }
      const { mac, ...entry } = parsed.data;
      const expected = this.mac(entry);
      if (expected && timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(mac, 'hex')))
        valid.set(key(entry.provider, entry.name), entry);
      else ignored.set(key(entry.provider, entry.name), 'unauthenticated');
    }
    // A value an older version kept unsigned: not used, reported until the person sets the option again.
    for (const b of BUILTIN_PROVIDERS) {
      for (const o of b.options) {
        if (o.legacySettingsKey && this.o.settings.legacyValue(o.legacySettingsKey) !== undefined) {
          ignored.set(key(b.id, o.name), 'unauthenticated');
        }
      }
    }
    for (const k of valid.keys()) ignored.delete(k);
    return { valid, ignored };
  }

  /** The app's (valid, signed) values of a provider's options, by name. */
  values(providerId: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.read().valid.values()) if (e.provider === providerId) out[e.name] = e.value;
    return out;
  }

  /** Checks with the option's own rule, then stores it signed; the value new sign-ins of the provider use. */
  set(providerId: string, name: string, value: string): void {
    const known = this.option(providerId, name);
    if (!known) {
      throw configError({
        code: 'unknown_option',
        description: `${builtinProvider(providerId)?.displayName ?? `"${providerId.slice(0, 64)}"`} has no option "${name.slice(0, 64)}". Nothing was saved.`,
        provider: providerId.slice(0, 64),
      });
    }
    const { provider, option } = known;
    const problem = option.check(value);
    if (problem !== null || !WITHOUT_CONTROL_CHARS.test(value)) {
      throw configError({
        code: `invalid_${option.name}`,
        description: `"${value.slice(0, 80)}" is not a ${provider.displayName} ${option.label.toLowerCase()}: ${problem ?? 'it contains control characters.'} Nothing was saved.`,
        provider: providerId,
      });
    }
    const entry: Entry = { provider: providerId, name, value };
    const mac = this.mac(entry);
    if (!mac) throw new Error('The settings store has no key to sign provider options with.');
    this.o.settings.changeProviderOptions(
      (list) => [
        ...list.filter((x) => {
          const r = x as { provider?: unknown; name?: unknown } | null;
          return !(r?.provider === providerId && r?.name === name);
        }),
        { ...entry, mac },
      ],
      option.legacySettingsKey ? [option.legacySettingsKey] : [],
    );
    this.o.log.logSecurityEvent('provider_option_set', { provider: providerId, field: name, source: 'app' });
  }

  /** Each option of a built-in with its effective value and where it comes from. */
  status(providerId: string): ProviderOptionStatus[] {
    const provider = builtinProvider(providerId);
    if (!provider) return [];
    const { valid, ignored } = this.read();
    const env = this.o.env();
    return provider.options.map((o) => {
      const app = valid.get(key(providerId, o.name));
      const fromEnv = envValue(env, o.env);
      const status: ProviderOptionStatus = {
        name: o.name,
        label: o.label,
        hint: o.hint,
        placeholder: o.placeholder,
        effect: o.effect,
        env: o.env,
        ...(app
          ? { value: app.value, source: 'app' }
          : fromEnv
            ? { value: fromEnv, source: 'environment' }
            : { value: o.defaultValue, source: 'default' }),
      };
      const why = ignored.get(key(providerId, o.name));
      if (why) status.ignoredEntry = why;
      return status;
    });
  }

  /** Findings for the health report: app values that were ignored (edited, unsigned, malformed). */
  healthChecks(): HealthCheck[] {
    const { ignored } = this.read();
    const checks: HealthCheck[] = [];
    for (const b of BUILTIN_PROVIDERS) {
      for (const o of b.options) {
        const why = ignored.get(key(b.id, o.name));
        if (!why) continue;
        const label = o.label.toLowerCase();
        checks.push({
          id: `settings-option-ignored:${b.id}:${o.name}`,
          title: `${b.displayName} ${label} in settings.json`,
          status: 'warn',
          message: `The ${label} stored in settings.json ${why === 'invalid' ? 'is malformed' : 'is not signed by this vault (edited, written by someone else, or kept unsigned by an older version)'}, so it was ignored: ${envValue(this.o.env(), o.env) ? o.env : `the default (${o.defaultValue})`} is used for new sign-ins.`,
          fix: `If you chose it yourself, set the ${label} again in Settings → Providers.`,
        });
      }
    }
    return checks;
  }

  /** Writes the ignored entries to the security log (once per start of the app). */
  logIgnored(): void {
    for (const [k, reason] of this.read().ignored) {
      const [provider, name] = k.split('\n');
      this.o.log.logSecurityEvent('settings_option_ignored', { provider, field: name, reason }, 'warn');
    }
  }
}
