/**
 * The token agent's pieces that need no socket: line framing, the request handler's answers
 * to bad input, per-minute hand-off counting, `status` classification, `run`'s account and
 * variable pairing, and the token output formats.
 */
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { statusReport } from '../../src/main/core/agent/account-status.js';
import { AgentRequestHandler, type AgentBackend } from '../../src/main/core/agent/handler.js';
import { HandoffRecorder, MAX_TALLIES } from '../../src/main/core/consent/handoff-recorder.js';
import type { HandoffCall } from '../../src/main/core/contracts/consent.js';
import type { AccessToken } from '../../src/main/core/contracts/accounts.js';
import type { PeerContext } from '../../src/main/core/agent/peer/peer-context.js';
import { LineSplitter } from '../../src/main/core/agent/line-splitter.js';
import { MAX_REQUEST_LINE_BYTES } from '../../src/main/core/agent/protocol.js';
import { defaultAgentSocketPath } from '../../src/main/core/agent/socket-path.js';
import { accountBindings, DEFAULT_TOKEN_ENV } from '../../src/main/cli/commands/run.js';
import { agentSocketCandidates } from '../../src/main/cli/agent-first.js';
import { statusExitCode, statusText } from '../../src/main/cli/status-output.js';
import { formatToken, parseMinTtl } from '../../src/main/cli/token-output.js';
import type { TokenMetadata } from '../../src/main/core/contracts/accounts.js';
import { DEFAULT_SETTINGS } from '../../src/main/core/settings-store.js';
import { OAuthError, accountNotFound } from '../../src/main/core/oauth/errors.js';

const lines = (splitter: LineSplitter, ...chunks: string[]) => {
  const out: string[] = [];
  const ok = chunks.map((c) => splitter.push(Buffer.from(c), (l) => out.push(l.toString())));
  return { out, ok };
};

describe('LineSplitter', () => {
  it('splits lines across reads, keeps multi-byte characters whole, drops \\r before \\n', () => {
    const s = new LineSplitter(100);
    const euro = Buffer.from('{"u":"€"}\n');
    const got: string[] = [];
    s.push(euro.subarray(0, 7), (l) => got.push(l.toString()));
    s.push(euro.subarray(7), (l) => got.push(l.toString()));
    expect(got).toEqual(['{"u":"€"}']);
    expect(lines(s, 'a\r\nb', 'c\n\nd\n').out).toEqual(['a', 'bc', '', 'd']);
  });

  it('refuses a line over the limit before buffering it, whether it arrives whole or in pieces', () => {
    expect(lines(new LineSplitter(8), '123456789\n').ok).toEqual([false]);
    expect(lines(new LineSplitter(8), '12345678\n').ok).toEqual([true]);
    expect(lines(new LineSplitter(8), '12345', '6789').ok).toEqual([true, false]);
    const big = new LineSplitter(MAX_REQUEST_LINE_BYTES);
    expect(big.push(Buffer.alloc(MAX_REQUEST_LINE_BYTES, 0x61), () => undefined)).toBe(true);
    expect(big.push(Buffer.from('a'), () => undefined)).toBe(false);
  });
});

function meta(over: Partial<TokenMetadata>): TokenMetadata {
  const now = Date.now();
  return {
    provider: 'p',
    userId: 'u@example.test',
    displayName: null,
    expiresAt: new Date(now + 3_600_000),
    scopes: ['openid'],
    tokenType: 'bearer',
    status: 'active',
    statusDetail: null,
    failureCount: 0,
    nextAttemptAt: null,
    hasRefreshToken: true,
    createdAt: new Date(now),
    updatedAt: new Date(now),
    lastRefreshAt: null,
    refreshNotBefore: null,
    issuer: null,
    ...over,
  };
}

type GetToken = (provider: string, user: string) => Promise<AccessToken>;
const refusals: Array<{ code: string; unidentified?: string }> = [];
const calls: HandoffCall[] = [];

/** A core whose consent hands out what `getAccessToken` gives (the decision is tested in consent-parts). */
function backend(over: { getAccessToken?: GetToken } & Partial<Omit<AgentBackend, 'consent'>> = {}): AgentBackend {
  const get: GetToken =
    over.getAccessToken ??
    (async () => ({ accessToken: 'at-1', tokenType: 'bearer', expiresAt: new Date(Date.now() + 3_600_000), scopes: ['openid'] }));
  return {
    listAccounts: over.listAccounts ?? (() => [meta({})]),
    getSettings: over.getSettings ?? (() => ({ ...DEFAULT_SETTINGS, refreshWindowMs: 300_000 })),
    consent: {
      handoff: (call) => {
        calls.push(call);
        return get(call.ask.provider, call.ask.user);
      },
      recordRefusal: (_p, _via, code, unidentified) => void refusals.push({ code, unidentified }),
    },
  };
}

