/**
 * How the SDK endpoints put their hand-offs on record, behind one small interface: today the
 * token agent's per-minute `token_handoff` counts (agent/handoff-counter.ts), with the program
 * named as the person started it (`run: <command>`, `serve on port P`). Swapping in another
 * recorder (per-program records with scope sets) changes nothing in the endpoints.
 */
import { basename } from 'node:path';
import { HandoffCounter } from '../agent/handoff-counter.js';
import type { SdkHandoffRecorder } from '../contracts/sdk.js';
import type { SecurityEventSink } from '../contracts/security-log.js';

/** Longest program label the hand-off counts keep (printable ASCII). */
const MAX_LABEL = 64;

/**
 * A program's label for the record: printable ASCII only (anything else becomes `?`), at most 64
 * characters, so the counter never replaces it with `invalid-name`.
 */
export function programLabel(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?').trim() || 'unnamed';
  return ascii.length > MAX_LABEL ? `${ascii.slice(0, MAX_LABEL - 3)}...` : ascii;
}

/**
 * `run: <command and arguments>`, as a label: paths by their last part (`run: python3 sync.py`),
 * short enough to stay whole and never mistaken for a secret by the log's redaction.
 */
export function runProgram(command: string, args: readonly string[]): string {
  const short = (a: string) => (a.includes('/') || a.includes('\\') ? basename(a.replace(/[\\/]+$/, '')) || a : a);
  return programLabel(`run: ${[command, ...args].map(short).join(' ')}`);
}

/** Counts hand-offs per account and program and writes them to the security log once a minute. */
export function counterRecorder(log: SecurityEventSink, options: { intervalMs?: number } = {}): SdkHandoffRecorder {
  const counter = new HandoffCounter(log, options);
  counter.start();
  return {
    record(h) {
      counter.count(h.provider, h.userId, programLabel(h.program), h.ok);
    },
    close() {
      counter.stop();
    },
  };
}
