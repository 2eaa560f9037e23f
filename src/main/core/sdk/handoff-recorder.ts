/**
 * How the SDK endpoints put their hand-offs on record, behind one small interface: the same
 * per-minute records as the agent's (consent/handoff-recorder.ts: program, account, scope set,
 * count), with the program named as the person started it (`run: <command>`, `serve on port P`).
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { HandoffRecorder } from '../consent/handoff-recorder.js';
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

/** Counts hand-offs per program, account and scopes and writes them to the security log once a minute. */
export function counterRecorder(log: SecurityEventSink, options: { intervalMs?: number } = {}): SdkHandoffRecorder {
  const recorder = new HandoffRecorder(log, options);
  recorder.start();
  return {
    record(h) {
      const name = programLabel(h.program);
      const program = {
        key: createHash('sha256').update(`sdk\u0000${name}`).digest('hex').slice(0, 24),
        name,
        exe: null,
        script: null,
        via: 'sdk',
      };
      if (h.ok) recorder.handoff(program, h.provider, h.userId, h.scopes ?? undefined, 'sdk', null);
      else recorder.refusal(program, 'sdk_failed');
    },
    close() {
      recorder.stop();
    },
  };
}
