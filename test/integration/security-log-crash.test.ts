/**
 * Crash consistency of the security log with real processes: writers that use the app's wiring
 * (HMAC key and monotonic anchor in a real SQLite vault) are killed with SIGKILL, and after every
 * kill the log must verify as intact or with a cut-off last entry — never as tampered — both
 * through the API and through `osmen-cred log --verify`; the next writer (a new process) must
 * continue the chain cleanly and complete the cut-off entry.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { chainFiles, parseEntry, splitLines } from '../../src/main/core/audit/log-chain.js';
import { SecurityLogger, securityLogPaths } from '../../src/main/core/audit/security-logger.js';
import { TokenStore } from '../../src/main/core/vault/token-store.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { runCli } from './cli/run-cli.js';
import type { LogVerifyResult, SecurityLogEntry } from '../../src/main/core/contracts/security-log.js';
import { VaultLogAnchorStore } from '../../src/main/core/audit/log-anchor.js';

const WRITER = fileURLToPath(new URL('./fixtures/log-writer.ts', import.meta.url));
const KEY = EncryptionManager.generateKey();

let home: ReturnType<typeof makeTmpHome>;
const logFile = () => join(home.dir, 'security.log');
const children = new Set<ChildProcessWithoutNullStreams>();

beforeEach(() => {
  home = makeTmpHome('osmen-logcrash-');
});
afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  home.cleanup();
});

interface Ack {
  seq: number;
  hash: string;
  event: string;
}

/** Starts a writer; `acks` fills as it acknowledges entries; `exited` resolves with its exit signal/code. */
function startWriter(name: string, count: number | 'forever', opts: { wait?: boolean } = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, home.dir, name, String(count)], {
    env: { ...process.env, OAUTH_ENCRYPTION_KEY: KEY, LOG_WRITER_WAIT: opts.wait ? '1' : '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  const acks: Ack[] = [];
  let stderr = '';
  let buf = '';
  let onLine: (() => void) | null = null;
  let ready = false;
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line === 'ready') ready = true;
      else {
        const [seq, hash, event] = line.split(' ');
        acks.push({ seq: Number(seq), hash: hash!, event: event! });
      }
      onLine?.();
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  /** Resolves once `cond` holds (checked on every line the child prints), or rejects if it exits first. */
  const until = (cond: () => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      if (cond()) return resolve();
      onLine = () => {
        if (cond()) {
          onLine = null;
          resolve();
        }
      };
      void exited.then(({ code }) => (cond() ? resolve() : reject(new Error(`writer ${name} exited ${code} first: ${stderr}`))));
    });
  return { child, acks, exited, until, isReady: () => ready, stderr: () => stderr };
}

/** A logger on the same files and vault as the writers, for verify() from this process. */
function withLogger<T>(fn: (log: SecurityLogger, tokens: TokenStore) => T): T {
  const tokens = new TokenStore({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(KEY) });
  const log = new SecurityLogger({
    logFile: logFile(),
    hmacKey: tokens.getOrCreateSecret('security-log-hmac'),
    anchorStore: new VaultLogAnchorStore(() => tokens),
    backups: 5,
  });
  try {
    return fn(log, tokens);
  } finally {
    log.close();
    tokens.close();
  }
}

const cliEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home.dir,
  OSMEN_HOME: home.dir,
  OAUTH_ENCRYPTION_KEY: KEY,
  OSMEN_KEYCHAIN_SERVICE: 'osmen log crash test (unused)',
});

function allEntries(): SecurityLogEntry[] {
  const out: SecurityLogEntry[] = [];
  for (const f of chainFiles(logFile(), 5)) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const l of splitLines(text)) {
      const e = parseEntry(l).entry;
      if (e) out.push(e);
    }
  }
  return out;
}

/** Intact, or intact up to an entry cut off by the kill: nothing else is acceptable after a crash. */
function expectCrashConsistent(v: LogVerifyResult, when: string): void {
  expect(v.firstBad, `${when}: ${v.firstBad?.reason}`).toBeUndefined();
  expect(v.ok, when).toBe(true);
  expect(v.head).toBe('ok');
  expect(v.reanchors, when).toEqual([]);
  expect(v.rollback.status, `${when}: ${v.rollback.message}`).toBe('ok');
}

