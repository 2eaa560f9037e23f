// Where the agent listens: what `osmen-cred agent` and the desktop app use by default
// (src/main/core/agent/socket-path.ts in the app), unless OSMEN_AGENT_SOCK names another socket.
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

/**
 * `$OSMEN_AGENT_SOCK`, else `<OSMEN_HOME or ~/.osmen>/agent.sock`; on Windows the named pipe
 * named after that path (`\\.\pipe\C:/Users/me/.osmen/agent.sock`).
 * @param {Record<string, string | undefined>} [env]
 * @param {string} [platform]
 * @returns {string}
 */
export function agentSocketPath(env = process.env, platform = process.platform) {
  const explicit = env.OSMEN_AGENT_SOCK?.trim();
  if (explicit) return explicit;
  const windows = platform === 'win32';
  const path = windows ? win32 : posix;
  const home = env.OSMEN_HOME?.trim() || path.join(homedir(), '.osmen');
  const socket = path.join(home, 'agent.sock');
  return windows ? `\\\\.\\pipe\\${socket.replace(/\\/g, '/')}` : socket;
}
