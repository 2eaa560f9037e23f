/**
 * Where the token agent listens. Imports only the data folder's names, so the one-shot CLI
 * client can find the socket without loading the vault.
 */
import { dataFolder } from '../data-folder.js';

/** Environment variable naming the agent's socket (the agent prints it as `OSMEN_AGENT_SOCK=<path>`). */
export const AGENT_SOCKET_ENV = 'OSMEN_AGENT_SOCK';

/**
 * `<data folder>/agent.sock`. On Windows a named pipe named after that path (a pipe name may
 * contain any character except a backslash).
 */
export function defaultAgentSocketPath(home: string, platform: NodeJS.Platform = process.platform): string {
  const path = dataFolder(home).agentSocket;
  return platform === 'win32' ? `\\\\.\\pipe\\${path.replace(/\\/g, '/')}` : path;
}
