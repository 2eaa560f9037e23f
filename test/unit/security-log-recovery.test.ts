/**
 * The states a crash can leave the security log in, built exactly (files copied back to what
 * they were between two steps of an append), and what verify and the next append make of them.
 * test/integration/security-log-crash.test.ts produces the same states with SIGKILL.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecurityLogger, securityLogPaths } from '../../src/main/core/audit/security-logger.js';
import { makeTmpHome } from '../helpers/tmp.js';
import type { SecurityLogEntry } from '../../src/main/core/contracts/security-log.js';

let home: { dir: string; cleanup: () => void };
let dir: string;
let logFile: string;
const KEY = Buffer.alloc(32, 0x42);
const loggers: SecurityLogger[] = [];

function open(opts: Partial<ConstructorParameters<typeof SecurityLogger>[0]> = {}): SecurityLogger {
  const l = new SecurityLogger({ logFile, hmacKey: KEY, ...opts });
  loggers.push(l);
  return l;
}

beforeEach(() => {
  home = makeTmpHome('osmen-logrec-');
  dir = join(home.dir, 'osmen');
  logFile = join(dir, 'security.log');
});
afterEach(() => {
  for (const l of loggers.splice(0)) l.close();
  home.cleanup();
});

const lines = (file = logFile): string[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
const headOf = (): { v: number; seq: number; last: string; firstSeq: number } =>
  JSON.parse(readFileSync(securityLogPaths(logFile).head, 'utf8'));

/** The log's files (without the head) as they are now. */
function snapshot(): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const f of readdirSync(dir)) if (/^security\.log(\.\d+)?$/.test(f)) m.set(f, readFileSync(join(dir, f)));
  return m;
}
/** Puts the log's files back as they were (the head stays as it is now). */
function restore(snap: Map<string, Buffer>): void {
  for (const f of readdirSync(dir)) if (/^security\.log(\.\d+)?$/.test(f) && !snap.has(f)) rmSync(join(dir, f));
  for (const [f, b] of snap) writeFileSync(join(dir, f), b);
}

function fill(log: SecurityLogger, n: number): void {
  for (let i = 0; i < n; i++) log.logOAuthEvent('refresh', 'google', `user-${i}@example.com`, true, { attempt: i, reason: 'scheduled ü€' });
}

describe('the head record is written ahead of the line', () => {
  it('holds the newest entry in full, signed', () => {
    const log = open();
    fill(log, 2);
    const head = headOf();
    expect(head).toMatchObject({ v: 2, seq: 2 });
    expect(head.last).toBe(lines()[1]);
  });
});

