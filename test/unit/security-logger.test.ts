import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecurityLogger, securityLogPaths, verifySecurityLog } from '../../src/main/core/audit/security-logger.js';
import { GENESIS_HASH, canonicalJson, deriveLogKeys, entryHash } from '../../src/main/core/audit/log-chain.js';
import { fill, KEY, readLines, useLogHome, writeLines } from '../helpers/security-log-home.js';
import type { SecurityLogEntry } from '../../src/main/core/contracts/security-log.js';
import { SecurityLogError } from '../../src/main/core/audit/log-errors.js';

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
const mode = (p: string): number => statSync(p).mode & 0o777;

/** Canary secrets, assembled at run time so this source file does not itself look like it holds secrets. */
const C = {
  access: ['ya29', 'a0CANARYACCESS' + 'q'.repeat(40)].join('.'),
  refresh: '1/' + '/0gCANARYREFRESH' + 'r'.repeat(40),
  secret: 'GOC' + 'SPX-CANARYSECRET' + 's'.repeat(20),
  jwt: 'ey' + 'JhbGciOiJSUzI1NiJ9.eyJzdWIiOiJDQU5BUllKV1QifQ.CANARYJWTSIG' + 'j'.repeat(30),
  hex: 'c0ffee'.repeat(8) + 'CANARYHEX'.toLowerCase().replace(/[^a-f0-9]/g, 'a'),
  pem: '-----BEGIN ' + 'PRIVATE KEY-----\nMIICANARYPEM' + 'p'.repeat(40) + '\n-----END PRIVATE KEY-----',
  bearer: 'Bearer CANARYBEARER' + 'b'.repeat(10),
  email: 'canary.person@example.org',
};
/** Distinctive parts of each canary to grep for in the raw files. */
const CANARY_MARKS = [
  'CANARYACCESS',
  'CANARYREFRESH',
  'CANARYSECRET',
  'CANARYJWT',
  'eyJzdWIiOiJDQU5BUllKV1QifQ',
  'c0ffeec0ffee',
  'MIICANARYPEM',
  'CANARYBEARER',
  'canary.person',
];

