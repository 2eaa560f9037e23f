/** Timing helpers for the benchmark: per-call samples with process.hrtime.bigint, percentiles. */

export interface Dist {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

/** Percentile of ns samples (nearest-rank), in µs. */
export function dist(samplesNs: BigInt64Array | bigint[] | number[]): Dist {
  const arr = Float64Array.from(Array.from(samplesNs as ArrayLike<number | bigint>, (v) => Number(v) / 1000));
  arr.sort();
  const rank = (p: number) => arr[Math.min(arr.length - 1, Math.max(0, Math.ceil((p / 100) * arr.length) - 1))]!;
  let sum = 0;
  for (const v of arr) sum += v;
  return { n: arr.length, p50: rank(50), p99: rank(99), mean: sum / arr.length };
}

/** Runs `fn` `n` times, timing each call; returns samples in ns. */
export function timeSync(n: number, fn: (i: number) => unknown): BigInt64Array {
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    out[i] = process.hrtime.bigint() - t0;
  }
  return out;
}

export async function timeAsync(n: number, fn: (i: number) => Promise<unknown>): Promise<BigInt64Array> {
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    out[i] = process.hrtime.bigint() - t0;
  }
  return out;
}

export function ms(ns: bigint): number {
  return Number(ns) / 1e6;
}

/** 12.3 µs / 4.56 ms / 1.23 s, three significant figures. */
export function fmtUs(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 1000) return `${us.toPrecision(3)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toPrecision(3)} ms`;
  return `${(us / 1_000_000).toPrecision(3)} s`;
}

export const fmtMs = (msValue: number) => fmtUs(msValue * 1000);

/** Deterministic PRNG (mulberry32) so every run reads the same accounts. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
