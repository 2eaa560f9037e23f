/**
 * Bench child: load for the token agent from another process (so the agent and the load do not
 * share an event loop). A lean client: one write per request, answers split on newlines.
 * Env: BENCH_SOCK, BENCH_PROVIDER, BENCH_USERS. Answers IPC messages:
 *   {mode:'one', n}                  sequential requests on one connection -> latencies
 *   {mode:'many', conns, perConn}    conns connections, each perConn sequential requests, all at once
 *   {mode:'accept', conns}           conns connections opened at once, each pings once
 *   {mode:'first', n, method}        n times in a row: a new connection, one request (`token`, or
 *                                    `ping` for the floor), close: connect-to-answer latencies
 *   {mode:'client', n, rounds}       the Node client library (clients/node) on its persistent
 *                                    connection, interleaved with the raw client above in the same
 *                                    process: rounds x (n raw, n library) sequential requests
 */
import { createConnection, type Socket } from 'node:net';
import { AgentClient } from '../../clients/node/index.js';

const sock = process.env.BENCH_SOCK!;
const provider = process.env.BENCH_PROVIDER!;
const users = Number(process.env.BENCH_USERS);
const userOf = (i: number) => `user${i}@bench.example`;

class Conn {
  private buf = '';
  private waiting: Array<(line: string) => void> = [];
  constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      let nl;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        this.waiting.shift()?.(line);
      }
    });
  }
  static open(): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ path: sock });
      s.once('connect', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }
  ask(line: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(line);
    });
  }
}

let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const tokenLine = (id: number) =>
  `{"id":${id},"method":"token","provider":"${provider}","user":"${userOf(Math.floor(rand() * users))}","client":"bench"}\n`;

async function one(n: number) {
  const c = await Conn.open();
  for (let i = 0; i < 2_000; i++) await c.ask(tokenLine(i)); // warm-up
  const lat = new Float64Array(n);
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const a = await c.ask(tokenLine(i));
    lat[i] = Number(process.hrtime.bigint() - t0) / 1000;
    if (!a.includes('"ok":true')) failed++;
  }
  c.socket.destroy();
  return { lat: Array.from(lat), failed };
}

async function many(conns: number, perConn: number) {
  const cs = await Promise.all(Array.from({ length: conns }, () => Conn.open()));
  const cpu0 = process.cpuUsage();
  const lat: number[] = [];
  let failed = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    cs.map(async (c) => {
      for (let i = 0; i < perConn; i++) {
        const s = process.hrtime.bigint();
        const a = await c.ask(tokenLine(i));
        lat.push(Number(process.hrtime.bigint() - s) / 1000);
        if (!a.includes('"ok":true')) failed++;
      }
    }),
  );
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  for (const c of cs) c.socket.destroy();
  const cpu = process.cpuUsage(cpu0);
  return { lat, failed, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Sequential requests through the client library against the raw client, same accounts, same process, alternating blocks. */
async function client(n: number, rounds: number) {
  const raw = await Conn.open();
  const lib = new AgentClient({ socketPath: sock, clientName: 'bench', env: {} });
  const pick = () => userOf(Math.floor(rand() * users));
  for (let i = 0; i < 2_000; i++) {
    await raw.ask(tokenLine(i));
    await lib.getAccessToken(provider, pick());
  }
  const rawLat: number[] = [];
  const libLat: number[] = [];
  let failed = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      const a = await raw.ask(tokenLine(i));
      rawLat.push(Number(process.hrtime.bigint() - t0) / 1000);
      if (!a.includes('"ok":true')) failed++;
    }
    for (let i = 0; i < n; i++) {
      const user = pick();
      const t0 = process.hrtime.bigint();
      const t = await lib.getAccessToken(provider, user);
      libLat.push(Number(process.hrtime.bigint() - t0) / 1000);
      if (!t.accessToken) failed++;
    }
  }
  raw.socket.destroy();
  lib.close();
  return { raw: rawLat, lib: libLat, failed };
}

/** A new connection per request: what a one-shot program pays, the agent's peer identification included. */
async function first(n: number, method: 'token' | 'ping') {
  const line = (i: number) => (method === 'ping' ? `{"id":${i},"method":"ping"}\n` : tokenLine(i));
  const lat: number[] = [];
  let failed = 0;
  for (let i = 0; i < n + 200; i++) {
    const t0 = process.hrtime.bigint();
    const c = await Conn.open();
    const a = await c.ask(line(i));
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    c.socket.destroy();
    if (i >= 200) lat.push(us); // the first 200 warm up
    if (!a.includes('"ok":true')) failed++;
  }
  return { lat, failed };
}

async function accept(conns: number) {
  const opened = await Promise.allSettled(Array.from({ length: conns }, () => Conn.open()));
  const cs = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const errors = opened.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as NodeJS.ErrnoException).code)] : []));
  const answers = await Promise.all(cs.map((c, i) => c.ask(`{"id":${i},"method":"ping"}\n`)));
  const answered = answers.filter((a) => a.includes('"ok":true')).length;
  for (const c of cs) c.socket.destroy();
  return { connected: cs.length, answered, errors: [...new Set(errors)] };
}

process.on('message', (m: { mode: string; n?: number; conns?: number; perConn?: number; rounds?: number; method?: 'token' | 'ping' }) => {
  const job =
    m.mode === 'first'
      ? first(m.n!, m.method ?? 'token')
      : m.mode === 'one'
        ? one(m.n!)
        : m.mode === 'many'
          ? many(m.conns!, m.perConn!)
          : m.mode === 'client'
            ? client(m.n!, m.rounds!)
            : accept(m.conns!);
  void job.then(
    (r) => process.send!(r),
    (err) => process.send!({ error: String(err) }),
  );
});
process.send!({ ready: true });
