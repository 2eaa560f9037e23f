/**
 * The security log's tamper evidence: every kind of edit, deletion, reordering or truncation
 * of the log, its rotated files and its signed head is detected, and the first bad entry named.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecurityLogger, securityLogPaths, verifySecurityLog } from '../../src/main/core/audit/security-logger.js';
import { entryHash } from '../../src/main/core/audit/log-chain.js';
import { fill, KEY, readLines, useLogHome, writeLines } from '../helpers/security-log-home.js';
import type { SecurityLogEntry } from '../../src/main/core/contracts/security-log.js';

const h = useLogHome();
let home: { dir: string };
let logFile: string;
beforeEach(() => {
  home = { dir: h.dir };
  logFile = h.logFile;
});
const open = h.open;
const loggers = { push: (l: SecurityLogger) => void h.track(l) };
const lines = (file = logFile): string[] => readLines(file);

describe('SecurityLogger: tampering is detected and the first bad entry named', () => {
  const setup = (n = 10): SecurityLogger => {
    const log = open();
    fill(log, n);
    expect(log.verify().ok).toBe(true);
    return log;
  };
  const rehash = (line: string, edit: (e: SecurityLogEntry) => void): string => {
    const e = JSON.parse(line) as SecurityLogEntry;
    edit(e);
    e.hash = entryHash(e);
    return JSON.stringify(e);
  };

  it('an edited field', () => {
    const log = setup();
    const ls = lines();
    ls[3] = ls[3]!.replace('"success":true', '"success":false');
    writeLines(logFile, ls);
    const v = log.verify();
    expect(v.ok).toBe(false);
    expect(v.firstBad).toMatchObject({ seq: 4, file: logFile, line: 4, problem: 'edited' });
  });

  it('an edited entry whose hash was recomputed (caught by the next link)', () => {
    const log = setup();
    const ls = lines();
    ls[3] = rehash(ls[3]!, (e) => (e.details.reason = 'nothing to see'));
    writeLines(logFile, ls);
    expect(log.verify().firstBad).toMatchObject({ seq: 4, file: logFile, line: 4, problem: 'edited' });
  });

  it('the last entry edited with a recomputed hash (caught by the signed head)', () => {
    const log = setup();
    const ls = lines();
    ls[9] = rehash(ls[9]!, (e) => (e.success = !e.success));
    writeLines(logFile, ls);
    expect(log.verify().firstBad).toMatchObject({ seq: 10, file: logFile, line: 10, problem: 'edited' });
  });

  it('a deleted line', () => {
    const log = setup();
    const ls = lines();
    ls.splice(4, 1); // seq 5
    writeLines(logFile, ls);
    const v = log.verify();
    expect(v.firstBad).toMatchObject({ seq: 6, file: logFile, line: 5, problem: 'missing' });
    expect(v.firstBad!.reason).toContain('seq 5 removed');
  });

  it('two swapped lines', () => {
    const log = setup();
    const ls = lines();
    [ls[2], ls[3]] = [ls[3]!, ls[2]!]; // seq 3 and 4
    writeLines(logFile, ls);
    const v = log.verify();
    expect(v.firstBad).toMatchObject({ seq: 4, file: logFile, line: 3, problem: 'reordered' });
  });

  it('a truncated tail (newest lines deleted)', () => {
    const log = setup();
    writeLines(logFile, lines().slice(0, 7));
    const v = log.verify();
    expect(v.firstBad).toMatchObject({ seq: 8, file: logFile, line: 8, problem: 'truncated' });
  });

  it('a line cut off in the middle of the log', () => {
    const log = setup();
    const ls = lines();
    ls[4] = ls[4]!.slice(0, 50);
    writeLines(logFile, ls);
    expect(log.verify().firstBad).toMatchObject({ seq: null, file: logFile, line: 5, problem: 'malformed' });
  });

  it('a cut-off last line that is not the entry the head holds', () => {
    const log = setup();
    const raw = readFileSync(logFile, 'utf8');
    writeFileSync(logFile, `${raw}{"seq":11,"ts":"2020-`);
    expect(log.verify().firstBad).toMatchObject({ seq: null, file: logFile, line: 11, problem: 'malformed' });
    // The next entry is not glued to those bytes: they stay as evidence on a line of their own.
    log.logTokenEvent('token_saved', 'google', 'u');
    expect(lines().at(-2)).toBe('{"seq":11,"ts":"2020-');
    expect(log.readRecent(1)[0]).toMatchObject({ seq: 11, event: 'token_saved' });
    expect(log.verify().firstBad).toMatchObject({ line: 11, problem: 'malformed' });
  });

  it('a deleted or forged head record', () => {
    const log = setup();
    const { head } = securityLogPaths(logFile);
    const saved = readFileSync(head, 'utf8');
    unlinkSync(head);
    expect(log.verify()).toMatchObject({ ok: false, head: 'missing', firstBad: { problem: 'head_missing', file: head } });
    const forged = JSON.parse(saved) as { seq: number };
    forged.seq = 7;
    writeFileSync(head, JSON.stringify(forged));
    expect(log.verify()).toMatchObject({ ok: false, head: 'invalid', firstBad: { problem: 'head_invalid' } });
    // A head signed under another key is reported as such, not as a valid anchor.
    writeFileSync(head, saved);
    const otherKey = new SecurityLogger({ logFile, hmacKey: Buffer.alloc(32, 1) });
    loggers.push(otherKey);
    expect(otherKey.verify().firstBad?.reason).toContain('different key');
  });

  describe('across rotation', () => {
    const rotated = (): SecurityLogger => {
      const log = open({ maxBytes: 2048, backups: 3 });
      fill(log, 50);
      expect(log.verify().ok).toBe(true);
      expect(existsSync(`${logFile}.3`)).toBe(true);
      return log;
    };
    const seqAt = (file: string, i: number): number => (JSON.parse(lines(file).at(i)!) as SecurityLogEntry).seq;

    it('a deleted middle rotated file', () => {
      const log = rotated();
      const firstOf1 = seqAt(`${logFile}.1`, 0);
      const lastOf3 = seqAt(`${logFile}.3`, -1);
      unlinkSync(`${logFile}.2`);
      const v = log.verify();
      expect(v.firstBad).toMatchObject({ seq: firstOf1, file: `${logFile}.1`, line: 1, problem: 'missing' });
      expect(v.firstBad!.reason).toContain(`seq ${lastOf3 + 1}`);
    });

    it('a deleted oldest rotated file', () => {
      const log = rotated();
      const firstOf2 = seqAt(`${logFile}.2`, 0);
      unlinkSync(`${logFile}.3`);
      expect(log.verify().firstBad).toMatchObject({ seq: firstOf2, file: `${logFile}.2`, line: 1, problem: 'start_removed' });
    });

    it('a deleted live file', () => {
      const log = rotated();
      const lastOf1 = seqAt(`${logFile}.1`, -1);
      unlinkSync(logFile);
      expect(log.verify().firstBad).toMatchObject({ seq: lastOf1 + 1, file: logFile, line: 1, problem: 'truncated' });
    });

    it('an entry edited at the end of a rotated file, hash recomputed (caught by the first entry of the next file)', () => {
      const log = rotated();
      const ls = lines(`${logFile}.1`);
      const last = ls.length - 1;
      ls[last] = rehash(ls[last]!, (e) => (e.success = !e.success));
      writeLines(`${logFile}.1`, ls);
      const v = log.verify();
      expect(v.firstBad).toMatchObject({ seq: seqAt(`${logFile}.1`, -1), file: `${logFile}.1`, line: ls.length, problem: 'edited' });
    });

    it('an entry edited inside a rotated file', () => {
      const log = rotated();
      const ls = lines(`${logFile}.2`);
      ls[1] = ls[1]!.replace('"attempt":', '"attempt":1');
      writeLines(`${logFile}.2`, ls);
      expect(log.verify().firstBad).toMatchObject({ seq: seqAt(`${logFile}.2`, 1), file: `${logFile}.2`, line: 2, problem: 'edited' });
    });

    it('two rotated files swapped', () => {
      const log = rotated();
      const a = readFileSync(`${logFile}.1`);
      writeFileSync(`${logFile}.1`, readFileSync(`${logFile}.2`));
      writeFileSync(`${logFile}.2`, a);
      const v = log.verify();
      expect(v.ok).toBe(false);
      expect(v.firstBad).toMatchObject({ file: `${logFile}.2`, line: 1, problem: 'reordered' });
    });
  });

  it('the standalone verifier (for the CLI) agrees and writes nothing', () => {
    const log = setup();
    writeLines(logFile, lines().slice(0, 9));
    const before = readdirSync(join(home.dir, 'osmen')).sort();
    expect(verifySecurityLog({ logFile, hmacKey: KEY }).firstBad).toEqual(log.verify().firstBad);
    expect(readdirSync(join(home.dir, 'osmen')).sort()).toEqual(before);
    expect(verifySecurityLog({ logFile }).ok).toBe(false); // no key file and no key: the head cannot be trusted
  });
});
