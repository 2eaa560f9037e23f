/** Export of the whole retained security log and its verification elsewhere (no vault, no key). */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainFiles, entryHash } from '../../src/main/core/audit/log-chain.js';
import { EXPORT_FORMAT, verifyExportFile } from '../../src/main/core/audit/log-export.js';
import { SecurityLogger, securityLogPaths } from '../../src/main/core/audit/security-logger.js';
import { makeTmpHome } from '../helpers/tmp.js';
import type { SecurityLogEntry } from '../../src/main/core/contracts/security-log.js';

let home: { dir: string; cleanup: () => void };
let logFile: string;
let dest: string;
const KEY = Buffer.alloc(32, 0x42);
const loggers: SecurityLogger[] = [];

function open(opts: Partial<ConstructorParameters<typeof SecurityLogger>[0]> = {}): SecurityLogger {
  const l = new SecurityLogger({ logFile, hmacKey: KEY, ...opts });
  loggers.push(l);
  return l;
}
beforeEach(() => {
  home = makeTmpHome('osmen-logexp-');
  logFile = join(home.dir, 'data', 'security.log');
  mkdirSync(join(home.dir, 'out'));
  dest = join(home.dir, 'out', 'security-log.jsonl');
});
afterEach(() => {
  for (const l of loggers.splice(0)) l.close();
  home.cleanup();
});

const fileLines = (f: string): string[] =>
  readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
const fill = (log: SecurityLogger, n: number): void => {
  for (let i = 0; i < n; i++) log.logOAuthEvent('refresh', 'google', `u${i}`, i % 4 !== 0, { attempt: i, reason: 'scheduled' });
};
const rewrite = (f: string, edit: (ls: string[]) => string[]): void => writeFileSync(f, `${edit(fileLines(f)).join('\n')}\n`);

describe('exportTo', () => {
  it('writes every retained entry of every rotated file, oldest first, behind a header, 0600', () => {
    const log = open({ maxBytes: 2048, backups: 3 });
    fill(log, 60);
    const retained = chainFiles(logFile, 3).flatMap((f) => fileLines(f));
    expect(JSON.parse(retained[0]!).seq).toBeGreaterThan(1); // older ones rotated out
    const result = log.exportTo(dest);
    expect(result).toEqual({ path: dest, entries: retained.length });
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    const [headerLine, ...body] = fileLines(dest);
    expect(body).toEqual(retained);
    const header = JSON.parse(headerLine!);
    const last = JSON.parse(retained.at(-1)!) as SecurityLogEntry;
    expect(header).toMatchObject({
      format: EXPORT_FORMAT,
      v: 1,
      entries: retained.length,
      firstSeq: JSON.parse(retained[0]!).seq,
      lastSeq: 60,
      lastHash: last.hash,
    });
    expect(header.head).toMatchObject({ seq: 60, hash: last.hash });
    expect(readdirSync(join(home.dir, 'out'))).toEqual(['security-log.jsonl']); // no temporary file left
  });

  it('verifies elsewhere without the vault or the key, and says what it could not check', () => {
    const log = open({ maxBytes: 2048, backups: 3 });
    fill(log, 60);
    log.exportTo(dest);
    const elsewhere = join(home.dir, 'elsewhere.jsonl');
    copyFileSync(dest, elsewhere);
    const v = verifyExportFile(elsewhere);
    expect(v).toMatchObject({ ok: true, header: true, lastSeq: 60, reanchors: [] });
    expect(v.entries).toBe(log.verify().entries);
    expect(v.checked.join(' ')).toContain('links to the one before it');
    expect(v.notChecked.join(' ')).toMatch(/recomputed hashes/);
    expect(v.notChecked.join(' ')).toMatch(/rotated out before the export/);
    expect(v.notChecked.join(' ')).toMatch(/needs the log key/);
    // With the log key the signed head in the header is checked too.
    expect(verifyExportFile(elsewhere, { hmacKey: KEY })).toMatchObject({ ok: true });
    expect(verifyExportFile(elsewhere, { hmacKey: Buffer.alloc(32, 1) }).firstBad).toMatchObject({ problem: 'head_invalid' });
  });

  it('replaces an existing file atomically and refuses the log’s own files', () => {
    const log = open();
    fill(log, 3);
    writeFileSync(dest, 'old content\n', { mode: 0o644 });
    log.exportTo(dest);
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    expect(verifyExportFile(dest)).toMatchObject({ ok: true, entries: 3, firstSeq: 1 });
    for (const own of [logFile, securityLogPaths(logFile).head]) {
      expect(() => log.exportTo(own)).toThrowError(expect.objectContaining({ code: 'BAD_OPTIONS' }));
    }
    expect(log.verify().ok).toBe(true);
    expect(() => log.exportTo(join(home.dir, 'nowhere', 'x.jsonl'))).toThrowError(expect.objectContaining({ code: 'WRITE_FAILED' }));
  });

  it('exports an entry cut off by an interrupted write whole (the head holds it)', () => {
    const log = open();
    fill(log, 4);
    const before = readFileSync(logFile);
    log.logSecurityEvent('provider_added', { reason: 'in flight' });
    const line = fileLines(logFile).at(-1)!;
    writeFileSync(logFile, Buffer.concat([before, Buffer.from(line).subarray(0, 20)]));
    expect(log.verify()).toMatchObject({ ok: true, interrupted: { seq: 5 } });
    log.exportTo(dest);
    expect(fileLines(dest).slice(1)).toEqual([...fileLines(logFile).slice(0, 4), line]);
    expect(verifyExportFile(dest, { hmacKey: KEY })).toMatchObject({ ok: true, entries: 5 });
  });
});