describe('SecurityLogger: entries', () => {
  it('writes one JSON object per line with the SecurityLogEntry shape and a linked chain', () => {
    const log = open();
    log.logOAuthEvent('connect', 'google', 'alice@example.com', true, { scopes: ['openid', 'email'] as unknown as string });
    log.logTokenEvent('token_saved', 'google', 'alice@example.com');
    log.logSecurityError('decryption_failure', { reason: 'tag mismatch', field: 'access_token' });
    const ls = lines();
    expect(ls).toHaveLength(3);
    const entries = ls.map((l) => JSON.parse(l) as SecurityLogEntry);
    // Nothing but the JSON object on the line (no electron-log date/level prefix).
    ls.forEach((l) => expect(l.startsWith('{"seq":')).toBe(true));
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(entries[0]!.prev).toBe(GENESIS_HASH);
    expect(entries[1]!.prev).toBe(entries[0]!.hash);
    expect(entries[2]!.prev).toBe(entries[1]!.hash);
    for (const e of entries) {
      expect(e.hash).toBe(entryHash(e));
      expect(Number.isNaN(Date.parse(e.ts))).toBe(false);
      expect(e.ts.endsWith('Z')).toBe(true);
    }
    expect(entries[0]).toMatchObject({
      level: 'info',
      category: 'oauth',
      event: 'connect',
      provider: 'google',
      success: true,
      details: { scopes: 'openid email' },
    });
    expect(entries[1]).toMatchObject({
      level: 'info',
      category: 'token',
      event: 'token_saved',
      provider: 'google',
      success: true,
      details: {},
    });
    expect(entries[2]).toMatchObject({
      level: 'error',
      category: 'security',
      event: 'decryption_failure',
      details: { reason: 'tag mismatch', field: 'access_token' },
    });
    expect(entries[2]!.userHash).toBeUndefined();
    log.logOAuthEvent('refresh', 'google', 'alice@example.com', false, { code: 'invalid_grant' });
    expect(log.readRecent(1)[0]).toMatchObject({ level: 'warn', success: false });
    expect(log.verify()).toEqual({
      ok: true,
      entries: 4,
      head: 'ok',
      reanchors: [],
      rollback: { status: 'off', message: expect.stringContaining('Rollback detection is off') },
    });
  });

  it('writes normal security events at info (or a chosen level) and failures at error', () => {
    const log = open();
    log.logSecurityEvent('provider_added', { source: 'custom', reason: 'corp' });
    log.logSecurityEvent('key_rotation', { keyId: 'k2', rotated: 3, reason: 'resumed' }, 'warn');
    log.logSecurityError('decryption_failure', { field: 'access_token' });
    const [err, warn, info] = log.readRecent(3);
    expect(info).toMatchObject({
      level: 'info',
      category: 'security',
      event: 'provider_added',
      details: { source: 'custom', reason: 'corp' },
    });
    expect(warn).toMatchObject({ level: 'warn', event: 'key_rotation', details: { keyId: 'k2', rotated: 3, reason: 'resumed' } });
    expect(err).toMatchObject({ level: 'error', event: 'decryption_failure' });
    // A level from outside the type (a JS caller) is not written as such.
    log.logSecurityEvent('key_created', {}, 'fatal' as never);
    expect(log.readRecent(1)[0]!.level).toBe('info');
  });

  it('creates the folder 0700 and the log and head 0600', () => {
    const log = open();
    log.logTokenEvent('token_saved', 'google', 'u');
    expect(mode(join(home.dir, 'osmen'))).toBe(0o700);
    expect(mode(logFile)).toBe(0o600);
    expect(mode(securityLogPaths(logFile).head)).toBe(0o600);
    expect(existsSync(securityLogPaths(logFile).lock)).toBe(false);
  });

  it('hashes user ids with a keyed HMAC: not plain SHA-256, stable per key, different across keys', () => {
    const a = open();
    a.logOAuthEvent('connect', 'google', C.email, true);
    const h1 = a.readRecent(1)[0]!.userHash!;
    expect(h1).toMatch(/^[0-9a-f]{32}$/);
    const sha = createHash('sha256').update(C.email).digest('hex');
    expect(sha.startsWith(h1)).toBe(false);
    expect(sha.slice(0, 16)).not.toBe(h1.slice(0, 16)); // the seed's sha256(user)[:16]
    expect(a.userHash(C.email)).toBe(h1);
    a.close();

    const b = open(); // same key, new instance: same hash
    b.logOAuthEvent('refresh', 'google', C.email, true);
    expect(b.readRecent(1)[0]!.userHash).toBe(h1);

    const other = new SecurityLogger({ logFile: join(home.dir, 'other', 'security.log'), hmacKey: Buffer.alloc(32, 0x43) });
    loggers.push(other);
    expect(other.userHash(C.email)).not.toBe(h1);
    expect(readFileSync(logFile, 'utf8')).not.toContain('canary.person');
  });

  it('without hmacKey uses a persisted random key file (0600), so hashes survive a restart', () => {
    const a = new SecurityLogger({ logFile });
    loggers.push(a);
    const keyFile = securityLogPaths(logFile).key;
    expect(mode(keyFile)).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, 'utf8'), 'base64')).toHaveLength(32);
    const h = a.userHash('bob@example.com');
    a.logTokenEvent('token_saved', 'google', 'bob@example.com');
    a.close();
    const b = new SecurityLogger({ logFile });
    loggers.push(b);
    expect(b.userHash('bob@example.com')).toBe(h);
    b.logTokenEvent('token_saved', 'google', 'bob@example.com');
    expect(b.verify().ok).toBe(true);
    expect(verifySecurityLog({ logFile }).ok).toBe(true);
  });

  it('rejects a short hmacKey with a typed error', () => {
    expect(() => new SecurityLogger({ logFile, hmacKey: 'short' })).toThrowError(SecurityLogError);
  });
});

