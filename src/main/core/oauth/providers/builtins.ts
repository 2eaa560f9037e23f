/**
 * The built-in providers, one file each. Adding one means adding its file here (and its tests):
 * everything else — the registry, the error dialects, the secret shapes, the health report, the
 * .env allow-list, the console allow-list, Settings → Providers and Connect — reads this list.
 */
import type { BuiltinProvider } from './builtin.js';
import { github } from './github.js';
import { google } from './google.js';
import { microsoft } from './microsoft.js';

export const BUILTIN_PROVIDERS: readonly BuiltinProvider[] = [google, microsoft, github];

export function isBuiltinProviderId(id: string): boolean {
  return BUILTIN_PROVIDERS.some((b) => b.id === id);
}

/** The built-in provider with this id, or undefined. */
export function builtinProvider(id: string): BuiltinProvider | undefined {
  return BUILTIN_PROVIDERS.find((b) => b.id === id);
}
