/**
 * A client for the token agent. Imports only node:net (and the import-free protocol and socket
 * check modules), so `osmen-cred token` can ask a running agent without loading SQLite,
 * openid-client, zod or the keychain: the whole point of the agent is a cheap answer.
 *
 * Every socket is checked before anything is sent to it (socket-check.ts): one that another user
 * could have planted is refused with AGENT_SOCKET_UNSAFE, and the caller must not fall back to
 * the vault either (the refusal is the answer).
 */
import { createConnection, type Socket } from 'node:net';
import type { AgentRequest } from './protocol.js';
import { checkAgentSocket } from './socket-check.js';
import { codedErrorClass } from '../errors.js';

/** An answer line, parsed (the fields depend on the method; see protocol.ts). */
export type AgentAnswer = { id: unknown; ok: boolean } & Record<string, unknown>;

/** No agent answered: ENOENT / ECONNREFUSED / … (no agent there), AGENT_GONE (it closed without answering), AGENT_TIMEOUT, AGENT_PROTOCOL. */
export class AgentClientError extends codedErrorClass<string>('AgentClientError', () => 'transient') {}

/** A socket that is not ours and private (owner, mode, folder): nothing was sent to it. Exit 78. */
export class AgentSocketUnsafeError extends codedErrorClass('AgentSocketUnsafeError', { AGENT_SOCKET_UNSAFE: 'configuration' }) {
  constructor(message: string) {
    super('AGENT_SOCKET_UNSAFE', message);
  }
}

/** Throws AgentSocketUnsafeError for an unsafe socket; false when there is nothing at `path`. */
export function agentSocketPresent(path: string): boolean {
  const check = checkAgentSocket(path);
  if (check.state === 'unsafe') throw new AgentSocketUnsafeError(check.reason);
  return check.state === 'safe';
}

/** Answers can be large (`list` of many accounts); this only stops a runaway peer. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

interface Waiter {
  resolve(a: AgentAnswer): void;
  reject(e: Error): void;
}

export class AgentClient {
  private readonly socket: Socket;
  private readonly waiting: Waiter[] = [];
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private failure: AgentClientError | null = null;
  private nextId = 1;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.fail(new AgentClientError(err.code ?? 'AGENT_GONE', `agent connection failed: ${err.code ?? err.message}`)),
    );
    socket.on('close', () => this.fail(new AgentClientError('AGENT_GONE', 'the agent closed the connection without answering')));
  }

  /**
   * Checks the socket, then connects; rejects with AgentSocketUnsafeError for a socket that is not
   * ours and private, with the socket error's code (ENOENT, ECONNREFUSED…) when no agent is there.
   */
  static connect(path: string, timeoutMs = 2_000): Promise<AgentClient> {
    return new Promise((resolve, reject) => {
      try {
        agentSocketPresent(path);
      } catch (err) {
        return reject(err as Error);
      }
      const socket = createConnection({ path });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new AgentClientError('AGENT_TIMEOUT', 'the agent did not accept the connection in time'));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new AgentClient(socket));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new AgentClientError(err.code ?? 'ECONNREFUSED', `no agent at ${path} (${err.code ?? err.message})`));
      });
    });
  }

  /** Sends one request; answers come back in request order. Rejects when the agent goes away or times out. */
  request(req: AgentRequest, timeoutMs = 130_000): Promise<AgentAnswer> {
    if (this.failure) return Promise.reject(this.failure);
    const line = `${JSON.stringify({ id: this.nextId++, ...req })}\n`;
    return new Promise<AgentAnswer>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new AgentClientError('AGENT_TIMEOUT', 'the agent did not answer in time')), timeoutMs);
      timer.unref();
      this.waiting.push({
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.write(line);
    });
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private fail(err: AgentClientError): void {
    this.failure ??= err;
    this.socket.destroy();
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }

  private onData(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        if (start < chunk.length) {
          this.buffered.push(chunk.subarray(start));
          this.bufferedBytes += chunk.length - start;
          if (this.bufferedBytes > MAX_ANSWER_BYTES) this.fail(new AgentClientError('AGENT_PROTOCOL', 'answer too long'));
        }
        return;
      }
      let line = chunk.subarray(start, nl);
      if (this.bufferedBytes > 0) {
        this.buffered.push(line);
        line = Buffer.concat(this.buffered);
        this.buffered = [];
        this.bufferedBytes = 0;
      }
      start = nl + 1;
      let answer: AgentAnswer;
      try {
        answer = JSON.parse(line.toString('utf8')) as AgentAnswer;
      } catch {
        return this.fail(new AgentClientError('AGENT_PROTOCOL', 'the agent sent a line that is not JSON'));
      }
      const w = this.waiting.shift();
      // An answer nobody asked for (the agent's final error before closing): keep it as the failure.
      if (!w) {
        this.failure ??= new AgentClientError('AGENT_PROTOCOL', 'unexpected answer from the agent');
        continue;
      }
      if (typeof answer !== 'object' || answer === null)
        w.reject(new AgentClientError('AGENT_PROTOCOL', 'the agent sent an answer that is not an object'));
      else w.resolve(answer);
    }
  }
}

/**
 * Asks the first agent that answers among `paths`; null when none does (no socket, nobody
 * listening, or the agent went away before answering). An agent's error answer is an answer.
 * Throws AgentSocketUnsafeError at the first socket that fails the check, without trying the
 * ones after it: whoever set `OSMEN_AGENT_SOCK` should hear that it points somewhere unsafe.
 */
export async function askAgent(
  paths: string[],
  req: AgentRequest,
  timeoutMs?: number,
): Promise<{ path: string; answer: AgentAnswer } | null> {
  for (const path of paths) {
    if (!agentSocketPresent(path)) continue;
    let client: AgentClient;
    try {
      client = await AgentClient.connect(path);
    } catch (err) {
      if (err instanceof AgentSocketUnsafeError) throw err;
      continue;
    }
    try {
      return { path, answer: await client.request(req, timeoutMs) };
    } catch {
      continue;
    } finally {
      client.close();
    }
  }
  return null;
}