describe('SecurityLogger: allow-list and redaction', () => {
  it('keeps allow-listed scalar details, drops unknown and nested keys and records that it did', () => {
    const log = open();
    log.logOAuthEvent('refresh', 'microsoft', 'u1', false, {
      code: 'invalid_grant',
      status: 400,
      retryable: false,
      retryAfterMs: 1500,
      providerCodes: ['AADSTS70008'] as unknown as string,
      access_token: 'x',
      body: 'whatever',
      // @ts-expect-error nested values are not LogDetails; the logger must cope anyway
      nested: { refresh_token: 'y' },
    });
    const e = log.readRecent(1)[0]!;
    expect(e.details).toEqual({
      code: 'invalid_grant',
      status: 400,
      retryable: false,
      retryAfterMs: 1500,
      providerCodes: 'AADSTS70008',
      dropped: 3,
      droppedKeys: 'access_token,body,nested',
    });
  });

  it('never writes planted canary tokens to any file, whatever field they are planted in', () => {
    const log = open({ maxBytes: 4096, backups: 2 });
    const all = Object.values(C).join(' ');
    for (let i = 0; i < 15; i++) {
      log.logOAuthEvent('refresh', 'google', C.email, false, {
        reason: `token endpoint said ${all}`,
        error: new Error(`refresh failed for ${C.refresh} with ${C.bearer}`) as unknown as string,
        code: C.access,
        source: C.pem,
        keyId: C.hex,
        field: `access_token=${C.access}&refresh_token=${C.refresh}`,
        access_token: C.access,
        [C.secret]: 'as a key name',
        scopes: [C.jwt, 'openid'] as unknown as string,
      });
      log.logSecurityError(`decryption_failure ${C.access}`, { reason: `client_secret: ${C.secret}`, channel: C.jwt });
      log.logOAuthEvent(`connect`, `google ${C.refresh}`, C.email, true);
    }
    const files = readdirSync(join(home.dir, 'osmen'));
    expect(files).toContain('security.log.1'); // rotation happened, so the scan covers rotated files too
    for (const f of files) {
      const raw = readFileSync(join(home.dir, 'osmen', f), 'utf8');
      for (const mark of CANARY_MARKS) expect(raw, `${mark} in ${f}`).not.toContain(mark);
    }
    const e = log.readRecent(3).find((x) => x.event === 'refresh')!;
    expect(String(e.details.reason)).toContain('[REDACTED]');
    expect(e.details.redacted).toBeGreaterThan(0);
    expect(String(e.details.error)).toMatch(/^Error: refresh failed for \[REDACTED\]/);
    expect(log.verify().ok).toBe(true);
  });

  it('passes ordinary text through unchanged', () => {
    const log = open();
    const details = {
      reason: 'Token has been expired or revoked.',
      code: 'invalid_grant',
      status: 400,
      scopes: 'openid email https://www.googleapis.com/auth/gmail.readonly https://graph.microsoft.com/Mail.Read offline_access',
      providerCodes: 'AADSTS700082,AADSTS50173',
      keyId: 'Ab3_x9Qz',
      provider: 'microsoft',
      phase: 'refresh',
    };
    log.logOAuthEvent('refresh', 'google', 'u', false, details);
    expect(log.readRecent(1)[0]!.details).toEqual(details);
  });
});