const answer = async (h: AgentRequestHandler, line: string) => JSON.parse(await h.handle(Buffer.from(line))) as Record<string, any>;

describe('AgentRequestHandler', () => {
  it('answers bad_request for malformed lines, echoing a usable id', async () => {
    const h = new AgentRequestHandler(backend());
    for (const [line, id] of [
      ['not json', null],
      ['[1,2]', null],
      ['"token"', null],
      ['{"id":7}', 7],
      ['{"id":"a","method":"token","provider":"p"}', 'a'],
      ['{"id":2,"method":"token","provider":"p","user":"u","minTtl":"60"}', 2],
      ['{"id":3,"method":"token","provider":"p","user":"u","minTtl":-1}', 3],
      ['{"id":4,"method":"token","provider":"","user":"u"}', 4],
      ['{"id":5,"method":"delete-everything"}', 5],
      ['{"id":{"x":1},"method":"ping"}', null],
    ] as const) {
      const a = await answer(h, line);
      expect(a, line).toMatchObject({ id, ok: false, error: { code: 'bad_request', retryAfter: null, exitCode: 64 } });
      expect(typeof a.error.message).toBe('string');
    }
  });

  it('answers token, list, status and ping; maps core errors to the CLI codes and retryAfter seconds', async () => {
    const h = new AgentRequestHandler(
      backend({
        getAccessToken: async (_p, user) => {
          if (user === 'gone') throw accountNotFound('p');
          if (user === 'down')
            throw new OAuthError({ phase: 'refresh', code: 'temporarily_unavailable', retryable: true, retryAfterMs: 119_001 });
          if (user === 'dead') throw new OAuthError({ phase: 'refresh', code: 'needs_reauth', needsReauth: true });
          return { accessToken: 'at-1', tokenType: 'bearer', expiresAt: new Date(Date.now() + 3_600_000), scopes: ['openid'] };
        },
      }),
    );
    const ok = await answer(h, '{"id":1,"method":"token","provider":"p","user":"u","minTtl":60}');
    expect(ok).toMatchObject({ id: 1, ok: true, accessToken: 'at-1', tokenType: 'Bearer', scopes: ['openid'] });
    expect(Date.parse(ok.expiresAt)).toBeGreaterThan(Date.now());
    expect(ok.expiresIn).toBeGreaterThan(3500);
    expect(await answer(h, '{"id":2,"method":"token","provider":"p","user":"gone"}')).toMatchObject({
      ok: false,
      error: { code: 'ACCOUNT_NOT_FOUND', exitCode: 2, retryAfter: null },
    });
    expect(await answer(h, '{"id":3,"method":"token","provider":"p","user":"down"}')).toMatchObject({
      ok: false,
      error: { code: 'temporarily_unavailable', exitCode: 75, retryAfter: 120 },
    });
    expect(await answer(h, '{"id":4,"method":"token","provider":"p","user":"dead"}')).toMatchObject({
      ok: false,
      error: { code: 'needs_reauth', exitCode: 3 },
    });
    expect(await answer(h, '{"method":"ping"}')).toMatchObject({ id: null, ok: true, protocol: 1 });
    const list = await answer(h, '{"id":"l","method":"list"}');
    expect(list.accounts[0]).toMatchObject({ provider: 'p', userId: 'u@example.test', status: 'active' });
    expect(JSON.stringify(list)).not.toContain('at-1');
    expect(await answer(h, '{"id":"s","method":"status"}')).toMatchObject({
      ok: true,
      usable: true,
      accounts: [{ state: 'ok', usable: true }],
    });
    h.stopping = true;
    expect(await answer(h, '{"id":9,"method":"ping"}')).toMatchObject({ id: 9, ok: false, error: { code: 'shutting_down', exitCode: 75 } });
  });

  it('ignores the client name, records bad requests as refusals, and refuses another uid before anything else', async () => {
    refusals.length = 0;
    calls.length = 0;
    const h = new AgentRequestHandler(backend());
    expect(
      await answer(h, '{"method":"token","provider":"p","user":"u","client":"my-agent","scopes":["openid"],"key":"osk_x"}'),
    ).toMatchObject({ ok: true });
    expect(calls[0]).toMatchObject({ via: 'agent', ask: { provider: 'p', user: 'u', scopes: ['openid'] }, key: 'osk_x', canAsk: true });
    expect(JSON.stringify(calls[0])).not.toContain('my-agent');
    await answer(h, 'not json');
    await answer(h, '{"method":"token","provider":"p","user":"u","scopes":[""]}');
    await new Promise((r) => setImmediate(r));
    expect(refusals.map((r) => r.code)).toEqual(['bad_request', 'bad_request']);

    const foreign: PeerContext = { foreignUid: 1234, program: Promise.resolve(null), unidentified: undefined, stillThere: () => null };
    calls.length = 0;
    for (const line of ['{"id":1,"method":"ping"}', '{"id":2,"method":"token","provider":"p","user":"u"}', 'garbage']) {
      const a = JSON.parse(await h.handle(Buffer.from(line), foreign)) as Record<string, any>;
      expect(a).toMatchObject({ ok: false, error: { code: 'forbidden', exitCode: 77 } });
      expect(a.error.message).toContain('uid 1234');
    }
    expect(calls).toEqual([]);
  });
});

