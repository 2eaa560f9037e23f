/**
 * Rollback and truncation detection: the monotonic anchor of the security log in the vault
 * (a real SQLite tokens.db; the master key is passed in, no keychain needed).
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { LogAnchorError, signAnchor } from '../../src/main/core/audit/log-anchor.js';
import { deriveLogKeys } from '../../src/main/core/audit/log-chain.js';
import { signHead } from '../../src/main/core/audit/log-head.js';
import { securityLogChecks } from '../../src/main/core/audit/log-health.js';
import { SecurityLogger, securityLogPaths } from '../../src/main/core/audit/security-logger.js';
import { TokenStore } from '../../src/main/core/vault/token-store.js';
import { toLogVerifyDto } from '../../src/main/ipc/dto.js';
import { LogVerifyDtoSchema } from '../../src/shared/ipc-contract.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { startRogueIssuer, type RogueIssuer } from '../helpers/rogue-issuer.js';
import { VaultLogAnchorStore } from '../../src/main/core/audit/log-anchor.js';

// A loopback issuer with a discovery document: adding a provider fetches and checks it.
let idp: RogueIssuer;
beforeAll(async () => {
  idp = await startRogueIssuer();
});
afterAll(async () => {
  await idp.close();
});

let home: { dir: string; cleanup: () => void };
let logFile: string;
let dbPath: string;
const MASTER = EncryptionManager.generateKey();
const KEY = Buffer.alloc(32, 0x42);
const open: Array<{ close(): void }> = [];

function vault(busyTimeoutMs?: number): { tokens: TokenStore; store: VaultLogAnchorStore } {
  const tokens = new TokenStore({ dbPath, encryption: new EncryptionManager(MASTER), ...(busyTimeoutMs ? { busyTimeoutMs } : {}) });
  open.push(tokens);
  return { tokens, store: new VaultLogAnchorStore(() => tokens) };
}
function logger(store?: VaultLogAnchorStore): SecurityLogger {
  const l = new SecurityLogger({ logFile, hmacKey: KEY, ...(store ? { anchorStore: store } : {}) });
  open.push(l);
  return l;
}

beforeEach(() => {
  home = makeTmpHome('osmen-anchor-');
  logFile = join(home.dir, 'security.log');
  dbPath = join(home.dir, 'tokens.db');
});
afterEach(() => {
  for (const x of open.splice(0).reverse()) x.close();
  home.cleanup();
});

const fill = (log: SecurityLogger, n: number): void => {
  for (let i = 0; i < n; i++) log.logOAuthEvent('refresh', 'google', `u${i}`, true, { attempt: i });
};
const files = () => [logFile, securityLogPaths(logFile).head];
const save = (): Buffer[] => files().map((f) => readFileSync(f));
const putBack = (copy: Buffer[]): void => files().forEach((f, i) => writeFileSync(f, copy[i]!));

describe('the anchor in the vault', () => {
  it('follows every append: seq and hash of the newest entry, signed with the log key', () => {
    const { store } = vault();
    const log = logger(store);
    expect(store.read()).toBeNull();
    fill(log, 3);
    const newest = log.readRecent(1)[0]!;
    expect(store.read()).toEqual(signAnchor(deriveLogKeys(KEY), 3, newest.hash));
    expect(log.verify()).toMatchObject({ ok: true, rollback: { status: 'ok', anchorSeq: 3 } });
  });

  it('never moves back', () => {
    const { store } = vault();
    const log = logger(store);
    fill(log, 3);
    const keys = deriveLogKeys(KEY);
    expect(() => store.advance(signAnchor(keys, 2, 'a'.repeat(64)))).toThrowError(LogAnchorError);
    expect(() => store.advance(signAnchor(keys, 3, 'b'.repeat(64)))).toThrowError(expect.objectContaining({ code: 'ANCHOR_REGRESSION' }));
    expect(store.read()!.seq).toBe(3);
  });
});

describe('rollback: an older copy of the log and its head restored', () => {
  it('verifies as intact without the vault (the bug) and as rolled back with it; the next entry keeps the gap visible', () => {
    const { store } = vault();
    const log = logger(store);
    fill(log, 5);
    const older = save();
    fill(log, 5);
    putBack(older);

    const noVault = logger();
    expect(noVault.verify()).toMatchObject({ ok: true, rollback: { status: 'off' } });

    const v = log.verify();
    expect(v).toMatchObject({
      ok: false,
      rollback: { status: 'rolled_back', anchorSeq: 10 },
      firstBad: { problem: 'rolled_back', seq: 6, line: 6 },
    });
    expect(v.rollback.message).toContain('the log ends at seq 5');

    log.logTokenEvent('token_saved', 'google', 'u');
    const [entry, notice] = log.readRecent(2);
    expect(notice).toMatchObject({ seq: 11, event: 'log_reanchored', level: 'error' });
    expect(String(notice!.details.reason)).toContain('seq 6–10 removed');
    expect(entry!.seq).toBe(12);
    const after = log.verify();
    expect(after).toMatchObject({ ok: false, firstBad: { seq: 11, problem: 'missing' }, rollback: { status: 'ok', anchorSeq: 12 } });
    expect(after.reanchors).toEqual([{ seq: 11, ts: notice!.ts, reason: String(notice!.details.reason) }]);
  });

  it('a deleted head with the newest entries cut off is caught by the anchor', () => {
    const { store } = vault();
    const log = logger(store);
    fill(log, 8);
    unlinkSync(securityLogPaths(logFile).head);
    writeFileSync(logFile, readFileSync(logFile, 'utf8').split('\n').slice(0, 5).join('\n') + '\n');
    const v = log.verify();
    expect(v).toMatchObject({
      ok: false,
      head: 'missing',
      firstBad: { problem: 'head_missing' },
      rollback: { status: 'rolled_back', anchorSeq: 8 },
    });

    log.logTokenEvent('token_saved', 'google', 'u');
    const after = log.verify();
    expect(after.firstBad).toMatchObject({ seq: 9, problem: 'missing' });
    expect(after.reanchors.map((r) => r.seq)).toEqual([9, 10]);
    expect(after.reanchors[0]!.reason).toContain('head record was missing');
    expect(after.reanchors[1]!.reason).toContain('seq 6–8 removed');
  });

  it('a deleted head alone is re-anchored from the file, which matches the vault: intact, and the re-anchor is listed', () => {
    const { store } = vault();
    const log = logger(store);
    fill(log, 5);
    unlinkSync(securityLogPaths(logFile).head);
    expect(log.verify()).toMatchObject({ ok: false, head: 'missing', rollback: { status: 'ok' } });
    log.logTokenEvent('token_saved', 'google', 'u');
    const v = log.verify();
    expect(v).toMatchObject({ ok: true, rollback: { status: 'ok', anchorSeq: 7 } });
    expect(v.reanchors).toEqual([{ seq: 6, ts: expect.any(String), reason: expect.stringContaining('head record was missing') }]);
    // The Log view and the health report show it.
    expect(LogVerifyDtoSchema.parse(toLogVerifyDto(v)).reanchors).toEqual(v.reanchors);
    expect(securityLogChecks(v).find((c) => c.id === 'security-log-reanchors')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('seq 6 at'),
    });
  });

  it('the log rewritten under the same key from the anchored seq on (forked)', () => {
    const { store } = vault();
    const log = logger(store);
    fill(log, 4);
    // Another log with the same key and length but other entries, moved over this one.
    const otherDir = join(home.dir, 'other');
    mkdirSync(otherDir);
    const other = new SecurityLogger({ logFile: join(otherDir, 'security.log'), hmacKey: KEY });
    open.push(other);
    for (let i = 0; i < 4; i++) other.logSecurityEvent('key_rotation', { rotated: i });
    copyFileSync(join(otherDir, 'security.log'), logFile);
    copyFileSync(join(otherDir, 'security.log.head'), securityLogPaths(logFile).head);
    expect(logger().verify().ok).toBe(true); // without the vault: nothing to see
    expect(log.verify()).toMatchObject({
      ok: false,
      rollback: { status: 'forked', anchorSeq: 4 },
      firstBad: { problem: 'rolled_back', seq: 4 },
    });
  });
});

describe('the vault side', () => {
  it('restored from an older copy (anchor behind): a warning, and the next entry moves it up with a re-anchor', () => {
    const v1 = vault();
    const log = logger(v1.store);
    fill(log, 3);
    const backup = join(home.dir, 'tokens.backup.db');
    v1.tokens.database.exec(`VACUUM INTO '${backup}'`);
    fill(log, 5);
    log.close();
    v1.tokens.close();
    for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(f, { force: true });
    copyFileSync(backup, dbPath);

    const v2 = vault();
    const log2 = logger(v2.store);
    const v = log2.verify();
    expect(v).toMatchObject({ ok: true, rollback: { status: 'behind', anchorSeq: 3 } });
    expect(securityLogChecks(v).find((c) => c.id === 'security-log-rollback')).toMatchObject({ status: 'warn' });
    log2.logTokenEvent('token_saved', 'google', 'u');
    expect(log2.readRecent(2)[1]).toMatchObject({ seq: 9, event: 'log_reanchored', level: 'warn' });
    expect(log2.verify()).toMatchObject({ ok: true, rollback: { status: 'ok', anchorSeq: 10 }, reanchors: [{ seq: 9 }] });
  });

  it('a failed vault write leaves the entry in the head (interrupted, anchor one behind: no alarm); the next append completes it', () => {
    const { store } = vault(50);
    const log = logger(store);
    fill(log, 3);
    const other = new Database(dbPath);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      expect(() => log.logSecurityEvent('provider_added', { reason: 'x' })).toThrowError(
        expect.objectContaining({ name: 'SecurityLogError', code: 'ANCHOR_FAILED' }),
      );
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    const v = log.verify();
    expect(v).toMatchObject({ ok: true, entries: 3, interrupted: { seq: 4 }, rollback: { status: 'ok', anchorSeq: 3 } });
    log.logTokenEvent('token_saved', 'google', 'u');
    expect(log.readRecent(3).map((e) => e.event)).toEqual(['token_saved', 'log_write_completed', 'provider_added']);
    expect(log.verify()).toMatchObject({ ok: true, entries: 6, reanchors: [], rollback: { status: 'ok', anchorSeq: 6 } });
  });

  it('an entry completed by an append that then fails is still announced to the listener', () => {
    const { store } = vault(50);
    const seen: number[] = [];
    const log = new SecurityLogger({ logFile, hmacKey: KEY, anchorStore: store, onAppend: (e) => seen.push(e.seq) });
    open.push(log);
    fill(log, 3);
    const other = new Database(dbPath);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      // seq 4: the head holds it, the vault is locked, so its line is never written.
      expect(() => log.logSecurityEvent('provider_added', { reason: 'x' })).toThrowError(
        expect.objectContaining({ code: 'ANCHOR_FAILED' }),
      );
      expect(seen).toEqual([1, 2, 3]);
      // The next append writes seq 4's line from the head, then fails on the still locked vault.
      expect(() => log.logTokenEvent('token_saved', 'google', 'u')).toThrowError(expect.objectContaining({ code: 'ANCHOR_FAILED' }));
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    expect(log.readRecent(1)[0]).toMatchObject({ seq: 4, event: 'provider_added' });
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('an edited anchor is reported and replaced by a re-anchor', () => {
    const { tokens, store } = vault();
    const log = logger(store);
    fill(log, 3);
    const row = tokens.database.prepare("SELECT value FROM meta WHERE key = 'security_log_anchor'").get() as { value: string };
    const forged = { ...JSON.parse(row.value), seq: 2 };
    tokens.database.prepare("UPDATE meta SET value = ? WHERE key = 'security_log_anchor'").run(JSON.stringify(forged));
    expect(log.verify()).toMatchObject({ ok: false, rollback: { status: 'invalid' }, firstBad: { problem: 'anchor_invalid' } });
    log.logTokenEvent('token_saved', 'google', 'u');
    const v = log.verify();
    expect(v).toMatchObject({ ok: true, rollback: { status: 'ok', anchorSeq: 5 } });
    expect(v.reanchors[0]!.reason).toContain('signature does not match');
  });

  it('a deleted anchor of an anchored log is a re-anchor; a log that never had one is anchored with an info entry', () => {
    const plain = logger();
    fill(plain, 2); // written by a tool without the vault
    const { tokens, store } = vault();
    const log = logger(store);
    expect(log.verify()).toMatchObject({ ok: true, rollback: { status: 'missing' } });
    fill(log, 1);
    expect(log.readRecent(2)[1]).toMatchObject({ event: 'log_anchored', level: 'info' });
    expect(log.verify()).toMatchObject({ ok: true, reanchors: [], rollback: { status: 'ok', anchorSeq: 4 } });

    tokens.database.prepare("DELETE FROM meta WHERE key = 'security_log_anchor'").run();
    fill(log, 1);
    expect(log.readRecent(2)[1]).toMatchObject({ event: 'log_reanchored', level: 'error' });
    expect(log.verify().reanchors[0]!.reason).toContain('no anchor for this log although it had one');
  });
});

describe('a deleted anchor with the head that says "anchored"', () => {
  it('an older log and head restored and the anchor row deleted is a rollback, not "chain intact"', () => {
    const { tokens, store } = vault();
    const log = logger(store);
    fill(log, 5);
    const older = save();
    fill(log, 5);
    putBack(older);
    tokens.database.prepare("DELETE FROM meta WHERE key = 'security_log_anchor'").run();
    const head = JSON.parse(readFileSync(securityLogPaths(logFile).head, 'utf8')) as { anchored: boolean; anchoredSince: number };
    expect(head).toMatchObject({ anchored: true, anchoredSince: 1 });
    const v = log.verify();
    expect(v).toMatchObject({ ok: false, rollback: { status: 'rolled_back' }, firstBad: { problem: 'rolled_back', seq: 6 } });
    expect(v.rollback.message).toContain('the vault has anchored this log since seq 1, but the vault holds no anchor');
    // The next entry records the removal; the chain goes on from the restored copy.
    log.logTokenEvent('token_saved', 'google', 'u');
    expect(log.readRecent(2)[1]).toMatchObject({ event: 'log_reanchored', level: 'error' });
  });

  it('a new vault: nothing logged, a log from a tool, and a first anchored write cut off before the vault are not alarms', () => {
    const { store } = vault(50);
    const log = logger(store);
    expect(log.verify()).toMatchObject({ ok: true, rollback: { status: 'ok' } });
    const plain = logger();
    fill(plain, 2); // no vault: its heads say nothing about an anchor
    expect(log.verify()).toMatchObject({ ok: true, rollback: { status: 'missing' } });
    // The first write that would anchor the log: the head is written, the vault is locked.
    const other = new Database(dbPath);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      expect(() => log.logSecurityEvent('provider_added', { reason: 'x' })).toThrowError(
        expect.objectContaining({ code: 'ANCHOR_FAILED' }),
      );
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    expect(JSON.parse(readFileSync(securityLogPaths(logFile).head, 'utf8'))).toMatchObject({ seq: 3, anchoredSince: 3 });
    expect(log.verify()).toMatchObject({ ok: true, interrupted: { seq: 3 }, rollback: { status: 'missing' } });
    fill(log, 1);
    expect(log.verify()).toMatchObject({ ok: true, rollback: { status: 'ok' } });
  });

  it('a head from before anchoredSince keeps the old warning; the next append adds it', () => {
    const { tokens, store } = vault();
    const log = logger(store);
    fill(log, 3);
    // Rewrite the head as an older version wrote it: anchored, without anchoredSince, signed.
    const headFile = securityLogPaths(logFile).head;
    const {
      v: _v,
      keyId: _k,
      mac: _m,
      anchoredSince: _a,
      ...fields
    } = JSON.parse(readFileSync(headFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(headFile, JSON.stringify(signHead(deriveLogKeys(KEY), fields as Parameters<typeof signHead>[1])));
    tokens.database.prepare("DELETE FROM meta WHERE key = 'security_log_anchor'").run();
    expect(log.verify()).toMatchObject({ ok: true, rollback: { status: 'missing' } });
    fill(log, 1);
    expect(JSON.parse(readFileSync(headFile, 'utf8'))).toMatchObject({ seq: 5, anchoredSince: 4 });
  });
});

describe('the core and the health report', () => {
  it('anchors the log in its vault; a rollback fails the health report and the re-anchor stays listed', async () => {
    const core = await createCredentialCore({ home: home.dir, encryptionKey: MASTER, env: {} });
    try {
      await core.createCustomProvider({ id: 'corp', issuer: idp.issuer, clientId: 'abc', scopes: ['openid'] });
      // A normal event is not an error.
      expect(core.readLog(1)[0]).toMatchObject({ event: 'provider_added', level: 'info', category: 'security' });
      const older = save();
      coreInternals(core).log.logSecurityEvent('key_rotation', { rotated: 0 });
      coreInternals(core).log.logSecurityEvent('key_rotation', { rotated: 0 });

      let report = await core.healthReport();
      const ids = (r: typeof report) =>
        Object.fromEntries(r.checks.filter((c) => c.id.startsWith('security-log')).map((c) => [c.id, c.status]));
      expect(ids(report)).toEqual({ 'security-log-chain': 'pass', 'security-log-rollback': 'pass', 'security-log-reanchors': 'pass' });

      putBack(older);
      report = await core.healthReport();
      expect(report.ok).toBe(false);
      expect(ids(report)['security-log-rollback']).toBe('fail');
      expect(report.checks.find((c) => c.id === 'security-log-rollback')!.message).toContain('the log ends at seq');
      // The report logged its failed check; that append re-anchored past the gap, which stays visible.
      expect(core.readLog(2).map((e) => e.event)).toEqual(['validation_failure', 'log_reanchored']);
      expect(core.verifyLog()).toMatchObject({ ok: false, firstBad: { problem: 'missing' }, rollback: { status: 'ok' } });
      report = await core.healthReport();
      expect(ids(report)).toMatchObject({
        'security-log-chain': 'fail',
        'security-log-rollback': 'pass',
        'security-log-reanchors': 'warn',
      });
      expect(report.checks.find((c) => c.id === 'security-log-reanchors')!.message).toMatch(/re-established 1 time: seq \d+ at .*removed/);
    } finally {
      await core.close();
    }
  });
});