describe('SecurityLogger: rotation', () => {
  it('rotates at maxBytes keeping exactly `backups` private files, and the chain verifies across them', () => {
    const log = open({ maxBytes: 2048, backups: 3 });
    fill(log, 80);
    const names = readdirSync(join(home.dir, 'osmen')).sort();
    expect(names).toEqual(['security.log', 'security.log.1', 'security.log.2', 'security.log.3', 'security.log.head']);
    for (const n of names) {
      expect(mode(join(home.dir, 'osmen', n))).toBe(0o600);
      expect(statSync(join(home.dir, 'osmen', n)).size).toBeLessThanOrEqual(2048);
    }
    // The newest backup directly precedes the live file.
    const firstLive = JSON.parse(lines()[0]!) as SecurityLogEntry;
    const lastOf1 = JSON.parse(lines(`${logFile}.1`).at(-1)!) as SecurityLogEntry;
    expect(firstLive.prev).toBe(lastOf1.hash);
    expect(firstLive.seq).toBe(lastOf1.seq + 1);
    // Older entries were dropped on purpose; the chain still verifies from the first retained entry.
    const oldest = JSON.parse(lines(`${logFile}.3`)[0]!) as SecurityLogEntry;
    expect(oldest.seq).toBeGreaterThan(1);
    const v = log.verify();
    expect(v).toMatchObject({ ok: true, head: 'ok' });
    expect(v.entries).toBe(81 - oldest.seq);
  });

  it('readRecent returns the newest entries first across rotated files', () => {
    const log = open({ maxBytes: 2048, backups: 3 });
    fill(log, 40);
    const liveCount = lines().length;
    const recent = log.readRecent(liveCount + 5);
    expect(recent.map((e) => e.seq)).toEqual(Array.from({ length: liveCount + 5 }, (_, i) => 40 - i));
    expect(log.readRecent(0)).toEqual([]);
    expect(log.readRecent(10_000).length).toBe(log.verify().entries);
  });

  it('readRecent reads large files from the end, across block boundaries, identical to the file lines', () => {
    const log = open({ maxBytes: 1024 * 1024 });
    for (let i = 1; i <= 600; i++) log.logSecurityError('validation_failure', { reason: `r${i}ü€ `.repeat((i % 17) * 5 + 1), count: i });
    expect(statSync(logFile).size).toBeGreaterThan(3 * 64 * 1024);
    const fromFile = lines()
      .map((l) => JSON.parse(l) as SecurityLogEntry)
      .reverse();
    expect(log.readRecent(600)).toEqual(fromFile);
    expect(log.readRecent(5).map((e) => e.seq)).toEqual([600, 599, 598, 597, 596]);
  });

  it('with backups = 0 keeps only the live file and still verifies', () => {
    const log = open({ maxBytes: 1024, backups: 0 });
    fill(log, 20);
    expect(readdirSync(join(home.dir, 'osmen')).sort()).toEqual(['security.log', 'security.log.head']);
    expect(log.verify().ok).toBe(true);
  });
});

describe('SecurityLogger: restart and continuity', () => {
  it('a new logger on the same file continues the chain', () => {
    const a = open({ maxBytes: 2048, backups: 3 });
    fill(a, 12);
    const last = a.readRecent(1)[0]!;
    a.close();
    expect(() => a.logTokenEvent('token_saved', 'google', 'u')).toThrowError(expect.objectContaining({ code: 'CLOSED' }));
    const b = open({ maxBytes: 2048, backups: 3 });
    b.logTokenEvent('token_saved', 'google', 'u');
    const next = b.readRecent(1)[0]!;
    expect(next.seq).toBe(last.seq + 1);
    expect(next.prev).toBe(last.hash);
    fill(b, 30, 14);
    expect(b.verify()).toMatchObject({ ok: true, head: 'ok' });
  });

  it('continuing after a truncation keeps the break visible (the head is the anchor, not the file)', () => {
    const a = open();
    fill(a, 10);
    writeLines(logFile, lines().slice(0, 6));
    a.close();
    const b = open();
    fill(b, 3, 11);
    const v = b.verify();
    expect(v.ok).toBe(false);
    expect(v.firstBad).toMatchObject({ seq: 11, line: 7, problem: 'missing' });
  });

  it('with the head record deleted, the next append re-anchors and says so in the log', () => {
    const a = open();
    fill(a, 5);
    unlinkSync(securityLogPaths(logFile).head);
    a.close();
    const b = open();
    expect(b.verify().ok).toBe(false); // opening alone repairs nothing
    b.logTokenEvent('token_saved', 'google', 'u');
    const [newest, notice] = b.readRecent(2);
    expect(notice).toMatchObject({ seq: 6, event: 'log_reanchored', level: 'error', category: 'security' });
    expect(String(notice!.details.reason)).toContain('head record was missing');
    expect(newest!.seq).toBe(7);
    expect(b.verify().ok).toBe(true);
  });

  it('rekey() moves the head to a new key with a log entry', () => {
    const a = open();
    fill(a, 3);
    const newKey = Buffer.alloc(32, 0x99);
    a.rekey(newKey);
    expect(a.readRecent(1)[0]).toMatchObject({ event: 'log_rekeyed', seq: 4 });
    expect(a.verify().ok).toBe(true);
    expect(verifySecurityLog({ logFile, hmacKey: newKey }).ok).toBe(true);
    expect(verifySecurityLog({ logFile, hmacKey: KEY }).firstBad?.problem).toBe('head_invalid');
  });

  it('a log written by the previous version (v1 head, without the entry) verifies and continues', () => {
    const a = open();
    fill(a, 3);
    a.close();
    const { head } = securityLogPaths(logFile);
    const h = JSON.parse(readFileSync(head, 'utf8')) as Record<string, unknown>;
    const unsigned = { v: 1, seq: h.seq, hash: h.hash, firstSeq: h.firstSeq, firstPrev: h.firstPrev, keyId: h.keyId };
    const mac = createHmac('sha256', deriveLogKeys(KEY).headKey).update(canonicalJson(unsigned)).digest('hex');
    writeFileSync(head, JSON.stringify({ ...unsigned, mac }));
    const b = open();
    expect(b.verify()).toMatchObject({ ok: true, entries: 3, head: 'ok' });
    b.logTokenEvent('token_saved', 'google', 'u');
    expect(b.verify()).toMatchObject({ ok: true, entries: 4, head: 'ok', reanchors: [] });
    expect(JSON.parse(readFileSync(head, 'utf8'))).toMatchObject({ v: 2, seq: 4 });
  });

  it('calls onAppend with each written entry', () => {
    const seen: SecurityLogEntry[] = [];
    const log = open({ onAppend: (e) => seen.push(e) });
    fill(log, 3);
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(seen[2]).toEqual(log.readRecent(1)[0]);
  });
});

