/**
 * Every hand-off on record, by verified program, account and scope set, without letting anyone
 * flood the record: hand-offs and refusals are counted in memory and written once a minute (and
 * when the agent or the CLI stops), one line per (program, account, scopes) that got tokens and
 * one line per (program, refusal code) that was refused, whatever the program sent. A program
 * that sends 10,000 requests for accounts that do not exist writes one `handoff_refused` line
 * a minute with count 10000, not 10,000 lines; the accounts it named are never written.
 */
import type { SecurityEventSink } from '../contracts/security-log.js';

export const HANDOFF_EVENT = 'token_handoff';
export const REFUSAL_EVENT = 'handoff_refused';
export const RECORD_INTERVAL_MS = 60_000;
/** Distinct tallies kept per minute; past it, hand-offs and refusals are counted on one overflow line each. */
export const MAX_TALLIES = 10_000;
/** Refusal codes kept apart per program; others are counted as `other`. */
const MAX_CODES_PER_PROGRAM = 6;
const LINES_PER_TURN = 8;
/**
 * A security-log line costs a lock, a head write, the vault anchor and fsyncs (~1-3 ms): the
 * per-minute drain stops a turn's slice once it has spent this long, so a minute of 1,000
 * accounts does not hold requests for 8 lines (~25 ms) at a time.
 */
const MS_PER_TURN = 2;

/** What a record says of the program (verified by the agent or the CLI; never the client's word). */
export interface ProgramRecord {
  key: string;
  name: string;
  exe: string | null;
  script: string | null;
  /** agent, cli (osmen-cred token without an agent), run, key (a client key), serve… */
  via: string;
}

export const UNIDENTIFIED_PROGRAM = (why: string): ProgramRecord => ({
  key: 'unidentified',
  name: `unidentified caller (${why})`,
  exe: null,
  script: null,
  via: 'agent',
});

interface HandoffTally {
  program: ProgramRecord;
  provider: string;
  user: string;
  scopes: string;
  basis: string;
  grant: string | null;
  count: number;
}

interface RefusalTally {
  program: ProgramRecord;
  code: string;
  count: number;
}

type Line = { kind: 'handoff'; t: HandoffTally; durationMs: number } | { kind: 'refusal'; t: RefusalTally; durationMs: number };

export class HandoffRecorder {
  private handoffs = new Map<string, HandoffTally>();
  private refusals = new Map<string, RefusalTally>();
  private codesPerProgram = new Map<string, Set<string>>();
  private waiting: Line[] = [];
  private windowStart: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private draining = false;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly sink: SecurityEventSink,
    opts: { intervalMs?: number; now?: () => number } = {},
  ) {
    this.intervalMs = opts.intervalMs ?? RECORD_INTERVAL_MS;
    this.now = opts.now ?? Date.now;
    this.windowStart = this.now();
  }

  private size(): number {
    return this.handoffs.size + this.refusals.size;
  }

  handoff(
    program: ProgramRecord,
    provider: string,
    user: string,
    scopes: readonly string[] | undefined,
    basis: string,
    grant: string | null,
  ): void {
    const scopeKey = scopes ? [...scopes].sort().join(' ') : '(all)';
    let key = `${program.key}\u0000${program.via}\u0000${provider}\u0000${user}\u0000${scopeKey}\u0000${basis}\u0000${grant ?? ''}`;
    let t = this.handoffs.get(key);
    if (!t && this.size() >= MAX_TALLIES) {
      key = '\u0000overflow';
      t = this.handoffs.get(key);
      program = { key: 'overflow', name: '(other programs)', exe: null, script: null, via: program.via };
      [provider, user] = ['(other)', ''];
    }
    if (!t) {
      t = { program, provider, user, scopes: scopeKey, basis, grant, count: 0 };
      this.handoffs.set(key, t);
    }
    t.count++;
  }

  refusal(program: ProgramRecord, code: string): void {
    let codes = this.codesPerProgram.get(program.key);
    if (!codes) this.codesPerProgram.set(program.key, (codes = new Set()));
    if (!codes.has(code) && codes.size >= MAX_CODES_PER_PROGRAM) code = 'other';
    codes.add(code);
    let key = `${program.key}\u0000${program.via}\u0000${code}`;
    let t = this.refusals.get(key);
    if (!t && this.size() >= MAX_TALLIES) {
      key = '\u0000overflow';
      t = this.refusals.get(key);
      program = { key: 'overflow', name: '(other programs)', exe: null, script: null, via: program.via };
      code = 'other';
    }
    if (!t) {
      t = { program, code, count: 0 };
      this.refusals.set(key, t);
    }
    t.count++;
  }

  private closeWindow(): void {
    const durationMs = this.now() - this.windowStart;
    for (const t of this.handoffs.values()) this.waiting.push({ kind: 'handoff', t, durationMs });
    for (const t of this.refusals.values()) this.waiting.push({ kind: 'refusal', t, durationMs });
    this.handoffs = new Map();
    this.refusals = new Map();
    this.codesPerProgram = new Map();
    this.windowStart = this.now();
  }

  private write(line: Line): boolean {
    const p = line.t.program;
    const program = { program: p.name, programKey: p.key, exe: p.exe ?? undefined, script: p.script ?? undefined, via: p.via };
    try {
      if (line.kind === 'handoff') {
        const t = line.t;
        this.sink.logOAuthEvent(HANDOFF_EVENT, t.provider, t.user, true, {
          ...program,
          scopes: t.scopes,
          basis: t.basis,
          grant: t.grant ?? undefined,
          count: t.count,
          durationMs: line.durationMs,
        });
      } else {
        this.sink.logSecurityEvent(
          REFUSAL_EVENT,
          { ...program, code: line.t.code, count: line.t.count, durationMs: line.durationMs },
          'warn',
        );
      }
      return true;
    } catch {
      // A log that cannot be written (closed, lock timeout) must not take the agent down.
      return false;
    }
  }

  /** Writes every waiting line and the current window now (shutdown, the CLI, tests). Never throws. */
  flush(): number {
    this.closeWindow();
    let lines = 0;
    for (const l of this.waiting.splice(0)) if (this.write(l)) lines++;
    return lines;
  }

  /** The per-minute flush writes a few lines per turn of the event loop (at most 8, or 2 ms), so requests keep being answered. */
  private flushGradually(): void {
    this.closeWindow();
    if (this.draining) return;
    this.draining = true;
    const drain = () => {
      const until = performance.now() + MS_PER_TURN;
      for (let n = 0; n < LINES_PER_TURN && this.waiting.length > 0; n++) {
        this.write(this.waiting.shift()!);
        if (performance.now() >= until) break;
      }
      if (this.waiting.length > 0 && this.timer) setImmediate(drain);
      else this.draining = false;
    };
    setImmediate(drain);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flushGradually(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
}
