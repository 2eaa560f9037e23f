/**
 * Bench child: reads random accounts in a loop (getToken = one SELECT plus
 * AES-GCM decryption) until told to stop, then reports successes and failures.
 * Reads are paced (BENCH_READS_PER_SEC) like a busy API client, not a spin loop
 * that would starve the rotation of CPU on a small machine.
 * Env: BENCH_HOME, BENCH_KEYS (comma-separated key ring), BENCH_ACCOUNTS, BENCH_SEED, BENCH_READS_PER_SEC.
 */
import { BENCH_PROVIDER, userOf } from '../lib/populate.js';
import { prng } from '../lib/stats.js';
import { openTokens } from '../lib/vault.js';

const env = process.env;
const tokens = openTokens(env.BENCH_HOME!, env.BENCH_KEYS!.split(','));
const accounts = Number(env.BENCH_ACCOUNTS);
const rand = prng(Number(env.BENCH_SEED ?? 1));
const perTick = Math.max(1, Math.round(Number(env.BENCH_READS_PER_SEC ?? 2000) / 100)); // 100 ticks/s
let stop = false;
let ok = 0;
let slowest = 0n;
const failures: Record<string, number> = {};

process.on('message', (msg) => {
  if (msg === 'stop') stop = true;
});

async function loop(): Promise<void> {
  process.send!('ready');
  while (!stop) {
    for (let i = 0; i < perTick; i++) {
      const t0 = process.hrtime.bigint();
      try {
        const t = tokens.getToken(BENCH_PROVIDER, userOf(Math.floor(rand() * accounts)));
        if (t) ok++;
        else failures.missing = (failures.missing ?? 0) + 1;
      } catch (err) {
        const code = String((err as { code?: unknown })?.code ?? 'error');
        failures[code] = (failures[code] ?? 0) + 1;
      }
      const dt = process.hrtime.bigint() - t0;
      if (dt > slowest) slowest = dt;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  tokens.close();
  process.send!({ ok, failures, slowestMs: Number(slowest) / 1e6 }, () => process.exit(0));
}
void loop();