describe('SecurityLogger: several processes on one log', () => {
  it('takes over a lock left by a process that died, and times out with a typed error on a live one', async () => {
    const log = open({ lockTimeoutMs: 200 });
    log.logTokenEvent('token_saved', 'google', 'u');
    const { lock } = securityLogPaths(logFile);
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((resolve) => dead.on('exit', () => resolve(dead.pid!)));
    writeFileSync(lock, String(deadPid));
    log.logTokenEvent('token_saved', 'google', 'u');
    expect(existsSync(lock)).toBe(false);
    expect(log.verify()).toMatchObject({ ok: true, entries: 2 });

    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(lock, String(alive.pid));
      expect(() => log.logTokenEvent('token_saved', 'google', 'u')).toThrowError(
        expect.objectContaining({ name: 'SecurityLogError', code: 'LOCK_TIMEOUT' }),
      );
      expect(existsSync(lock)).toBe(true); // a live owner's lock is left alone
    } finally {
      alive.kill();
      unlinkSync(lock);
    }
    expect(log.verify()).toMatchObject({ ok: true, entries: 2 });
  });

  it('4 processes appending concurrently produce one unbroken chain', async () => {
    const writer = join(home.dir, 'writer.ts');
    const moduleUrl = new URL('../../src/main/core/audit/security-logger.ts', import.meta.url).href;
    writeFileSync(
      writer,
      `import { SecurityLogger } from ${JSON.stringify(moduleUrl)};
const [logFile, name, count] = process.argv.slice(2);
const log = new SecurityLogger({ logFile, hmacKey: Buffer.alloc(32, 0x42), maxBytes: 8192, backups: 20 });
for (let i = 0; i < Number(count); i++) log.logOAuthEvent('refresh', 'google', name + '-' + i, true, { attempt: i, source: name });
log.close();
`,
    );
    const run = (name: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', writer, logFile, name, '40'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`writer ${name} exited ${code}: ${err}`))));
      });
    await Promise.all(['p1', 'p2', 'p3', 'p4'].map(run));
    const log = open({ maxBytes: 8192, backups: 20 });
    const v = log.verify();
    expect(v).toMatchObject({ ok: true, entries: 160, head: 'ok' });
    const all = log.readRecent(1000);
    expect(new Set(all.map((e) => e.seq)).size).toBe(160);
    for (const p of ['p1', 'p2', 'p3', 'p4']) expect(all.filter((e) => e.details.source === p)).toHaveLength(40);
  });
});
