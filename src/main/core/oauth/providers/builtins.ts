/** The built-in providers, one file each. Adding one means adding its file here. */
import type { BuiltinProvider } from './builtin.js';
import { google } from './google.js';
import { microsoft } from './microsoft.js';

export const BUILTIN_PROVIDERS: readonly BuiltinProvider[] = [google, microsoft];

export function isBuiltinProviderId(id: string): boolean {
  return BUILTIN_PROVIDERS.some((b) => b.id === id);
}
