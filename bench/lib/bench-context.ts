/** What a bench section is given and what it reports (its own module: the sections import it, not each other). */
import type { ChildProcess } from 'node:child_process';

export interface BenchRow {
  what: string;
  target: string;
  measured: string;
  notes?: string;
}

export interface AgentBenchContext {
  root: string;
  tmpRoot: string;
  add(row: BenchRow): void;
  /** Starts a TypeScript bench worker (bench/workers/…) with an IPC channel. */
  child(script: string, env: Record<string, string>): ChildProcess;
  nextMessage<T>(c: ChildProcess, timeoutMs?: number): Promise<T>;
}
