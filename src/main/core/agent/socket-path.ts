/**
 * Where the token agent listens. Imports only node:path, so the one-shot CLI client can find
 * the socket without loading the vault.
 */
import { join } from 'node:path';

export const AGENT_SOCKET_NAME = 'agent.sock';
/** Environment variable naming the agent's socket (the agent prints it as `OSMEN_AGENT_SOCK=<path>`). */
export const AGENT_SOCKET_ENV = 'OSMEN_AGENT_SOCK';

/**
 * `<data folder>/agent.sock`. On Windows a named pipe named after that path (a pipe name may
 * contain any character except a backslash).
 */
export function defaultAgentSocketPath(home: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return `\\\\.\\pipe\\${join(home, AGENT_SOCKET_NAME).replace(/\\/g, '/')}`;
  return join(home, AGENT_SOCKET_NAME);
}
