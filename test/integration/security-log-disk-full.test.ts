/**
 * The security log on a full disk: a real, small tmpfs (mounting needs root; without it the tests
 * are skipped and say why). Every failed append must throw SecurityLogError DISK_FULL, leave the
 * chain verifiable (no half-signed head, no half line), leave no lock file and no open
 * descriptor behind, and lose nothing once there is room again.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmdirSync, statfsSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { SecurityLogger, securityLogPaths } from '../../src/main/core/audit/security-logger.js';
import type { SecurityLogEntry } from '../../src/main/core/contracts/security-log.js';
import { SecurityLogError } from '../../src/main/core/audit/log-errors.js';

const KEY = Buffer.alloc(32, 0x42);
let mnt = '';
let cannotMount: string | null = null;

beforeAll(() => {
  mnt = mkdtempSync(join(tmpdir(), 'osmen-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (err) {
    cannotMount = (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err);
  }
});
afterAll(() => {
  if (!cannotMount) {
    try {
      execFileSync('umount', [mnt], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', mnt], { stdio: 'pipe' }); // never leave the mount behind
    }
  }
  rmdirSync(mnt);
});
afterEach(() => {
  if (cannotMount) return;
  for (const f of readdirSync(mnt)) unlinkSync(join(mnt, f));
});

function requireTmpfs(ctx: TestContext): void {
  if (cannotMount) ctx.skip(`a small tmpfs cannot be mounted here (needs root): ${cannotMount}`);
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('security log on a full disk (tmpfs)', () => {
  it('every failed append is DISK_FULL, leaves the chain verifiable and no lock or descriptor behind; nothing is lost when space returns', (ctx) => {
    requireTmpfs(ctx);
    const logFile = join(mnt, 'security.log');
    const written = new Map<number, SecurityLogEntry>();
    const log = new SecurityLogger({ logFile, hmacKey: KEY, onAppend: (e) => written.set(e.seq, e) });
    // Small and large entries by turns (about 0.3 and 7.5 KiB): a large line after a small head
    // needs more pages than replacing the head frees, so each step of an append runs out of space
    // in turn as the free space grows page by page.
    const KEYS = [
      'reason',
      'code',
      'error',
      'description',
      'source',
      'field',
      'operation',
      'phase',
      'channel',
      'issuer',
      'tenant',
      'scopes',
      'providerCodes',
      'errorName',
    ];
    const event = (i: number) =>
      log.logOAuthEvent('refresh', 'google', `user-${i}@example.com`, false, {
        attempt: i,
        ...Object.fromEntries(KEYS.slice(0, i % 2 ? KEYS.length : 1).map((k) => [k, `${k}-${i} `.repeat(100).slice(0, i % 2 ? 500 : 120)])),
      });
    for (let i = 0; i < 3; i++) event(i);

    const filler = join(mnt, 'filler');
    writeFileSync(filler, '');
    const page = statfsSync(mnt).bsize;
    /** Grows or shrinks the filler so that exactly `pages` pages of the tmpfs are free. */
    const leaveFree = (pages: number): void => {
      const st = statfsSync(mnt);
      const size = statSync(filler).size + (st.bavail - pages) * page;
      truncateSync(filler, Math.max(0, size));
      // tmpfs allocates on write, not on truncate: write the grown part for real.
      writeFileSync(filler, Buffer.alloc(Math.max(0, size)));
      expect(statfsSync(mnt).bavail).toBe(pages);
    };

    const baselineFds = openFds();
    const stages = new Set<string>();
    let successes = 0;
    const attempt = (i: number): void => {
      try {
        event(i);
        successes++;
      } catch (err) {
        expect(err).toBeInstanceOf(SecurityLogError);
        expect(err).toMatchObject({ code: 'DISK_FULL' });
        expect((err as Error).message).toContain('ENOSPC');
        stages.add((err as Error).message.replace(/^The disk is full while (.*?) \(ENOSPC\).*$/s, '$1'));
        throw err;
      } finally {
        // Whatever happened, the chain verifies (at worst with the newest entry held by the head)...
        const v = log.verify();
        expect(v.firstBad, v.firstBad?.reason).toBeUndefined();
        expect(v.ok).toBe(true);
        // ...and nothing is left behind: no lock file, no temporary head, no open descriptor.
        expect(readdirSync(mnt).sort()).toEqual(['filler', 'security.log', 'security.log.head']);
        expect(openFds()).toBe(baselineFds);
      }
    };
    // Each entry is tried with 0, 1, 2, … free pages until it goes through.
    for (let i = 10; i < 30; i++) {
      for (let pages = 0; ; pages++) {
        expect(pages).toBeLessThan(12);
        leaveFree(pages);
        try {
          attempt(i);
          break;
        } catch {
          // recorded; one more page
        }
      }
    }

    expect(stages).toContain('taking the security log lock');
    expect(stages).toContain('writing the head record of the security log');
    expect([...stages].some((s) => /appending to the security log|completing an interrupted write/.test(s))).toBe(true);
    expect(successes).toBe(20);

    unlinkSync(filler);
    event(999);
    const v = log.verify();
    expect(v).toMatchObject({ ok: true, head: 'ok' });
    expect(v.interrupted).toBeUndefined();
    // Every entry that was acknowledged is on disk, and so is every entry a failed append left in the head.
    const onDisk = log.readRecent(10_000);
    for (const [seq, e] of written) expect(onDisk.find((x) => x.seq === seq)).toEqual(e);
    expect(onDisk.some((e) => e.event === 'log_write_completed')).toBe(true);
    expect(new Set(onDisk.map((e) => e.seq)).size).toBe(onDisk.length);
    log.close();
    expect(statSync(securityLogPaths(logFile).head).mode & 0o777).toBe(0o600);
  });
});
