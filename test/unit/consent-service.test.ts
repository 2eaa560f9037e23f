/**
 * ConsentService over a real vault (SQLite, signed grant rows), with the parts around it made
 * small: asking the app (the consent-request / consent-resolved events, the person's four
 * answers, at most 60 s on a fake clock), grant lifetimes (each kind's default and cap), one-time
 * grants, and the file-hash cache and osmen-cred's own entry points the program walk relies on.
 */
import { copyFileSync, mkdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProgramIdentity } from '../../src/main/core/contracts/consent.js';
import type { TokenMetadata } from '../../src/main/core/contracts/accounts.js';
import { FileHashCache } from '../../src/main/core/consent/file-hash.js';
import { DEFAULT_KEY_MS, DEFAULT_SESSION_MS, MAX_SESSION_MS } from '../../src/main/core/consent/grant-types.js';
import { programKey } from '../../src/main/core/consent/program.js';
import { cliArguments, selfCli } from '../../src/main/core/consent/self-cli.js';
import { ConsentService } from '../../src/main/core/consent/service.js';
import type { ProcessInfo } from '../../src/main/core/consent/process-info.js';
import { CoreEvents } from '../../src/main/core/events.js';
import { TokenStore } from '../../src/main/core/index.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { makeTmpHome } from '../helpers/tmp.js';

const SHA = (c: string) => c.repeat(64);
const ROOT = resolve(import.meta.dirname, '..', '..');

function program(over: Partial<ProgramIdentity> = {}): ProgramIdentity {
  const base: ProgramIdentity = {
    pid: 4242,
    startTime: '77',
    exe: { path: '/usr/bin/python3.11', sha256: SHA('a') },
    interpreter: 'python3',
    script: { path: '/home/u/sync.py', sha256: SHA('c') },
    code: null,
    name: 'python3 sync.py',
    cwd: '/home/u',
    parents: ['bash'],
    session: { sid: 4000, leaderStart: '12', bootId: 'boot', tty: '/dev/pts/7' },
    viaRun: false,
    description: 'python3 sync.py, started from bash in ~',
    key: '',
    ...over,
  };
  return { ...base, key: programKey(base) };
}

const account = { provider: 'google', userId: 'me@example.com', scopes: ['openid', 'email'] } as unknown as TokenMetadata;
const ask = { provider: 'google', user: 'me@example.com' };

let home: { dir: string; cleanup: () => void };
let tokens: TokenStore;
let events: CoreEvents;
let service: ConsentService;
let now: number;
const logged: Array<{ type: string; details: Record<string, unknown> }> = [];

function make(): ConsentService {
  return new ConsentService({
    tokens,
    log: {
      logOAuthEvent: (type, _p, _u, _s, details = {}) => void logged.push({ type, details }),
      logTokenEvent: () => undefined,
      logSecurityError: (type, details) => void logged.push({ type, details }),
      logSecurityEvent: (type, details) => void logged.push({ type, details }),
    },
    getToken: async (_p, _u, opts) => ({
      accessToken: 'at',
      tokenType: 'Bearer',
      expiresAt: new Date(now + 3_600_000),
      scopes: opts.scopes ?? ['openid', 'email'],
    }),
    getAccount: (p, u) => (p === 'google' && u === 'me@example.com' ? account : null),
    home: home.dir,
    defaultHome: home.dir,
    events,
    now: () => now,
  });
}

beforeEach(() => {
  home = makeTmpHome('osmen-consent-svc-');
  tokens = new TokenStore({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(EncryptionManager.generateKey()) });
  events = new CoreEvents();
  now = Date.parse('2026-12-01T10:00:00Z');
  logged.length = 0;
  service = make();
});

afterEach(() => {
  vi.useRealTimers();
  service.close();
  tokens.close();
  home.cleanup();
});

