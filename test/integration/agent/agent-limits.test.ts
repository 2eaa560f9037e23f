/**
 * The agent's limits on real sockets: connections that send no complete line are closed after
 * the idle limit (injected short here; the default is read, not waited for), connections past the
 * cap get one `too_many_connections` line and are closed while earlier ones keep working, and
 * what the agent holds per connection is its unfinished line, bounded by 64 KiB.
 */
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_LINE_BYTES } from '../../../src/main/core/agent/protocol.js';
import { DEFAULT_MAX_CONNECTIONS, startTokenAgent, type TokenAgent } from '../../../src/main/core/agent/server.js';
import { createCredentialCore, type CredentialCore } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { makeTmpHome } from '../../helpers/tmp.js';

let home: ReturnType<typeof makeTmpHome>;
let core: CredentialCore;

beforeAll(async () => {
  home = makeTmpHome('osmen-agent-limits-');
  core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: {} });
});

afterAll(async () => {
  await core.close();
  home.cleanup();
});

interface Conn {
  socket: Socket;
  lines: string[];
  closed: Promise<void>;
  /** Resolves with the next answer line. */
  next(): Promise<string>;
}

function connect(path: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path });
    const lines: string[] = [];
    let buf = '';
    const waiters: Array<() => void> = [];
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      buf += d;
      for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) lines.push(buf.slice(0, i));
      for (const w of waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    let read = 0;
    const next = () =>
      new Promise<string>((r, j) => {
        const check = () => (read < lines.length ? r(lines[read++]!) : socket.destroyed ? j(new Error('closed')) : waiters.push(check));
        check();
        void closed.then(() => waiters.length && j(new Error('closed before answering')));
      });
    socket.once('connect', () => resolve({ socket, lines, closed, next }));
    socket.once('error', reject);
  });
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 2_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function withAgent(options: { idleTimeoutMs?: number; maxConnections?: number }, fn: (a: TokenAgent) => Promise<void>) {
  const agent = await startTokenAgent(core, {
    home: home.dir,
    socketPath: join(home.dir, `a${Math.random().toString(36).slice(2, 8)}.sock`),
    ...options,
  });
  try {
    await fn(agent);
  } finally {
    await agent.close();
  }
}

const ping = (id: number) => `${JSON.stringify({ id, method: 'ping' })}\n`;

describe('token agent limits', () => {
  it('defaults: 60 s idle, 1,024 connections', async () => {
    await withAgent({}, async (agent) => {
      expect(agent.limits).toEqual({ idleTimeoutMs: 60_000, maxConnections: 1024 });
      expect(DEFAULT_MAX_CONNECTIONS).toBe(1024);
    });
  });

  it('closes half-written and silent connections after the idle limit; a busy one stays; memory is their unfinished lines only', async () => {
    await withAgent({ idleTimeoutMs: 1_500 }, async (agent) => {
      const HALF = 1_000;
      const half = await Promise.all(Array.from({ length: 150 }, () => connect(agent.path)));
      const silent = await Promise.all(Array.from({ length: 50 }, () => connect(agent.path)));
      for (const c of half) c.socket.write(`{"id":1,"method":"ping","pad":"${'x'.repeat(HALF - 30)}`.slice(0, HALF));
      const busy = await connect(agent.path);
      let n = 0;
      busy.socket.write(ping(n++));
      const keepAlive = setInterval(() => busy.socket.write(ping(n++)), 100);
      try {
        await until('every half line buffered', () => agent.bufferedBytes === 150 * HALF);
        await until('every connection accepted', () => agent.connections === 201);
        // Nothing else is held per idle connection: the unfinished lines are all there is.
        await Promise.all([...half, ...silent].map((c) => c.closed));
        expect([...half, ...silent].every((c) => c.lines.length === 0)).toBe(true); // closed without an answer
        await until('the agent to forget them', () => agent.connections === 1);
        expect(agent.bufferedBytes).toBe(0);
        // The connection that kept sending complete lines is open and answering.
        expect(busy.socket.destroyed).toBe(false);
        const before = busy.lines.length;
        await until('another answer', () => busy.lines.length > before);
        expect(JSON.parse(busy.lines.at(-1)!)).toMatchObject({ ok: true, agent: 'osmen-cred' });
      } finally {
        clearInterval(keepAlive);
        busy.socket.destroy();
      }
    });
  });

  it('a line over 64 KiB is refused before it is held: at most 64 KiB per connection', async () => {
    await withAgent({}, async (agent) => {
      const conns = await Promise.all(Array.from({ length: 20 }, () => connect(agent.path)));
      for (const c of conns) c.socket.write('x'.repeat(MAX_REQUEST_LINE_BYTES));
      await until('every connection at the limit', () => agent.bufferedBytes === 20 * MAX_REQUEST_LINE_BYTES);
      for (const c of conns) c.socket.write('y');
      await Promise.all(conns.map((c) => c.closed));
      for (const c of conns) expect(JSON.parse(c.lines[0]!)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      await until('the agent to forget them', () => agent.connections === 0);
      expect(agent.bufferedBytes).toBe(0);
    });
  });

  it('the 1,025th connection gets one polite refusal and is closed; earlier ones still work, and a freed place is taken again', async () => {
    await withAgent({}, async (agent) => {
      const max = agent.limits.maxConnections;
      const open: Conn[] = [];
      for (let i = 0; i < max; i += 128)
        open.push(...(await Promise.all(Array.from({ length: Math.min(128, max - i) }, () => connect(agent.path)))));
      await until('all accepted', () => agent.connections === max);
      try {
        const extra = await connect(agent.path);
        await extra.closed;
        expect(extra.lines).toHaveLength(1);
        const refusal = JSON.parse(extra.lines[0]!);
        expect(refusal).toEqual({
          id: null,
          ok: false,
          error: {
            code: 'too_many_connections',
            message: expect.stringContaining('1024 connections') as string,
            retryAfter: 1,
            exitCode: 75,
          },
        });
        expect(agent.connections).toBe(max);
        // The first and the last accepted ones still answer.
        for (const c of [open[0]!, open[max - 1]!]) {
          c.socket.write(ping(7));
          expect(JSON.parse(await c.next())).toMatchObject({ id: 7, ok: true });
        }
        open.pop()!.socket.destroy();
        await until('a place to free up', () => agent.connections === max - 1);
        const again = await connect(agent.path);
        again.socket.write(ping(8));
        expect(JSON.parse(await again.next())).toMatchObject({ id: 8, ok: true });
        again.socket.destroy();
      } finally {
        for (const c of open) c.socket.destroy();
      }
    });
  });
});
