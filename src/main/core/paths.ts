import { homedir } from 'node:os';
import { join } from 'node:path';

/** The data folder: OSMEN_HOME, else ~/.osmen. Everything private lives under it. */
export function osmenHome(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.OSMEN_HOME?.trim();
  return override ? override : join(homedir(), '.osmen');
}

export function defaultDbPath(home = osmenHome()): string {
  return join(home, 'tokens.db');
}

export function defaultLogPath(home = osmenHome()): string {
  return join(home, 'security.log');
}