describe('asking the person (the desktop app)', () => {
  it('unanswered, a request is refused after 60 s (consent_required) and the dialog is taken down', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    service = make();
    const shown: string[] = [];
    const resolved: Array<{ id: string; answer: string | null }> = [];
    events.on('consent-request', (v) => shown.push(v.id));
    events.on('consent-resolved', (r) => resolved.push(r));
    service.enablePrompts(true);
    const asking = service.handoff({ program: program(), via: 'agent', ask, canAsk: true });
    const outcome = asking.then(
      () => 'handed',
      (err: { code?: string; message?: string }) => `${err.code}: ${err.message}`,
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toHaveLength(1);
    expect(service.pendingRequests()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(resolved).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await outcome).toMatch(/^consent_required: .*nobody answered the consent request in time/);
    expect(resolved).toEqual([{ id: shown[0], answer: null }]);
    expect(service.pendingRequests()).toEqual([]);
  });

  it('the four answers: once hands out and stores nothing, always pins the program, session the terminal for 8 h, deny refuses', async () => {
    const answerWith = async (answer: 'once' | 'always' | 'session' | 'deny', p = program()) => {
      const off = (v: { id: string }) => queueMicrotask(() => service.answer(v.id, answer));
      events.on('consent-request', off);
      try {
        return await service.handoff({ program: p, via: 'agent', ask, canAsk: true }).then(
          (t) => t.accessToken,
          (err: { code: string }) => err.code,
        );
      } finally {
        events.off('consent-request', off);
      }
    };
    service.enablePrompts(true);
    expect(await answerWith('once')).toBe('at');
    expect(service.listGrants()).toEqual([]);

    expect(await answerWith('always')).toBe('at');
    const [always] = service.listGrants();
    expect(always!.subject).toMatchObject({ kind: 'program', scriptPath: '/home/u/sync.py', scriptSha256: SHA('c'), exeSha256: SHA('a') });
    expect(always!.accounts).toEqual(['google:me@example.com']);
    expect(always!.expiresAt).toBeNull();

    const other = program({ script: { path: '/home/u/other.py', sha256: SHA('d') }, name: 'python3 other.py' });
    expect(await answerWith('session', other)).toBe('at');
    const session = service.listGrants().find((g) => g.subject.kind === 'session')!;
    expect(session.subject).toMatchObject({ sid: 4000, leaderStart: '12', tty: '/dev/pts/7' });
    expect(session.expiresAt).toBe(now + DEFAULT_SESSION_MS);

    const third = program({ script: { path: '/home/u/third.py', sha256: SHA('e') }, name: 'python3 third.py', session: null });
    expect(await answerWith('deny', third)).toBe('consent_required');
    expect(service.listGrants()).toHaveLength(2);
    expect(logged.filter((l) => l.type === 'grant_added').map((l) => l.details.reason)).toEqual(['program', 'session']);
  });

  it('without the app (the headless agent, the CLI) nobody is asked: consent_required at once, with the allow command', async () => {
    const notices: string[] = [];
    const err = await service
      .handoff({ program: program(), via: 'agent', ask, canAsk: true, notice: (l) => notices.push(l) })
      .catch((e: { code: string; message: string }) => e);
    expect(err).toMatchObject({ code: 'consent_required' });
    expect((err as { message: string }).message).toContain('osmen-cred allow --account google:me@example.com --program /home/u/sync.py');
    expect(notices).toHaveLength(1);
    // One stderr line a minute per program, whatever it asks.
    await service.handoff({ program: program(), via: 'agent', ask, canAsk: true, notice: (l) => notices.push(l) }).catch(() => null);
    expect(notices).toHaveLength(1);
  });
});

