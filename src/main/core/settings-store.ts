import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { withFileLock } from './fs/file-lock.js';
import { canonicalJson } from './audit/log-chain.js';
import { ensurePrivateDir } from './fs/private-files.js';
import { dataFolder } from './data-folder.js';
import type { CoreSettings } from './contracts/settings.js';
import type { IgnoredProviderEntry, StoredCustomProvider } from './contracts/providers.js';
import { isBuiltinProviderId } from './oauth/providers/builtins.js';

export const DEFAULT_SETTINGS: CoreSettings = {
  refreshWindowMs: 5 * 60_000,
  checkIntervalMs: 5 * 60_000,
  backgroundRefreshPaused: false,
  startAtLogin: false,
  agentEnabled: true,
  keepAliveDays: 7,
};

/** The ids custom providers may have (a subset of what the registry accepts). */
export const CUSTOM_PROVIDER_ID_RE = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** A custom OpenID provider the user added; its client secret (if any) lives in the vault. */
export const customProviderSchema = z.strictObject({
  id: z.string().regex(CUSTOM_PROVIDER_ID_RE),
  displayName: z.string().min(1).max(80).optional(),
  issuer: z.url().max(2048),
  clientId: z.string().min(1).max(512),
  hasClientSecret: z.boolean().optional(),
  scopes: z.array(z.string().min(1).max(256)).max(50),
});

