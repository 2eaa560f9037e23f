/** The header and table of bench/results.md. */
import { arch, cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import Database from 'better-sqlite3';
import type { BenchRow } from './bench-context.js';

export function machineInfo(keychainNote: string): string[] {
  const c = cpus();
  const db = new Database(':memory:');
  const sqlite = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
  db.close();
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${c[0]?.model ?? 'unknown'} × ${c.length} logical cores`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(freemem() / 2 ** 30).toFixed(1)} GiB free at start`,
    `- OS: ${platform()} ${release()} ${arch()}; load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} (other work on the machine slows every row)`,
    `- Node: ${process.version}; SQLite ${sqlite} (better-sqlite3); keychain: ${keychainNote ? 'not available' : 'Secret Service (gnome-keyring) on a D-Bus session'}`,
  ];
}

export function markdown(info: string[], seconds: number, rows: BenchRow[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts). Measured, not asserted: the targets come from the',
    'Performance targets table in docs/architecture.md. Figures vary between runs and machines; rerun to compare.',
    '',
    ...info,
    `- Run time: ${seconds.toFixed(0)} s`,
    '',
    '| what | target (docs/architecture.md) | measured | notes |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${esc(r.what)} | ${esc(r.target)} | ${esc(r.measured)} | ${esc(r.notes ?? '')} |`),
    '',
  ].join('\n');
}
