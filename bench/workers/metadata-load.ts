/**
 * Bench child: Google metadata token requests against `osmen-cred serve --sdk google` over ONE
 * kept-alive HTTP/1.1 connection, from another process. A lean client (one write per request,
 * the answer read by its Content-Length), like the agent's load worker, so the figure is the
 * endpoint's and not an HTTP library's. Env: BENCH_PORT. IPC: {n} -> {lat (µs), failed}.
 */
import { createConnection, type Socket } from 'node:net';

const port = Number(process.env.BENCH_PORT);
const request =
  `GET /computeMetadata/v1/instance/service-accounts/default/token HTTP/1.1\r\n` +
  `Host: 127.0.0.1:${port}\r\nMetadata-Flavor: Google\r\nConnection: keep-alive\r\n\r\n`;

class HttpConn {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((answer: { status: number; body: string }) => void) | null = null;
  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.drain();
    });
  }
  private drain(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiting) return;
    const head = this.buf.subarray(0, end).toString('latin1');
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buf.length < end + 4 + length) return;
    const body = this.buf.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buf = this.buf.subarray(end + 4 + length);
    const w = this.waiting;
    this.waiting = null;
    w({ status: Number(head.slice(9, 12)), body });
  }
  static open(): Promise<HttpConn> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.setNoDelay(true);
      s.once('connect', () => resolve(new HttpConn(s)));
      s.once('error', reject);
    });
  }
  ask(): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(request);
    });
  }
}

async function one(n: number) {
  const c = await HttpConn.open();
  for (let i = 0; i < 2_000; i++) await c.ask(); // warm-up
  const lat = new Float64Array(n);
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const a = await c.ask();
    lat[i] = Number(process.hrtime.bigint() - t0) / 1000;
    if (a.status !== 200 || !a.body.includes('"access_token"')) failed++;
  }
  c.socket.destroy();
  return { lat: Array.from(lat), failed };
}

process.on('message', (m: { n: number }) => {
  void one(m.n).then(
    (r) => process.send!(r),
    (err) => process.send!({ error: String(err) }),
  );
});
process.send!({ ready: true });
