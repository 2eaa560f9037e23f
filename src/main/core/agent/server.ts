/**
 * The token agent's server: serves the credential core over a local socket (protocol.ts) until
 * closed. The desktop app and `osmen-cred agent` both start it with startTokenAgent().
 *
 * The socket is created 0600 (and its folder is the 0700 data folder by default). A socket file
 * left by an agent that died is replaced; one that answers is not (AgentRunningError, exit 75).
 * Probing and replacing happen under a lock file, so two agents starting together cannot both
 * decide the socket is stale and unlink each other's.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { withFileLockAsync } from '../fs/file-lock.js';
import { ensurePrivateDir } from '../fs/private-files.js';
import { EXIT } from '../exit-codes.js';
import { AgentConnection, DEFAULT_IDLE_TIMEOUT_MS } from './connection.js';
import { AgentRequestHandler, type AgentBackend } from './handler.js';
import { peerContext } from './peer/peer-context.js';
import { processSource } from '../consent/platform.js';
import type { HandoffConsent } from '../contracts/consent.js';
import { AGENT_ERROR } from './protocol.js';
import { defaultAgentSocketPath } from './socket-path.js';
import { wireError } from './wire-error.js';
import { codedErrorClass } from '../errors.js';

export interface TokenAgentOptions {
  /** Default `<home>/agent.sock`. */
  socketPath?: string;
  /** The data folder (for the default socket path). */
  home: string;
  /** Pending connections the kernel queues before accept(); large enough for 500 at once. */
  backlog?: number;
  /** The headless agent's stderr line for each refused program (at most one a minute per program and account). */
  notice?(line: string): void;
  /** A connection that sends no complete line for this long (and is owed no answer) is closed. Default 60 s. */
  idleTimeoutMs?: number;
  /** Connections open at once; the next one gets a `too_many_connections` answer and is closed. Default 1,024. */
  maxConnections?: number;
}

/** The core as the agent uses it: answers, and consent (the decision, the program behind a pid, the records). */
export interface AgentCore extends AgentBackend {
  readonly consent: Pick<HandoffConsent, 'handoff' | 'recordRefusal' | 'identify' | 'startRecording' | 'flush'>;
}

export interface AgentLimits {
  idleTimeoutMs: number;
  maxConnections: number;
}

export interface TokenAgent {
  readonly path: string;
  /** Connections open now. */
  readonly connections: number;
  /** Bytes of unfinished request lines held, over every connection (each at most 64 KiB). */
  readonly bufferedBytes: number;
  /** The limits in force. */
  readonly limits: AgentLimits;
  /** Stops accepting, answers what was asked (a refresh in flight is finished and saved), flushes the counts. */
  close(): Promise<void>;
}

/** An agent already running is temporary (exit 75); a path in the way is configuration (78). */
export class AgentSocketError extends codedErrorClass('AgentSocketError', {
  AGENT_RUNNING: 'transient',
  AGENT_SOCKET_IN_USE: 'configuration',
  AGENT_SOCKET_PATH_TOO_LONG: 'configuration',
}) {}

export const DEFAULT_BACKLOG = 1024;
export const DEFAULT_MAX_CONNECTIONS = 1024;

/** The one line a connection past the limit gets before it is closed. */
function tooManyConnections(max: number): string {
  const error = wireError(
    AGENT_ERROR.TOO_MANY_CONNECTIONS,
    `The agent already has ${max} connections open; try again in a moment.`,
    EXIT.TEMPFAIL,
    1,
  );
  return `${JSON.stringify({ id: null, ok: false, error })}\n`;
}
const CLOSE_GRACE_MS = 5_000;
const isWindows = process.platform === 'win32';

/** Resolves to 'live' when something accepts a connection at `path`, else the connect error code. */
function probe(path: string): Promise<'live' | string> {
  return new Promise((resolve) => {
    const s: Socket = createConnection({ path });
    const timer = setTimeout(() => {
      s.destroy();
      resolve('live'); // accepted but silent, or a full backlog: someone is there
    }, 2_000);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('live');
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code ?? 'EUNKNOWN');
    });
  });
}

function listen(server: Server, path: string, backlog: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    // The socket must be 0600 from its first moment: bind happens inside listen(), under this umask.
    const old = isWindows ? null : process.umask(0o177);
    try {
      server.listen({ path, backlog }, () => {
        server.off('error', onError);
        resolve();
      });
    } finally {
      if (old !== null) process.umask(old);
    }
  });
}