describe('security log: SIGKILL at arbitrary points', () => {
  it('after every kill the log is intact or ends in a cut-off entry; the next process continues the chain and keeps every acknowledged entry', async () => {
    const ROUNDS = 40;
    const acked = new Map<number, string>();
    const states = { intact: 0, interrupted: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const w = startWriter(`r${round}`, 'forever');
      // Let it write a few entries (1–12), then kill it after a random 0–3 ms: inside or between appends.
      const want = 1 + Math.floor(Math.random() * 12);
      await w.until(() => w.acks.length >= want);
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      w.child.kill('SIGKILL');
      expect((await w.exited).signal).toBe('SIGKILL');
      for (const a of w.acks) {
        // No seq is ever handed out twice: a crash must not fork the chain.
        if (acked.has(a.seq)) expect(acked.get(a.seq), `seq ${a.seq} acknowledged twice with different entries`).toBe(a.hash);
        acked.set(a.seq, a.hash);
      }

      const v = withLogger((log) => log.verify());
      expectCrashConsistent(v, `after kill ${round}`);
      if (v.interrupted) {
        states.interrupted++;
        expect(v.interrupted.reason).toMatch(/head record holds the whole entry/);
      } else states.intact++;

      if (round % 10 === 9) {
        const cli = await runCli(['log', '--verify', '--json'], cliEnv());
        expect(cli.stderr).toBe('');
        expect(cli.code).toBe(0);
        const fromCli = JSON.parse(cli.stdout) as LogVerifyResult;
        expect(fromCli).toMatchObject({ ok: true, head: 'ok', reanchors: [], rollback: { status: 'ok' } });
        expect(Boolean(fromCli.interrupted)).toBe(Boolean(v.interrupted));
      }
    }

    // A last writer that is not killed completes whatever was cut off and leaves an intact log.
    const last = startWriter('final', 1);
    expect((await last.exited).code).toBe(0);
    for (const a of last.acks) acked.set(a.seq, a.hash);
    const v = withLogger((log) => log.verify());
    expectCrashConsistent(v, 'after the final writer');
    expect(v.interrupted).toBeUndefined();

    const entries = allEntries();
    const bySeq = new Map(entries.map((e) => [e.seq, e]));
    expect(bySeq.size).toBe(entries.length); // no duplicate seq on disk
    const firstRetained = entries[0]!.seq;
    for (const [seq, hash] of acked) {
      if (seq >= firstRetained) expect(bySeq.get(seq)?.hash, `acknowledged seq ${seq} is missing or differs`).toBe(hash);
    }
    // Each completion notice follows the entry it completed. The notice is a separate append, so
    // rotation can fall between the two: when the notice opens the oldest retained file, the
    // entry it completed went with the dropped file (CI hit exactly this once).
    for (const e of entries.filter((x) => x.event === 'log_write_completed')) {
      expect(String(e.details.reason)).toContain(`seq ${e.seq - 1} was cut off by an interrupted write`);
      if (e.seq - 1 >= firstRetained) expect(bySeq.get(e.seq - 1), `completed seq ${e.seq - 1}`).toBeDefined();
    }
    console.info(
      `security log crash test: ${ROUNDS} kills, ${states.intact} left the log intact, ${states.interrupted} mid-append (completed by the next process); ${entries.length} entries retained`,
    );
  }, 240_000);
});

describe('security log: several processes at once', () => {
  it('four writers appending concurrently keep one chain, and the vault anchor (updated under the same lock) ends at its end', async () => {
    const writers = ['a', 'b', 'c', 'd'].map((n) => startWriter(n, 30));
    const exits = await Promise.all(writers.map((w) => w.exited));
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0, 0]);
    const seqs = writers.flatMap((w) => w.acks.map((a) => a.seq)).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const v = withLogger((log) => log.verify());
    expect(v).toMatchObject({ ok: true, head: 'ok', reanchors: [], rollback: { status: 'ok', anchorSeq: 120 } });
  });
});

