/**
 * The parts of hand-off consent that need no agent: interpreters' script arguments, the
 * decision, durations, the signed grant rows (real SQLite), the sealed consent mode (a vault
 * from before consent keeps same-user; a plain row cannot switch it), the records' aggregation,
 * and the broker's bounds.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/main/core/index.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { ConsentBroker, MAX_WAITING_REQUESTS } from '../../src/main/core/consent/consent-broker.js';
import { ConsentModeStore } from '../../src/main/core/consent/consent-mode.js';
import { decide } from '../../src/main/core/consent/decide.js';
import { GrantStore } from '../../src/main/core/consent/grant-store.js';
import { grantScopes } from '../../src/main/core/consent/grant-types.js';
import { parseGrantDuration } from '../../src/main/cli/grant-options.js';
import type { Grant, ProgramIdentity } from '../../src/main/core/contracts/consent.js';
import { HandoffRecorder } from '../../src/main/core/consent/handoff-recorder.js';
import { interpreterFamily, scriptArg } from '../../src/main/core/consent/interpreters.js';
import { programKey } from '../../src/main/core/consent/program.js';
import { runCommandOf } from '../../src/main/core/consent/self-cli.js';
import { MIGRATIONS } from '../../src/main/core/vault/schema.js';
import { makeTmpHome } from '../helpers/tmp.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const SHA_S = 'c'.repeat(64);

function program(over: Partial<ProgramIdentity> = {}): ProgramIdentity {
  const base = {
    pid: 100,
    startTime: '1',
    exe: { path: '/usr/bin/python3.11', sha256: SHA_A },
    interpreter: 'python3' as const,
    script: { path: '/home/u/sync.py', sha256: SHA_S },
    code: null,
    name: 'python3 sync.py',
    cwd: '/home/u',
    parents: ['bash'],
    session: { sid: 50, leaderStart: '9', bootId: 'boot', tty: '/dev/pts/1' },
    viaRun: false,
    description: 'python3 sync.py, started from bash in ~',
    key: '',
    ...over,
  };
  return { ...base, key: programKey(base) };
}

function grant(over: Partial<Grant>): Grant {
  return {
    v: 1,
    id: 'g_aaaaaaaaaa',
    subject: {
      kind: 'program',
      name: 'x',
      exePath: '/usr/bin/python3.11',
      exeSha256: SHA_A,
      scriptPath: '/home/u/sync.py',
      scriptSha256: SHA_S,
      code: null,
    },
    accounts: ['google:me@example.com'],
    scopes: null,
    createdAt: 0,
    expiresAt: null,
    once: false,
    createdBy: 'cli',
    lastUsedAt: null,
    useCount: 0,
    ...over,
  };
}

const ask = { provider: 'google', user: 'me@example.com' };
const base = { mode: 'ask' as const, program: program(), ask, grants: [] as Grant[], now: 1000, sessionAlive: () => true };

describe('interpreters', () => {
  it('knows interpreters by base name with version suffixes, and nothing else', () => {
    expect(interpreterFamily('/usr/bin/python3.11')).toBe('python3');
    expect(interpreterFamily('/usr/bin/perl5.36.0')).toBe('perl');
    expect(interpreterFamily('/opt/node/bin/node')).toBe('node');
    expect(interpreterFamily('/bin/dash')).toBe('dash');
    expect(interpreterFamily('/usr/bin/curl')).toBeNull();
    expect(interpreterFamily('/usr/bin/nodejs-helper')).toBeNull();
    expect(interpreterFamily('/tmp/tool-a')).toBeNull();
  });

  it('finds the script past options and their values, or says the code is inline, a module or stdin', () => {
    expect(scriptArg('node', ['--import', 'tsx', '--no-warnings', 'app.ts', 'x'])).toEqual({ kind: 'file', path: 'app.ts', rest: ['x'] });
    expect(scriptArg('node', ['-e', 'console.log(1)'])).toEqual({ kind: 'inline', flag: '-e', code: 'console.log(1)' });
    expect(scriptArg('python3', ['-u', '-W', 'ignore', 'sync.py'])).toEqual({ kind: 'file', path: 'sync.py', rest: [] });
    expect(scriptArg('python3', ['-m', 'http.server'])).toEqual({ kind: 'module', name: 'http.server' });
    expect(scriptArg('python3', ['-c', 'print(1)'])).toEqual({ kind: 'inline', flag: '-c', code: 'print(1)' });
    expect(scriptArg('bash', ['-e', '-c', 'echo hi', 'name'])).toEqual({ kind: 'inline', flag: '-c', code: 'echo hi' });
    expect(scriptArg('bash', ['-ec', 'echo hi'])).toEqual({ kind: 'inline', flag: '-c', code: 'echo hi' });
    expect(scriptArg('sh', ['./run.sh', 'a'])).toEqual({ kind: 'file', path: './run.sh', rest: ['a'] });
    expect(scriptArg('deno', ['run', '--allow-net', 'main.ts'])).toEqual({ kind: 'file', path: 'main.ts', rest: [] });
    expect(scriptArg('python3', [])).toEqual({ kind: 'stdin' });
  });

  it("reads `osmen-cred run`'s command from the CLI's own arguments", () => {
    expect(runCommandOf(['run', '--account', 'g:me', '--env', 'T', '--', 'python3', 'x.py'])).toEqual(['python3', 'x.py']);
    expect(runCommandOf(['--home', '/h', 'run', '--account=g:me', '--', './sync'])).toEqual(['./sync']);
    expect(runCommandOf(['token', 'g', 'me'])).toBeNull();
    expect(runCommandOf(['--account', 'run', 'token', '--', 'x'])).toBeNull();
  });
});

describe('the decision', () => {
  it('same-user hands out; ask needs a grant that fits the program, the account and the scopes', () => {
    expect(decide({ ...base, mode: 'same-user' })).toMatchObject({ ok: true, basis: 'same-user' });
    expect(decide(base)).toMatchObject({
      ok: false,
      code: 'consent_required',
      reason: 'python3 sync.py has no grant for google:me@example.com',
    });
    const g = grant({});
    expect(decide({ ...base, grants: [g] })).toMatchObject({ ok: true, grant: g, scopes: undefined });
    // Another hash of the script, another interpreter binary, another account: no.
    expect(decide({ ...base, grants: [g], program: program({ script: { path: '/home/u/sync.py', sha256: SHA_B } }) }).ok).toBe(false);
    expect(decide({ ...base, grants: [g], program: program({ exe: { path: '/usr/bin/python3.11', sha256: SHA_B } }) }).ok).toBe(false);
    expect(decide({ ...base, grants: [g], ask: { provider: 'google', user: 'you@example.com' } }).ok).toBe(false);
    expect(decide({ ...base, grants: [grant({ accounts: ['google:*'] })], ask: { provider: 'google', user: 'you@example.com' } }).ok).toBe(
      true,
    );
    // Expired.
    expect(decide({ ...base, grants: [grant({ expiresAt: 1000 })] }).ok).toBe(false);
  });

  it('a script allowed by path runs under any known interpreter, not under a non-interpreter', () => {
    const g = grant({
      subject: { kind: 'program', name: 's', exePath: '', exeSha256: null, scriptPath: '/home/u/sync.py', scriptSha256: SHA_S, code: null },
    });
    expect(decide({ ...base, grants: [g], program: program({ exe: { path: '/opt/py/python3.12', sha256: SHA_B } }) }).ok).toBe(true);
    expect(decide({ ...base, grants: [g], program: program({ interpreter: null }) }).ok).toBe(false);
  });

  it('narrows: a grant of fewer scopes gives those; a request outside it is consent_required', () => {
    const g = grant({ scopes: ['openid', 'email'] });
    expect(decide({ ...base, grants: [g] })).toMatchObject({ ok: true, scopes: ['openid', 'email'] });
    expect(decide({ ...base, grants: [g], ask: { ...ask, scopes: ['email'] } })).toMatchObject({ ok: true, scopes: ['email'] });
    expect(decide({ ...base, grants: [g], ask: { ...ask, scopes: ['drive'] } })).toMatchObject({
      ok: false,
      code: 'consent_required',
      reason: 'python3 sync.py is not granted these scopes of google:me@example.com',
    });
    expect(grantScopes(null, undefined)).toBeUndefined();
  });

  it('a session grant holds for programs of that live session only', () => {
    const g = grant({ subject: { kind: 'session', name: 't', sid: 50, leaderStart: '9', bootId: 'boot', tty: '/dev/pts/1' } });
    expect(decide({ ...base, grants: [g] }).ok).toBe(true);
    expect(decide({ ...base, grants: [g], sessionAlive: () => false }).ok).toBe(false);
    expect(
      decide({ ...base, grants: [g], program: program({ session: { sid: 50, leaderStart: '10', bootId: 'boot', tty: null } }) }).ok,
    ).toBe(false);
  });

  it('a client key: its own grant, whatever the program; unknown or expired keys are forbidden', () => {
    const k = grant({ subject: { kind: 'key', name: 'k', keyHash: SHA_A }, scopes: ['openid'] });
    expect(decide({ ...base, program: null, key: { grant: k } })).toMatchObject({ ok: true, basis: 'key', scopes: ['openid'] });
    expect(decide({ ...base, mode: 'same-user', key: { grant: null } })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(decide({ ...base, key: { grant: { ...k, expiresAt: 5 } } })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(decide({ ...base, key: { grant: k }, ask: { ...ask, scopes: ['email'] } })).toMatchObject({
      ok: false,
      code: 'consent_required',
    });
    // Without peer credentials only keys work in ask mode.
    expect(decide({ ...base, program: null, unidentified: 'Windows' })).toMatchObject({ ok: false, code: 'consent_required' });
  });

  it('parses durations', () => {
    expect(parseGrantDuration('8h')).toBe(8 * 3_600_000);
    expect(parseGrantDuration('1h30m')).toBe(90 * 60_000);
    expect(parseGrantDuration('2w')).toBe(14 * 86_400_000);
    expect(parseGrantDuration('0h')).toBeNull();
    expect(parseGrantDuration('8 hours')).toBeNull();
    expect(parseGrantDuration('400d')).toBeNull();
  });
});

describe('signed grants and the sealed mode in a real vault', () => {
  let home: { dir: string; cleanup: () => void };
  const key = EncryptionManager.generateKey();
  const dbPath = () => join(home.dir, 'tokens.db');
  const open = (k = key) => new TokenStore({ dbPath: dbPath(), encryption: new EncryptionManager(k) });
  beforeEach(() => (home = makeTmpHome()));
  afterEach(() => home.cleanup());

  it('a row written or edited with plain SQL is ignored and listed as ignored', async () => {
    const tokens = open();
    const store = new GrantStore(tokens);
    const g = store.add({
      subject: { kind: 'key', name: 'k', keyHash: SHA_A },
      accounts: ['google:*'],
      scopes: null,
      expiresAt: null,
      once: false,
      createdBy: 'cli',
    });
    expect(store.list().map((x) => x.id)).toEqual([g.id]);
    expect(store.byKeyHash(SHA_A)?.id).toBe(g.id);
    const db = new Database(dbPath());
    // Widen the grant by SQL: its signature no longer matches.
    db.prepare('UPDATE handoff_grants SET body = replace(body, ?, ?) WHERE id = ?').run('"google:*"', '"microsoft:*"', g.id);
    const { lastUsedAt: _l, useCount: _u, ...body } = g;
    const forged = { ...body, id: 'g_forged0000' };
    db.prepare('INSERT INTO handoff_grants (id, body, mac, key_hash) VALUES (?, ?, ?, NULL)').run(
      forged.id,
      JSON.stringify(forged),
      'f'.repeat(64),
    );
    db.close();
    // Another connection's commit is seen from the next turn of the event loop (ChangeStamp).
    await new Promise((r) => setImmediate(r));
    expect(store.list()).toEqual([]);
    expect(store.byKeyHash(SHA_A)).toBeNull();
    expect(store.ignored()).toEqual(
      expect.arrayContaining([
        { id: g.id, reason: 'signature' },
        { id: 'g_forged0000', reason: 'signature' },
      ]),
    );
    expect(store.ignored()).toHaveLength(2);
    tokens.close();
  });

  it('uses are counted in memory and written in batches; a one-time grant is used once', () => {
    const tokens = open();
    const store = new GrantStore(tokens);
    const g = store.add({
      subject: { kind: 'key', name: 'k', keyHash: SHA_A },
      accounts: ['google:*'],
      scopes: null,
      expiresAt: null,
      once: true,
      createdBy: 'cli',
    });
    store.noteUse(g.id);
    store.noteUse(g.id);
    expect(store.list()[0]!.useCount).toBe(2);
    store.flushUses();
    const other = new GrantStore(open());
    expect(other.list()[0]!.useCount).toBe(2);
    expect(store.consume(g.id)).toBe(true);
    expect(other.consume(g.id)).toBe(false);
    tokens.close();
  });

  it('a new vault asks; a vault from before consent keeps same-user; a plain row cannot switch it', () => {
    const tokens = open();
    expect(new ConsentModeStore(tokens).get()).toEqual({ mode: 'ask', problem: null });
    tokens.close();

    // A schema-2 vault with a key check, as the previous version left it.
    const legacy = join(home.dir, 'legacy.db');
    const old = new Database(legacy);
    MIGRATIONS[0]!(old);
    MIGRATIONS[1]!(old);
    old.pragma('user_version = 2');
    old
      .prepare("INSERT INTO meta (key, value) VALUES ('key_check', ?)")
      .run(new EncryptionManager(key).encryptToken('osmen-key-check', 'meta\u0000key_check'));
    old.close();
    // A wrong key migrates nothing.
    expect(() => new TokenStore({ dbPath: legacy, encryption: new EncryptionManager(EncryptionManager.generateKey()) })).toThrow(
      /master key does not match/,
    );
    const check = new Database(legacy);
    expect(check.pragma('user_version', { simple: true })).toBe(2);
    check.close();
    const migrated = new TokenStore({ dbPath: legacy, encryption: new EncryptionManager(key) });
    const modes = new ConsentModeStore(migrated);
    expect(modes.get()).toEqual({ mode: 'same-user', problem: null });
    modes.set('ask');
    expect(modes.get().mode).toBe('ask');
    migrated.close();

    // Writing "same-user" over the sealed value with plain SQL does not switch consent off.
    const db = new Database(legacy);
    db.prepare("UPDATE meta SET value = 'same-user' WHERE key = 'secret:handoff-consent'").run();
    db.prepare("INSERT INTO meta (key, value) VALUES ('plain:handoff_consent_legacy', '1')").run();
    db.close();
    const reopened = new TokenStore({ dbPath: legacy, encryption: new EncryptionManager(key) });
    expect(new ConsentModeStore(reopened).get()).toMatchObject({ mode: 'ask', problem: expect.stringContaining('could not be decrypted') });
    reopened.close();
  });
});

describe('records and the broker', () => {
  it('aggregates hand-offs per program, account and scopes, and refusals per program and code, per minute', () => {
    const lines: Array<{ type: string; details: Record<string, unknown>; user?: string }> = [];
    const sink = {
      logOAuthEvent: (type: string, _p: string, user: string, _s: boolean, details: Record<string, unknown> = {}) =>
        lines.push({ type, details, user }),
      logTokenEvent: () => undefined,
      logSecurityError: () => undefined,
      logSecurityEvent: (type: string, details: Record<string, unknown>) => lines.push({ type, details }),
    };
    const rec = new HandoffRecorder(sink);
    const p = { key: 'k1', name: 'python3 sync.py', exe: '/usr/bin/python3.11', script: '/home/u/sync.py', via: 'agent' };
    for (let i = 0; i < 500; i++) rec.handoff(p, 'google', 'me@example.com', ['b', 'a'], 'grant', 'g_1');
    rec.handoff(p, 'google', 'me@example.com', undefined, 'grant', 'g_1');
    for (let i = 0; i < 10_000; i++) rec.refusal(p, 'account_not_found');
    for (let i = 0; i < 20; i++) rec.refusal(p, `code_${i}`);
    expect(rec.flush()).toBe(2 + 1 + 6);
    expect(lines[0]).toMatchObject({
      type: 'token_handoff',
      user: 'me@example.com',
      details: { program: 'python3 sync.py', scopes: 'a b', count: 500 },
    });
    expect(lines[2]).toMatchObject({ type: 'handoff_refused', details: { code: 'account_not_found', count: 10_000 } });
    expect(lines.filter((l) => l.details.code === 'other')).toEqual([
      expect.objectContaining({ details: expect.objectContaining({ count: 15 }) }),
    ]);
    expect(rec.flush()).toBe(0);
  });

  it('shares one dialog per program, account and scopes, caps waiting requests, and remembers a denial briefly', async () => {
    const shown: string[] = [];
    const broker = new ConsentBroker({ timeoutMs: 60_000 });
    expect(await broker.ask(program(), ask)).toBeNull(); // nobody to ask
    broker.attach({ onRequest: (v) => shown.push(v.id), onResolved: () => undefined });
    const a = broker.ask(program(), ask);
    const b = broker.ask(program(), ask);
    expect(shown).toHaveLength(1);
    expect(broker.pending()[0]).toMatchObject({
      account: { provider: 'google', userId: 'me@example.com' },
      scopes: null,
      sessionAvailable: true,
      program: { name: 'python3 sync.py' },
    });
    broker.answer(shown[0]!, 'deny');
    expect(await a).toBe('deny');
    expect(await b).toBe('deny');
    expect(await broker.ask(program(), ask)).toBe('deny'); // within the minute: not asked again
    expect(shown).toHaveLength(1);
    const many = Array.from({ length: MAX_WAITING_REQUESTS + 1 }, (_, i) =>
      broker.ask(program({ name: `p${i}`, script: { path: `/p${i}`, sha256: SHA_S } }), ask),
    );
    expect(await many[MAX_WAITING_REQUESTS]).toBeNull();
    broker.close();
    expect(await Promise.all(many.slice(0, MAX_WAITING_REQUESTS))).toEqual(Array(MAX_WAITING_REQUESTS).fill(null));
  });
});