async function claimSocket(server: Server, path: string, backlog: number): Promise<void> {
  if (isWindows) {
    try {
      await listen(server, path, backlog);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new AgentSocketError('AGENT_RUNNING', `An agent is already running on ${path}.`);
      }
      throw err;
    }
    return;
  }
  await withFileLockAsync(
    `${path}.lock`,
    async () => {
      let stat;
      try {
        stat = lstatSync(path);
      } catch {
        stat = null;
      }
      if (stat) {
        if (!stat.isSocket()) {
          throw new AgentSocketError('AGENT_SOCKET_IN_USE', `${path} exists and is not a socket; remove it or choose another --socket.`);
        }
        const state = await probe(path);
        if (state === 'live') throw new AgentSocketError('AGENT_RUNNING', `An agent is already running on ${path}.`);
        // ECONNREFUSED: nobody listens (the agent died); its socket file is ours to replace.
        if (state === 'ECONNREFUSED') unlinkSync(path);
      }
      await listen(server, path, backlog);
      chmodSync(path, 0o600);
    },
    { timeoutMs: 10_000, activity: 'starting a token agent' },
  );
}

/** sun_path holds 108 bytes on Linux, 104 on macOS and the BSDs (with the terminating NUL). */
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

export async function startTokenAgent(backend: AgentCore, options: TokenAgentOptions): Promise<TokenAgent> {
  const path = options.socketPath ?? defaultAgentSocketPath(options.home);
  if (!isWindows && Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new AgentSocketError(
      'AGENT_SOCKET_PATH_TOO_LONG',
      `The socket path ${path} is longer than this system allows (${MAX_SOCKET_PATH_BYTES} bytes); choose a shorter one with --socket.`,
    );
  }
  if (!options.socketPath && !isWindows) ensurePrivateDir(dirname(path));
  const handler = new AgentRequestHandler(backend, { notice: options.notice });
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  const peerDeps = { identify: (pid: number) => backend.consent.identify(pid), source: processSource(), uid };
  const connections = new Set<AgentConnection>();
  let working = 0;
  let settled: (() => void) | null = null;
  const checkSettled = () => {
    if (settled && working === 0) settled();
  };
  // Count work across connections, including that of clients that went away: it still finishes.
  const handle = (line: Buffer, peer: ReturnType<typeof peerContext>): string | Promise<string> => {
    const answer = handler.handle(line, peer);
    if (typeof answer === 'string') return answer;
    working++;
    return answer.finally(() => {
      working--;
      checkSettled();
    });
  };

  const limits: AgentLimits = {
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
  };
  const refusal = tooManyConnections(limits.maxConnections);
  const server = createServer((socket) => {
    if (connections.size >= limits.maxConnections) {
      // Polite and bounded: one short line (it fits the socket's buffer), then gone.
      socket.on('error', () => undefined);
      socket.end(refusal, () => socket.destroy());
      return;
    }
    // Who is asking, once per connection: the kernel's word for the peer, then the program.
    const peer = peerContext(socket, peerDeps);
    const conn = new AgentConnection(socket, (line) => handle(line, peer), { idleTimeoutMs: limits.idleTimeoutMs });
    connections.add(conn);
    socket.once('close', () => connections.delete(conn));
  });
  // Accept errors (EMFILE…) must not take the agent down; the client sees its connect fail.
  server.on('error', () => undefined);
  await claimSocket(server, path, options.backlog ?? DEFAULT_BACKLOG);
  backend.consent.startRecording();

  let closing: Promise<void> | null = null;
  return {
    path,
    get connections() {
      return connections.size;
    },
    get bufferedBytes() {
      let n = 0;
      for (const c of connections) n += c.bufferedBytes;
      return n;
    },
    limits,
    close() {
      closing ??= (async () => {
        handler.stopping = true;
        const closed = new Promise<void>((r) => server.close(() => r()));
        for (const c of connections) c.shutdown();
        await new Promise<void>((resolve) => {
          settled = resolve;
          checkSettled();
        });
        // Answers are written; a client that does not read them gets a short grace, then is cut off.
        let grace: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([closed, new Promise<void>((r) => (grace = setTimeout(r, CLOSE_GRACE_MS)))]);
        clearTimeout(grace);
        for (const c of connections) c.destroy();
        await closed;
        backend.consent.flush();
      })();
      return closing;
    },
  };
}