describe('verifyExportFile catches changes to the export', () => {
  const exported = (): void => {
    const log = open();
    fill(log, 10);
    log.exportTo(dest);
  };

  it('an edited entry', () => {
    exported();
    rewrite(dest, (ls) => ls.map((l, i) => (i === 4 ? l.replace('"attempt":3', '"attempt":4') : l)));
    expect(verifyExportFile(dest).firstBad).toMatchObject({ seq: 4, line: 5, problem: 'edited' });
  });

  it('a removed entry', () => {
    exported();
    rewrite(dest, (ls) => ls.filter((_, i) => i !== 6));
    expect(verifyExportFile(dest).firstBad).toMatchObject({ seq: 7, problem: 'missing' });
  });

  it('entries cut off the end (the header says more)', () => {
    exported();
    rewrite(dest, (ls) => ls.slice(0, -2));
    expect(verifyExportFile(dest)).toMatchObject({ ok: false, firstBad: { problem: 'truncated' } });
  });

  it('entries cut off and the header edited to match: only the key holder can tell', () => {
    exported();
    rewrite(dest, (ls) => {
      const kept = ls.slice(0, -2);
      const last = JSON.parse(kept.at(-1)!) as SecurityLogEntry;
      const header = { ...JSON.parse(kept[0]!), entries: kept.length - 1, lastSeq: last.seq, lastHash: last.hash };
      return [JSON.stringify(header), ...kept.slice(1)];
    });
    const v = verifyExportFile(dest);
    expect(v.ok).toBe(true); // what the file alone cannot show, and the report says so
    expect(v.checked.join(' ')).toContain('unless the header was edited as well');
    expect(verifyExportFile(dest, { hmacKey: KEY }).firstBad).toMatchObject({ problem: 'edited' });
  });

  it('the whole file rewritten with recomputed hashes passes without the key (documented), fails with it', () => {
    exported();
    rewrite(dest, (ls) => {
      let prev = '0'.repeat(64);
      const entries = ls.slice(1).map((l) => {
        const e = JSON.parse(l) as SecurityLogEntry;
        e.details = { ...e.details, reason: 'nothing happened' };
        e.prev = prev;
        e.hash = entryHash(e);
        prev = e.hash;
        return JSON.stringify(e);
      });
      const header = { ...JSON.parse(ls[0]!), lastHash: prev };
      return [JSON.stringify(header), ...entries];
    });
    expect(verifyExportFile(dest).ok).toBe(true);
    expect(verifyExportFile(dest, { hmacKey: KEY }).ok).toBe(false);
  });

  it('a plain copy of security.log (no header) is checked as a chain', () => {
    const log = open();
    fill(log, 5);
    const copy = join(home.dir, 'copy.log');
    copyFileSync(logFile, copy);
    const v = verifyExportFile(copy);
    expect(v).toMatchObject({ ok: true, header: false, entries: 5, firstSeq: 1, lastSeq: 5 });
    expect(v.notChecked.join(' ')).toContain('no export header');
    rewrite(copy, (ls) => [ls[1]!, ls[0]!, ...ls.slice(2)]);
    expect(verifyExportFile(copy).ok).toBe(false);
  });

  it('a missing file is a typed error', () => {
    expect(() => verifyExportFile(join(home.dir, 'none.jsonl'))).toThrowError(
      expect.objectContaining({ name: 'SecurityLogError', code: 'READ_FAILED' }),
    );
  });
});