describe('security log: a kill in a known window', () => {
  /** Writes `n` entries with a writer that exits normally. */
  async function seed(n: number): Promise<Ack[]> {
    const w = startWriter('seed', n);
    expect((await w.exited).code).toBe(0);
    return w.acks;
  }

  /**
   * Kills a writer after it wrote the head record and before the vault anchor and the line:
   * this process holds the vault's write lock, so the writer waits inside the anchor update.
   */
  async function killBetweenHeadAndVault(): Promise<{ seq: number; line: string }> {
    const w = startWriter('victim', 1, { wait: true });
    await w.until(() => w.isReady());
    const db = new Database(join(home.dir, 'tokens.db'));
    const { head } = securityLogPaths(logFile());
    const before = JSON.parse(readFileSync(head, 'utf8')) as { seq: number };
    try {
      db.prepare('BEGIN IMMEDIATE').run();
      w.child.stdin.write('go\n');
      // The head moves first (write-ahead); then the writer blocks on the vault.
      for (;;) {
        const now = JSON.parse(readFileSync(head, 'utf8')) as { seq: number; last: string };
        if (now.seq === before.seq + 1) {
          w.child.kill('SIGKILL');
          await w.exited;
          expect(w.acks).toEqual([]);
          return { seq: now.seq, line: now.last };
        }
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      db.prepare('ROLLBACK').run();
      db.close();
    }
  }

  it('head written, vault and line not: verify says interrupted (not tampered), CLI exits 0, the next process writes the entry', async () => {
    await seed(3);
    const { seq, line } = await killBetweenHeadAndVault();
    expect(seq).toBe(4);
    const v = withLogger((log) => log.verify());
    expect(v).toMatchObject({ ok: true, entries: 3, head: 'ok', reanchors: [], interrupted: { seq: 4, file: logFile(), line: 4 } });
    // The vault is one behind the head: a crash between the two writes, not a rollback.
    expect(v.rollback).toMatchObject({ status: 'ok', anchorSeq: 3 });

    const cli = await runCli(['log', '--verify'], cliEnv());
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('Security log verifies: 3 entries');
    expect(cli.stdout).toContain('Interrupted write (not tampering)');

    const next = startWriter('next', 1);
    expect((await next.exited).code).toBe(0);
    // The cut-off entry first (byte for byte what the head held), then the notice, then the new event.
    expect(next.acks.map((a) => [a.seq, a.event])).toEqual([
      [4, 'refresh'],
      [5, 'log_write_completed'],
      [6, 'refresh'],
    ]);
    expect(splitLines(readFileSync(logFile(), 'utf8'))[3]).toBe(line);
    const after = withLogger((log) => log.verify());
    expect(after).toMatchObject({ ok: true, entries: 6, reanchors: [], rollback: { status: 'ok', anchorSeq: 6 } });
    expect(after.interrupted).toBeUndefined();
  });

  it("a line cut off half-way (its bytes are a prefix of the head's entry): reported as such, then completed, not glued or dropped", async () => {
    await seed(3);
    const { line } = await killBetweenHeadAndVault();
    // What a write cut short by the crash leaves: the first bytes of the line, no newline.
    appendFileSync(logFile(), Buffer.from(line, 'utf8').subarray(0, 57));
    const v = withLogger((log) => log.verify());
    expect(v).toMatchObject({ ok: true, entries: 3, interrupted: { seq: 4, line: 4 } });
    expect(v.interrupted!.reason).toContain('cut off after 57 bytes');

    const next = startWriter('next', 2);
    expect((await next.exited).code).toBe(0);
    const ls = splitLines(readFileSync(logFile(), 'utf8'));
    expect(ls).toHaveLength(3 + 1 + 1 + 2);
    expect(ls[3]).toBe(line);
    const notice = parseEntry(ls[4]!).entry!;
    expect(notice).toMatchObject({ seq: 5, event: 'log_write_completed', level: 'warn', details: { count: 57 } });
    expect(String(notice.details.reason)).toContain('57 of');
    const after = withLogger((log) => log.verify());
    expect(after).toMatchObject({ ok: true, entries: 7, reanchors: [] });
    expect(after.interrupted).toBeUndefined();
  });
});
