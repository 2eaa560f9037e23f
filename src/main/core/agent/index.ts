/** The token agent: protocol, server (app and `osmen-cred agent`), client, status. */
export * from './protocol.js';
export { defaultAgentSocketPath, AGENT_SOCKET_ENV, AGENT_SOCKET_NAME } from './socket-path.js';
export { startTokenAgent, AgentSocketError, DEFAULT_BACKLOG, type AgentCore, type TokenAgent, type TokenAgentOptions } from './server.js';
export { AgentService, type AgentServiceOptions } from './service.js';
export { AgentRequestHandler, AGENT_PROTOCOL_VERSION, type AgentBackend } from './handler.js';
export { HandoffRecorder, HANDOFF_EVENT, REFUSAL_EVENT, RECORD_INTERVAL_MS } from '../consent/handoff-recorder.js';
export { readPeerCredentials, type PeerCredentials } from './peer/peer-credentials.js';
export { statusReport, accountStatus } from './account-status.js';
export { AgentClient, AgentClientError, askAgent, type AgentAnswer } from './client.js';
export { toWireError } from './wire-error.js';
