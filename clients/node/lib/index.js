// @osmen/agent-client: tokens from the OsMEN token agent over one persistent connection.
import { AgentClient } from './client.js';

export { AccessToken } from './access-token.js';
export { AgentClient, DEFAULT_TIMEOUT_MS } from './client.js';
export {
  AgentError,
  AgentUnavailableError,
  ConfigurationError,
  NeedsReauthError,
  NotFoundError,
  NotPermittedError,
  TemporaryError,
  UsageError,
  errorFromWire,
} from './errors.js';
export { checkAgentSocket } from './socket-check.js';
export { agentSocketPath } from './socket-path.js';

/** @type {AgentClient | null} */
let shared = null;

/**
 * The client getAccessToken() uses: made on first use from the environment (OSMEN_AGENT_SOCK,
 * OSMEN_HOME, OSMEN_AGENT_KEY), one connection for the whole program.
 * @returns {AgentClient}
 */
export function defaultClient() {
  if (!shared || shared.closed) shared = new AgentClient();
  return shared;
}

/**
 * A valid access token for the account from the agent, over the program's one shared connection.
 * @param {string} provider
 * @param {string} user
 * @param {{ minTtl?: number, scopes?: readonly string[], timeoutMs?: number }} [options]
 */
export function getAccessToken(provider, user, options) {
  return defaultClient().getAccessToken(provider, user, options);
}
