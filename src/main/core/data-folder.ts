/**
 * The data folder (OSMEN_HOME, else ~/.osmen) and the names of what lives in it, written once:
 * every module that opens one of these files asks dataFolder(home) for its path. Imports only
 * node:os and node:path, so the one-shot CLI client can find the agent's socket with it.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface DataFolder {
  home: string;
  /** The vault (SQLite): tokens, named secrets, refresh leases, the log's anchor. */
  db: string;
  /** The security log; its rotated files, head record and lock sit beside it. */
  log: string;
  /** Preferences, signed custom providers and client entries. */
  settings: string;
  /** Client registrations for the built-in providers (never the master key). */
  env: string;
  /** The token agent's socket on POSIX (Windows uses a named pipe named after it). */
  agentSocket: string;
  /** Held while a master key is made or a vault is given its id. */
  keyLock: string;
}

/** The data folder: OSMEN_HOME, else ~/.osmen. Everything private lives under it. */
export function osmenHome(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.OSMEN_HOME?.trim();
  return override ? override : join(homedir(), '.osmen');
}

export function dataFolder(home: string): DataFolder {
  return {
    home,
    db: join(home, 'tokens.db'),
    log: join(home, 'security.log'),
    settings: join(home, 'settings.json'),
    env: join(home, '.env'),
    agentSocket: join(home, 'agent.sock'),
    keyLock: join(home, '.master-key.lock'),
  };
}
