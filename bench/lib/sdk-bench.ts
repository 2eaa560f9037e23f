/**
 * The SDK endpoint row of `npm run bench`: `osmen-cred serve --sdk google` (the built bundle) on
 * the agent's 1,000-account vault, token requests over one kept-alive HTTP connection from
 * another process, measured in the same run as the agent socket's row beside it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BENCH_PROVIDER } from './populate.js';
import { dist, fmtUs } from './stats.js';
import type { AgentBenchContext } from './bench-context.js';

function startServe(bundle: string, env: NodeJS.ProcessEnv, user: string): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, [bundle, 'serve', '--sdk', 'google', '--account', `${BENCH_PROVIDER}:${user}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /GCE_METADATA_HOST=127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ proc, port: Number(m[1]) });
    });
    proc.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

export async function benchMetadataEndpoint(ctx: AgentBenchContext, bundle: string, env: NodeJS.ProcessEnv, user: string): Promise<void> {
  const serve = await startServe(bundle, env, user);
  let worker: ChildProcess | null = null;
  try {
    worker = ctx.child('workers/metadata-load.ts', { BENCH_PORT: String(serve.port) });
    await ctx.nextMessage(worker);
    const answer = ctx.nextMessage<{ lat: number[]; failed: number; error?: string }>(worker, 300_000);
    worker.send({ n: 20_000 });
    const r = await answer;
    if (r.error) throw new Error(r.error);
    const d = dist(r.lat.map((us) => us * 1000));
    ctx.add({
      what: 'Google metadata endpoint (`serve --sdk google`): one kept-alive HTTP connection, sequential token requests',
      target: 'p50 <= 300 µs',
      measured: `p50 ${fmtUs(d.p50)}, p99 ${fmtUs(d.p99)}`,
      notes: `20,000 requests after 2,000 warm-up, client in another process; one account of the agent row's vault; ${r.failed} failed; compare the agent row above (same run)`,
    });
  } finally {
    worker?.kill();
    serve.proc.kill('SIGTERM');
    await new Promise((res) => (serve.proc.exitCode === null ? serve.proc.once('exit', res) : res(null)));
  }
}