describe('grant lifetimes', () => {
  const allow = (subject: { kind: 'program'; path: string } | { kind: 'session'; pid: number }, lifetime: never | object | string) =>
    service.allow({ subject, accounts: ['google:me@example.com'], scopes: null, lifetime: lifetime as never, createdBy: 'cli' });

  it('a program lasts until revoked unless told otherwise; --once is used by one request only', async () => {
    const script = join(home.dir, 'sync.py');
    writeFileSync(script, 'print(1)\n');
    expect((await allow({ kind: 'program', path: script }, 'default')).expiresAt).toBeNull();
    expect((await allow({ kind: 'program', path: script }, { forMs: 3_600_000 })).expiresAt).toBe(now + 3_600_000);
    for (const g of service.listGrants()) service.revoke(g.id);

    const once = await allow({ kind: 'program', path: script }, 'once');
    expect(once.once).toBe(true);
    const pinned = once.subject.kind === 'program' ? once.subject : null;
    const p = program({ script: { path: pinned!.scriptPath!, sha256: pinned!.scriptSha256 } });
    expect((await service.handoff({ program: p, via: 'agent', ask, canAsk: false })).accessToken).toBe('at');
    await expect(service.handoff({ program: p, via: 'agent', ask, canAsk: false })).rejects.toMatchObject({ code: 'consent_required' });
  });

  it('a terminal session: 8 h by default, at most 12 h, never "always" or "once"; a client key: 30 days by default, never "once"', async () => {
    // The rules are checked before the session is looked up (this test may run without a terminal).
    await expect(allow({ kind: 'session', pid: process.pid }, 'always')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(allow({ kind: 'session', pid: process.pid }, 'once')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(allow({ kind: 'session', pid: process.pid }, { forMs: MAX_SESSION_MS + 1 })).rejects.toMatchObject({ code: 'USAGE' });
    const key = service.createClientKey({ accounts: ['google:me@example.com'], scopes: ['openid'], lifetime: 'default' });
    expect(key.grant.expiresAt).toBe(now + DEFAULT_KEY_MS);
    expect(key.key).toMatch(/^osk_[A-Za-z0-9_-]{43}$/);
    expect(() => service.createClientKey({ accounts: ['google:me@example.com'], scopes: null, lifetime: 'once' as never })).toThrow(
      /not for one use/,
    );
    expect(() => service.createClientKey({ accounts: ['google:nobody@example.com'], scopes: null, lifetime: 'always' })).toThrow(
      /No account google:nobody@example.com/,
    );
    expect(() => service.createClientKey({ accounts: ['google:me@example.com'], scopes: ['drive'], lifetime: 'always' })).toThrow(
      /does not hold drive/,
    );
  });
});

describe('what the program walk relies on', () => {
  it('hashes a file once, and again when its contents, times or inode change', async () => {
    const cache = new FileHashCache();
    const f = join(home.dir, 'tool.py');
    writeFileSync(f, 'a = 1\n');
    const first = await cache.hash(f, f);
    expect(await cache.hash(f, f)).toBe(first);
    expect(cache.reads).toBe(1);
    // Same size, new contents (a new mtime and ctime).
    writeFileSync(f, 'b = 2\n');
    const second = await cache.hash(f, f);
    expect(second).not.toBe(first);
    expect(cache.reads).toBe(2);
    // Replaced by another file of the same size with the old times put back: another inode.
    const st = statSync(f);
    const other = join(home.dir, 'other.py');
    writeFileSync(other, 'c = 3\n');
    utimesSync(other, st.atime, st.mtime);
    renameSync(other, f);
    expect(await cache.hash(f, f)).not.toBe(second);
    expect(cache.reads).toBe(3);
    expect(await cache.hash(join(home.dir, 'missing'), join(home.dir, 'missing'))).toBeNull();
  });

  it('osmen-cred itself is recognised by resolved path, never by name: a copy elsewhere is a program', () => {
    const self = selfCli(ROOT, '/usr/bin/node');
    const info = (script: string): ProcessInfo => ({
      pid: 1,
      ppid: 0,
      startTime: '1',
      comm: 'node',
      exePath: '/usr/bin/node',
      argv: ['node', script, 'token', 'google', 'me'],
      cwd: ROOT,
      sid: 0,
      tty: null,
    });
    expect(cliArguments(info(join(ROOT, 'bin', 'osmen-cred.js')), self)).toEqual(['token', 'google', 'me']);
    expect(cliArguments(info('bin/osmen-cred.js'), self)).toEqual(['token', 'google', 'me']); // relative to its cwd
    expect(cliArguments(info(join(ROOT, 'src', 'main', 'cli', 'osmen-cred.ts')), self)).toEqual(['token', 'google', 'me']);
    const elsewhere = join(home.dir, 'bin');
    mkdirSync(elsewhere);
    copyFileSync(join(ROOT, 'bin', 'osmen-cred.js'), join(elsewhere, 'osmen-cred.js'));
    expect(cliArguments(info(join(elsewhere, 'osmen-cred.js')), self)).toBeNull();
    expect(cliArguments({ ...info(join(ROOT, 'bin', 'osmen-cred.js')), exePath: '/usr/local/bin/osmen-cred' }, self)).toBeNull();
  });
});
