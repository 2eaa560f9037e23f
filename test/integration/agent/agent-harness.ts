/**
 * Real processes for the token agent tests: `osmen-cred agent` started through the launcher
 * (sources, as the other CLI tests), raw socket clients that send exact bytes, and a vault
 * with accounts connected through a real OpenID Provider.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { BIN } from '../cli/run-cli.js';

export interface AgentProcess {
  proc: ChildProcess;
  path: string;
  stderr(): string;
  /** Resolves with the exit code (or 128+n when killed by a signal). */
  exited: Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Starts `osmen-cred agent` and waits for its OSMEN_AGENT_SOCK line (or its exit). */
export function startAgent(env: NodeJS.ProcessEnv, args: string[] = []): Promise<AgentProcess> {
  const proc = spawn(process.execPath, [BIN, 'agent', ...args], {
    env: { ...env, OSMEN_CLI_SOURCE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number>((resolve) =>
    proc.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : signal === 'SIGTERM' ? 143 : 128))),
  );
  return new Promise((resolve, reject) => {
    proc.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /^OSMEN_AGENT_SOCK=(.+)$/m.exec(err);
      if (m) {
        resolve({
          proc,
          path: m[1]!,
          stderr: () => err,
          exited,
          stop: (signal = 'SIGTERM') => {
            proc.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(Object.assign(new Error(`agent exited ${code} before listening: ${err}`), { code, stderr: err })));
  });
}

/** Runs `osmen-cred agent` expecting it to refuse to start; resolves with its exit code and stderr. */
export function agentRefusal(env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ code: number; stderr: string }> {
  return startAgent(env, args).then(
    async (a) => {
      await a.stop('SIGKILL');
      throw new Error('the agent started');
    },
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
}

/** A client that writes raw bytes and collects answer lines. */
export class RawClient {
  readonly socket: Socket;
  readonly lines: string[] = [];
  private buf = '';
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((r) =>
      socket.on('close', () => {
        for (const w of this.waiters.splice(0)) w();
        r();
      }),
    );
    socket.on('error', () => undefined);
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ path });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Waits until `n` answer lines arrived (rejects when the connection closes first). */
  async waitFor(n: number): Promise<Array<Record<string, any>>> {
    while (this.lines.length < n) {
      if (this.socket.destroyed || this.socket.readableEnded)
        throw new Error(`connection closed after ${this.lines.length} of ${n} answers`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return this.lines.slice(0, n).map((l) => JSON.parse(l) as Record<string, any>);
  }

  async ask(request: Record<string, unknown>): Promise<Record<string, any>> {
    const before = this.lines.length;
    this.send(`${JSON.stringify(request)}\n`);
    return (await this.waitFor(before + 1))[before]!;
  }

  close(): void {
    this.socket.destroy();
  }
}