describe('HandoffRecorder, periodic flush', () => {
  it('writes a minute of many accounts a few lines per turn, everything at stop, and caps the tallies', async () => {
    const logged: string[] = [];
    let seenAfterFirstSlice = -1;
    const sink = {
      logOAuthEvent: (_t: string, _p: string, user: string) => {
        if (logged.length === 0) setImmediate(() => (seenAfterFirstSlice = logged.length));
        logged.push(user);
      },
      logTokenEvent: () => undefined,
      logSecurityError: () => undefined,
      logSecurityEvent: () => undefined,
    };
    const rec = new HandoffRecorder(sink, { intervalMs: 10 });
    const p = { key: 'k', name: 'n', exe: null, script: null, via: 'agent' };
    for (let i = 0; i < 30; i++) rec.handoff(p, 'p', `u${i}`, undefined, 'grant', null);
    rec.start();
    await new Promise<void>((resolve) => {
      const check = () => (logged.length === 30 ? resolve() : setImmediate(check));
      check();
    });
    // Not all 30 in one go: requests are answered in between (at most 8 a turn; fewer if the
    // machine stalled this loop past the 2 ms budget).
    expect(seenAfterFirstSlice).toBeGreaterThanOrEqual(1);
    expect(seenAfterFirstSlice).toBeLessThanOrEqual(8);
    rec.handoff(p, 'p', 'late', undefined, 'grant', null);
    rec.stop();
    expect(logged.at(-1)).toBe('late');
    for (let i = 0; i < MAX_TALLIES + 5; i++) rec.handoff(p, 'p', `x${i}`, undefined, 'grant', null);
    logged.length = 0;
    expect(rec.flush()).toBe(MAX_TALLIES + 1);
    expect(logged.at(-1)).toBe('');
  });

  it("stops a turn's slice once a slow log has taken 2 ms (a real line costs a lock and fsyncs)", async () => {
    const logged: string[] = [];
    let seenAfterFirstSlice = -1;
    const sink = {
      logOAuthEvent: (_t: string, _p: string, user: string) => {
        if (logged.length === 0) setImmediate(() => (seenAfterFirstSlice = logged.length));
        const end = performance.now() + 3;
        while (performance.now() < end); // a line that takes at least 3 ms, as fsyncs can
        logged.push(user);
      },
      logTokenEvent: () => undefined,
      logSecurityError: () => undefined,
      logSecurityEvent: () => undefined,
    };
    const rec = new HandoffRecorder(sink, { intervalMs: 10 });
    const p = { key: 'k', name: 'n', exe: null, script: null, via: 'agent' };
    for (let i = 0; i < 5; i++) rec.handoff(p, 'p', `u${i}`, undefined, 'grant', null);
    rec.start();
    await new Promise<void>((resolve) => {
      const check = () => (logged.length === 5 ? resolve() : setImmediate(check));
      check();
    });
    rec.stop();
    expect(seenAfterFirstSlice).toBe(1);
    expect(logged).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
  });
});