describe('a crash between the head and the line', () => {
  /** Ten entries, then an eleventh whose line is taken back off the disk: the head holds it. */
  function crashedAfterHead(log: SecurityLogger): string {
    fill(log, 10);
    const before = snapshot();
    log.logSecurityEvent('provider_added', { reason: 'in flight' });
    const line = lines().at(-1)!;
    restore(before);
    return line;
  }

  it('verify reports the interrupted write (ok), the next append writes that entry first and records the repair', () => {
    const log = open();
    const line = crashedAfterHead(log);
    const v = log.verify();
    expect(v).toMatchObject({ ok: true, entries: 10, head: 'ok', interrupted: { seq: 11, file: logFile, line: 11 } });
    expect(v.interrupted!.reason).toContain('seq 11 was being written');
    expect(v.firstBad).toBeUndefined();

    const seen: SecurityLogEntry[] = [];
    const next = open({ onAppend: (e) => seen.push(e) });
    next.logTokenEvent('token_saved', 'google', 'u');
    expect(lines()[10]).toBe(line); // the lost entry, byte for byte
    expect(seen.map((e) => [e.seq, e.event])).toEqual([
      [11, 'provider_added'],
      [12, 'log_write_completed'],
      [13, 'token_saved'],
    ]);
    expect(seen[1]).toMatchObject({ level: 'warn', category: 'security', details: { count: 0 } });
    const after = next.verify();
    expect(after).toMatchObject({ ok: true, entries: 13, reanchors: [] });
    expect(after.interrupted).toBeUndefined();
  });

  it('a torn line whose cut falls inside a multi-byte character is still recognised and completed', () => {
    const log = open();
    const line = crashedAfterHead(log);
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    const euro = bytes.indexOf(Buffer.from('€'));
    const cut = euro >= 0 ? euro + 1 : 30; // provider_added has no €: cut anywhere
    writeFileSync(logFile, Buffer.concat([readFileSync(logFile), bytes.subarray(0, cut)]));
    expect(log.verify()).toMatchObject({ ok: true, interrupted: { seq: 11, line: 11 } });
    log.logTokenEvent('token_saved', 'google', 'u');
    expect(lines()[10]).toBe(line);
    expect(log.verify()).toMatchObject({ ok: true, entries: 13 });
  });

  it('the whole line written but the newline cut: the entry counts, nothing is repaired', () => {
    const log = open();
    fill(log, 3);
    const raw = readFileSync(logFile);
    writeFileSync(logFile, raw.subarray(0, raw.length - 1));
    expect(log.verify()).toMatchObject({ ok: true, entries: 3 });
    log.logTokenEvent('token_saved', 'google', 'u');
    // The torn newline is completed with the entry (the head still held it), no duplicate seq.
    expect(lines().map((l) => (JSON.parse(l) as SecurityLogEntry).seq)).toEqual([1, 2, 3, 4, 5]);
    expect(log.readRecent(2).map((e) => e.event)).toEqual(['token_saved', 'log_write_completed']);
    expect(log.verify().ok).toBe(true);
  });

  it('during a rotation: older entries the rotation had not removed yet are accepted, and the chain continues', () => {
    const log = open({ maxBytes: 2048, backups: 2 });
    // Append until an append drops the oldest file; keep the files as they were before it.
    let before = snapshot();
    for (let i = 0; i < 200; i++) {
      before = snapshot();
      const firstOf2 = existsSync(`${logFile}.2`) ? lines(`${logFile}.2`)[0] : null;
      fill(log, 1);
      if (firstOf2 !== null && lines(`${logFile}.2`)[0] !== firstOf2) break;
    }
    const head = headOf();
    restore(before); // crash after the head (start anchor already moved), before the files rotated
    const oldest = JSON.parse(lines(`${logFile}.2`)[0]!) as SecurityLogEntry;
    expect(oldest.seq).toBeLessThan(head.firstSeq);
    const v = log.verify();
    expect(v).toMatchObject({ ok: true, interrupted: { seq: head.seq } });
    fill(log, 5);
    expect(log.verify()).toMatchObject({ ok: true, reanchors: [] });
    for (const f of [logFile, `${logFile}.1`, `${logFile}.2`]) expect(statSync(f).mode & 0o777).toBe(0o600);
  });
});

describe('a crash after the line but before the head (the order of older versions)', () => {
  it('is re-anchored with a notice instead of forking the chain ("found seq 3 after seq 3")', () => {
    const log = open();
    fill(log, 2);
    const head = readFileSync(securityLogPaths(logFile).head);
    fill(log, 1); // seq 3
    writeFileSync(securityLogPaths(logFile).head, head); // the head never got seq 3
    expect(log.verify().firstBad).toMatchObject({ seq: 3, problem: 'malformed' });
    log.logTokenEvent('token_saved', 'google', 'u');
    const seqs = lines().map((l) => (JSON.parse(l) as SecurityLogEntry).seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    const v = log.verify();
    expect(v.ok).toBe(true);
    expect(v.reanchors).toEqual([
      { seq: 4, ts: expect.any(String), reason: expect.stringContaining('seq 3 in the log but the head record ends at seq 2') },
    ]);
  });
});
