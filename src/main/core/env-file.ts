import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { BUILTIN_PROVIDERS } from './oauth/providers/builtins.js';

/**
 * The variables a .env file may set: the OAuth client registrations the README documents.
 * Nothing else is taken from a file. A .env in the data folder is writable by whoever can
 * write that folder (a synced folder, a restored backup), and anything loaded into the
 * environment reaches every child process: `GIT_CONFIG_COUNT/KEY/VALUE` there once ran a
 * command during `osmen-cred check`.
 */
export const CLIENT_ENV_NAMES: readonly string[] = BUILTIN_PROVIDERS.flatMap((b) => [
  b.env.clientId,
  b.env.clientSecret,
  ...(b.env.extra ?? []),
]);

export interface EnvFileRead {
  /** Allowed variables with a non-empty value. */
  values: Record<string, string>;
  /** Names present in the file but not allowed (never their values). */
  ignored: string[];
  /** The file can be read by other users (group/other permission bits). */
  exposed: boolean;
  found: boolean;
}

/** Reads a .env file, keeping only `allow`-ed names. Never touches process.env. */
export function readEnvFile(path: string, allow: readonly string[] = CLIENT_ENV_NAMES): EnvFileRead {
  if (!existsSync(path)) return { values: {}, ignored: [], exposed: false, found: false };
  const parsed = parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
  const allowed = new Set(allow);
  const values: Record<string, string> = {};
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (!allowed.has(name)) ignored.push(name);
    else if (value !== '') values[name] = value;
  }
  const exposed = process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0;
  return { values, ignored, exposed, found: true };
}

/**
 * Loads a .env file into `env` for development (the project's .env): only `allow`-ed names,
 * and values already in the environment win, so a shell export or CI secret is never
 * overridden by a stale file. Returns the names it set and the names it ignored (never values).
 */
export function loadEnvFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  allow: readonly string[] = CLIENT_ENV_NAMES,
): { set: string[]; ignored: string[] } {
  const read = readEnvFile(path, allow);
  const set: string[] = [];
  for (const [name, value] of Object.entries(read.values)) {
    if (env[name] === undefined) {
      env[name] = value;
      set.push(name);
    }
  }
  return { set, ignored: read.ignored };
}

/** A loaded .env's findings for the health report. */
export function envFileChecks(
  path: string,
  read: EnvFileRead,
): Array<{ id: string; title: string; status: 'warn' | 'fail'; message: string; fix: string }> {
  const checks = [];
  if (read.ignored.length > 0) {
    checks.push({
      id: 'env-file-ignored',
      title: 'Variables ignored in .env',
      status: 'warn' as const,
      message: `${path} sets ${read.ignored.length} variable(s) that are not OAuth client settings (${read.ignored.slice(0, 8).join(', ')}${read.ignored.length > 8 ? ', …' : ''}); they were not loaded.`,
      fix: `Only ${CLIENT_ENV_NAMES.join(', ')} are read from this file. Remove the others; set anything else in the environment of the program that needs it.`,
    });
  }
  if (read.exposed) {
    checks.push({
      id: 'env-file-permissions',
      title: '.env permissions',
      status: 'warn' as const,
      message: `${path} can be read by other users of this computer, and it may hold client secrets.`,
      fix: `chmod 600 "${path}"`,
    });
  }
  return checks;
}
