import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Loads a .env file for development: values already in the environment win,
 * so a shell export or CI secret is never overridden by a stale file.
 * Returns the names it set (never the values).
 */
export function loadEnvFile(path: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!existsSync(path)) return [];
  const parsed = parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
  const set: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (env[name] === undefined && value !== '') {
      env[name] = value;
      set.push(name);
    }
  }
  return set;
}