/** A stored entry: the definition and its HMAC under the vault's settings key. */
const signedEntrySchema = customProviderSchema.extend({
  mac: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

/** Bounds keep a hand-edited file from turning the scheduler into a busy loop. */
export const settingsPatchSchema = z.strictObject({
  refreshWindowMs: z
    .number()
    .int()
    .min(30_000)
    .max(24 * 3_600_000)
    .optional(),
  checkIntervalMs: z
    .number()
    .int()
    .min(10_000)
    .max(24 * 3_600_000)
    .optional(),
  backgroundRefreshPaused: z.boolean().optional(),
  startAtLogin: z.boolean().optional(),
  agentEnabled: z.boolean().optional(),
  keepAliveDays: z.number().int().min(1).max(60).optional(),
});

const fileSchema = z.object({
  settings: settingsPatchSchema.optional(),
  microsoftTenant: z.string().max(200).optional(),
  customProviders: z.array(z.unknown()).max(100).optional(),
  /** Client registrations of the built-in providers entered in the app (builtin-clients.ts signs and checks them). */
  builtinClients: z.array(z.unknown()).max(10).optional(),
});
type SettingsFile = z.infer<typeof fileSchema>;

/**
 * settings.json in the data folder: non-secret preferences and custom providers.
 * Written atomically (temp file + rename) with mode 0600, so a crash mid-write
 * leaves the previous file, not half a file.
 *
 * Custom-provider entries decide where refresh tokens are sent, and the folder may be
 * writable by others (a synced folder, a restored backup): each entry carries an HMAC under a
 * key kept in the vault, and an entry without a valid one (edited, or written elsewhere) is
 * ignored. A built-in id (google, microsoft) is never taken from this file.
 */
export class SettingsStore {
  private readonly path: string;
  private readonly macKey: Buffer | null;
  private data: SettingsFile;

  constructor(home: string, options: { macKey?: Buffer | null } = {}) {
    ensurePrivateDir(home);
    this.path = dataFolder(home).settings;
    this.macKey = options.macKey ?? null;
    this.data = this.read();
  }

  private read(): SettingsFile {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      // An unreadable file falls back to defaults but is not overwritten until the user saves.
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  }

  private write(): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  /**
   * Read-modify-write under a lock: the app and `osmen-cred provider add|remove` (or `connect
   * --tenant`) may both write the file, and writing back a copy read at start would drop what
   * the other wrote since.
   */
  private change(mutate: (data: SettingsFile) => void): void {
    withFileLock(`${this.path}.lock`, () => {
      const data = this.read();
      mutate(data);
      this.data = data;
      this.write();
    });
  }

  private mac(entry: StoredCustomProvider): string | null {
    if (!this.macKey) return null;
    return createHmac('sha256', this.macKey).update('osmen/settings/custom-provider/v1\n').update(canonicalJson(entry)).digest('hex');
  }

  private verify(entry: StoredCustomProvider, given: string | undefined): boolean {
    const expected = this.mac(entry);
    if (!expected || !given) return false;
    return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'));
  }

  get settings(): CoreSettings {
    return { ...DEFAULT_SETTINGS, ...this.data.settings };
  }

  update(patch: Partial<CoreSettings>): CoreSettings {
    const valid = settingsPatchSchema.parse(patch);
    this.change((data) => {
      data.settings = { ...data.settings, ...valid };
    });
    return this.settings;
  }

  get microsoftTenant(): string | undefined {
    return this.data.microsoftTenant;
  }

  /** Stores the tenant; the caller validates it first (a bad tenant must never be saved). */
  setMicrosoftTenant(tenant: string): void {
    this.change((data) => {
      data.microsoftTenant = tenant;
    });
  }

  /** The built-in providers' client entries as stored, unchecked (builtin-clients.ts verifies them). */
  get builtinClientEntries(): unknown[] {
    return this.data.builtinClients ?? [];
  }

  /** Replaces the built-in client entries, read-modify-write under the file lock like every change. */
  changeBuiltinClients(mutate: (entries: unknown[]) => unknown[]): void {
    this.change((data) => {
      data.builtinClients = mutate(data.builtinClients ?? []);
    });
  }

  private entries(): Array<{ raw: unknown; entry: StoredCustomProvider | null; mac?: string }> {
    return (this.data.customProviders ?? []).map((raw) => {
      const parsed = signedEntrySchema.safeParse(raw);
      if (!parsed.success) return { raw, entry: null };
      const { mac, ...entry } = parsed.data;
      return { raw, entry, mac };
    });
  }

  /** The custom providers that may be used: well-formed, not a built-in id, and authenticated. */
  get customProviders(): StoredCustomProvider[] {
    return this.entries()
      .filter((e) => e.entry !== null && !isBuiltinProviderId(e.entry.id) && this.verify(e.entry, e.mac))
      .map((e) => e.entry!);
  }

  /** Entries that are in the file but are not used, and why. */
  get ignoredProviders(): IgnoredProviderEntry[] {
    const out: IgnoredProviderEntry[] = [];
    for (const e of this.entries()) {
      if (e.entry === null) {
        const id =
          typeof e.raw === 'object' && e.raw !== null && typeof (e.raw as { id?: unknown }).id === 'string'
            ? (e.raw as { id: string }).id
            : '?';
        out.push({ id: id.slice(0, 40), reason: 'invalid' });
      } else if (isBuiltinProviderId(e.entry.id)) {
        out.push({ id: e.entry.id, reason: 'builtin_id' });
      } else if (!this.verify(e.entry, e.mac)) {
        out.push({ id: e.entry.id, reason: 'unauthenticated' });
      }
    }
    return out;
  }

  upsertCustomProvider(p: StoredCustomProvider): void {
    const valid = customProviderSchema.parse(p);
    const mac = this.mac(valid);
    if (!mac) throw new Error('The settings store has no key to sign custom providers with.');
    this.change((data) => {
      const others = (data.customProviders ?? []).filter((x) => (x as { id?: unknown })?.id !== valid.id);
      data.customProviders = [...others, { ...valid, mac }];
    });
  }

  removeCustomProvider(id: string): boolean {
    let removed = false;
    this.change((data) => {
      const before = data.customProviders ?? [];
      const after = before.filter((x) => (x as { id?: unknown })?.id !== id);
      removed = after.length !== before.length;
      data.customProviders = after;
    });
    return removed;
  }
}