describe('status classification', () => {
  it('says ok, expiring, refresh_failing and needs_reauth, and exits 0 / 3 / 75', () => {
    const now = Date.now();
    const report = statusReport(
      [
        meta({ userId: 'fresh' }),
        meta({ userId: 'soon', expiresAt: new Date(now + 120_000) }),
        meta({ userId: 'failing', status: 'refresh_failing', statusDetail: 'server_error', nextAttemptAt: new Date(now + 60_000) }),
        meta({ userId: 'norefresh', hasRefreshToken: false, expiresAt: new Date(now - 1000) }),
      ],
      300_000,
      now,
    );
    expect(report.accounts.map((a) => [a.userId, a.state, a.usable])).toEqual([
      ['fresh', 'ok', true],
      ['soon', 'expiring', true],
      ['failing', 'refresh_failing', true],
      ['norefresh', 'needs_reauth', false],
    ]);
    expect(statusExitCode(report)).toBe(3);
    const failingExpired = statusReport([meta({ status: 'refresh_failing', expiresAt: new Date(now - 1) })], 300_000, now);
    expect(statusExitCode(failingExpired)).toBe(75);
    expect(statusExitCode(statusReport([meta({})], 300_000, now))).toBe(0);
    const text = statusText(report, now);
    expect(text.split('\n').filter(Boolean)).toHaveLength(4);
    expect(text).toMatch(/^ok +p +fresh +expires in 60m$/m);
    expect(text).toMatch(/^needs_reauth +p +norefresh +sign in again/m);
  });
});

describe('run: accounts and variables', () => {
  const tokensOf = (args: string[]) =>
    parseArgs({ args, options: { account: { type: 'string' }, env: { type: 'string' } }, allowPositionals: true, tokens: true }).tokens!;

  it('pairs each --env with the --account before it', () => {
    expect(accountBindings(tokensOf(['--account', 'google:me@x.test']))).toEqual([
      { provider: 'google', user: 'me@x.test', env: DEFAULT_TOKEN_ENV },
    ]);
    expect(accountBindings(tokensOf(['--account', 'google:me@x.test', '--env', 'G', '--account', 'ms:a:b', '--env', 'M']))).toEqual([
      { provider: 'google', user: 'me@x.test', env: 'G' },
      { provider: 'ms', user: 'a:b', env: 'M' },
    ]);
  });

  it('refuses unpaired, duplicate or malformed names with a usage error', () => {
    for (const args of [
      [],
      ['--env', 'X', '--account', 'p:u'],
      ['--account', 'p:u', '--account', 'q:v'],
      ['--account', 'p:u', '--env', 'A', '--account', 'q:v', '--env', 'A'],
      ['--account', 'p:u', '--env', 'A', '--env', 'B'],
      ['--account', 'nocolon'],
      ['--account', ':u'],
      ['--account', 'p:'],
      ['--account', 'p:u', '--env', '1BAD'],
      ['--account', 'p:u', '--env', 'X', '--account', 'q:v', '--env', 'X_EXPIRES_AT'],
    ]) {
      expect(() => accountBindings(tokensOf(args)), args.join(' ')).toThrow(expect.objectContaining({ code: 'USAGE', exitCode: 64 }));
    }
  });
});

describe('token output and socket paths', () => {
  const t = { accessToken: 'at-x', tokenType: 'bearer', expiresAt: '2030-01-01T00:00:00.000Z', scopes: ['a', 'b'] };
  it('prints raw, header and json', () => {
    expect(formatToken(t, 'raw')).toBe('at-x\n');
    expect(formatToken(t, 'header')).toBe('Authorization: Bearer at-x\n');
    expect(JSON.parse(formatToken(t, 'json'))).toEqual({
      accessToken: 'at-x',
      tokenType: 'Bearer',
      expiresAt: '2030-01-01T00:00:00.000Z',
      scopes: ['a', 'b'],
    });
    expect(formatToken({ ...t, tokenType: 'DPoP' }, 'header')).toBe('Authorization: DPoP at-x\n');
    expect([parseMinTtl('0'), parseMinTtl('86400'), parseMinTtl('86401'), parseMinTtl('-1'), parseMinTtl('1.5'), parseMinTtl('')]).toEqual([
      0,
      86400,
      null,
      null,
      null,
      null,
    ]);
  });

  it('asks $OSMEN_AGENT_SOCK then the data folder socket; with --home only that folder', () => {
    expect(agentSocketCandidates(undefined, { OSMEN_HOME: '/h', OSMEN_AGENT_SOCK: '/fwd.sock' })).toEqual(['/fwd.sock', '/h/agent.sock']);
    expect(agentSocketCandidates(undefined, { OSMEN_HOME: '/h' })).toEqual(['/h/agent.sock']);
    expect(agentSocketCandidates('/other', { OSMEN_HOME: '/h', OSMEN_AGENT_SOCK: '/fwd.sock' })).toEqual(['/other/agent.sock']);
    expect(defaultAgentSocketPath('C:\\Users\\me\\.osmen', 'win32')).toBe('\\\\.\\pipe\\C:/Users/me/.osmen/agent.sock');
  });
});
