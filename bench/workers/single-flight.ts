/**
 * Bench child: opens the shared vault, waits for "go", then fires N concurrent
 * getValidAccessToken calls on one expiring account and reports what it got.
 * Env: BENCH_HOME, BENCH_KEY, BENCH_BASE (token endpoint), BENCH_CALLERS, BENCH_USER.
 */
import { BENCH_PROVIDER } from '../lib/populate.js';
import { benchRefresher, openTokens } from '../lib/vault.js';

const env = process.env;
const tokens = openTokens(env.BENCH_HOME!, env.BENCH_KEY!);
const refresher = benchRefresher(tokens, env.BENCH_BASE!);
const callers = Number(env.BENCH_CALLERS ?? 100);
const user = env.BENCH_USER!;

process.on('message', async (msg) => {
  if (msg !== 'go') return;
  const results = await Promise.allSettled(Array.from({ length: callers }, () => refresher.getValidAccessToken(BENCH_PROVIDER, user)));
  const ok = results.filter((r) => r.status === 'fulfilled');
  const errors = results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => String((r.reason as { code?: unknown })?.code ?? 'error'));
  const distinct = new Set(ok.map((r) => (r as PromiseFulfilledResult<string>).value)).size;
  tokens.close();
  process.send!({ ok: ok.length, errors, distinct }, () => process.exit(0));
});
process.send!('ready');
