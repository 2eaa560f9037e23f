import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { CoreSettings } from './contracts.js';
import { ensurePrivateDir } from './security/private-files.js';

export const DEFAULT_SETTINGS: CoreSettings = {
  refreshWindowMs: 5 * 60_000,
  checkIntervalMs: 5 * 60_000,
  backgroundRefreshPaused: false,
  startAtLogin: false,
  agentEnabled: true,
};

/** A custom OpenID provider the user added; its client secret (if any) lives in the vault. */
export const customProviderSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/),
  displayName: z.string().min(1).max(80).optional(),
  issuer: z.url().max(2048),
  clientId: z.string().min(1).max(512),
  hasClientSecret: z.boolean().optional(),
  scopes: z.array(z.string().min(1).max(256)).max(50),
});
export type StoredCustomProvider = z.infer<typeof customProviderSchema>;

/** Bounds keep a hand-edited file from turning the scheduler into a busy loop. */
export const settingsPatchSchema = z.strictObject({
  refreshWindowMs: z.number().int().min(30_000).max(24 * 3_600_000).optional(),
  checkIntervalMs: z.number().int().min(10_000).max(24 * 3_600_000).optional(),
  backgroundRefreshPaused: z.boolean().optional(),
  startAtLogin: z.boolean().optional(),
  agentEnabled: z.boolean().optional(),
});

const fileSchema = z.object({
  settings: settingsPatchSchema.optional(),
  microsoftTenant: z.string().max(200).optional(),
  customProviders: z.array(customProviderSchema).max(100).optional(),
});
type SettingsFile = z.infer<typeof fileSchema>;

/**
 * settings.json in the data folder: non-secret preferences and custom providers.
 * Written atomically (temp file + rename) with mode 0600, so a crash mid-write
 * leaves the previous file, not half a file.
 */
export class SettingsStore {
  private readonly path: string;
  private data: SettingsFile;

  constructor(home: string) {
    ensurePrivateDir(home);
    this.path = join(home, 'settings.json');
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

  get settings(): CoreSettings {
    return { ...DEFAULT_SETTINGS, ...this.data.settings };
  }

  update(patch: Partial<CoreSettings>): CoreSettings {
    const valid = settingsPatchSchema.parse(patch);
    this.data.settings = { ...this.data.settings, ...valid };
    this.write();
    return this.settings;
  }

  get microsoftTenant(): string | undefined {
    return this.data.microsoftTenant;
  }

  setMicrosoftTenant(tenant: string): void {
    this.data.microsoftTenant = tenant;
    this.write();
  }

  get customProviders(): StoredCustomProvider[] {
    return [...(this.data.customProviders ?? [])];
  }

  upsertCustomProvider(p: StoredCustomProvider): void {
    const valid = customProviderSchema.parse(p);
    const others = (this.data.customProviders ?? []).filter((x) => x.id !== valid.id);
    this.data.customProviders = [...others, valid];
    this.write();
  }
}
