/**
 * `osmen-cred agent` as a real process on a real socket, serving a vault whose accounts were
 * connected through a real OpenID Provider (refresh tokens rotate; reuse revokes the grant).
 * Clients are raw sockets and, where a client must die mid-request, a separate process.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, realpathSync, statSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { coreInternals } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { KEYCHAIN_SERVICE } from '../../../src/main/core/vault/key-custody.js';
import { TokenStore } from '../../../src/main/core/vault/token-store.js';
import { ageToken } from '../../helpers/oidc-fixtures.js';
import { PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { seedVault } from '../../helpers/seed-vault.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { runCli, startUnavailableIssuer } from '../cli/run-cli.js';
import { agentRefusal, RawClient, startAgent, type AgentProcess } from './agent-harness.js';

const SCOPES = ['openid', 'email', 'profile', 'offline_access'];
const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';
const DAVE = 'dave@example.test';
const CAROL = 'carol@example.test';

let op: TestProvider;
let down: Awaited<ReturnType<typeof startUnavailableIssuer>>;
let home: ReturnType<typeof makeTmpHome>;
const key = EncryptionManager.generateKey();
let agent: AgentProcess;

const env = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home.dir,
  OSMEN_HOME: home.dir,
  OAUTH_ENCRYPTION_KEY: key,
  OSMEN_KEYCHAIN_SERVICE: `${KEYCHAIN_SERVICE} (agent test ${randomUUID()})`,
});

function withStore<T>(fn: (tokens: TokenStore) => T): T {
  const tokens = new TokenStore({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(key) });
  try {
    return fn(tokens);
  } finally {
    tokens.close();
  }
}
const stored = (user: string, provider = 'testop') => withStore((t) => t.getToken(provider, user)!);

beforeAll(async () => {
  op = await startTestProvider();
  down = await startUnavailableIssuer();
  home = makeTmpHome('osmen-agent-');
  // The hand-off itself is tested here, not consent (test/integration/consent): any program of the user gets tokens.
  // The agent refreshes only on demand here, so the tests count every token request.
  await seedVault(home.dir, key, op, {
    scopes: SCOPES,
    logins: ['alice', 'bob', 'dave'],
    handToAnyProgram: true,
    more: async (core) => {
      await core.createCustomProvider({ id: 'flaky', issuer: down.issuer, clientId: 'flaky-client', scopes: ['openid'] });
      coreInternals(core).tokens.saveToken('flaky', CAROL, {
        access_token: `flaky-at-${randomUUID()}`,
        refresh_token: `flaky-rt-${randomUUID()}`,
        expires_in: 0,
      });
    },
  });
  agent = await startAgent(env());
});

afterAll(async () => {
  if (agent && agent.proc.exitCode === null) await agent.stop('SIGKILL');
  await op?.close();
  await down?.close();
  home?.cleanup();
});

describe('osmen-cred agent', () => {
  it('listens on <data folder>/agent.sock, 0600, and serves many requests per connection and many connections at once', async () => {
    expect(agent.path).toBe(join(home.dir, 'agent.sock'));
    const st = statSync(agent.path);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(statSync(home.dir).mode & 0o777).toBe(0o700);

    const alice = stored(ALICE).accessToken;
    const clients = await Promise.all(Array.from({ length: 40 }, () => RawClient.connect(agent.path)));
    // 25 pipelined requests per connection, written in one go: answers come back in order.
    for (const [c, client] of clients.entries()) {
      client.send(
        Array.from(
          { length: 25 },
          (_, i) => `${JSON.stringify({ id: `${c}-${i}`, method: 'token', provider: 'testop', user: ALICE, client: 'load' })}\n`,
        ).join(''),
      );
    }
    const answers = await Promise.all(clients.map((c) => c.waitFor(25)));
    for (const [c, list] of answers.entries()) {
      expect(list.map((a) => a.id)).toEqual(Array.from({ length: 25 }, (_, i) => `${c}-${i}`));
      for (const a of list) expect(a).toMatchObject({ ok: true, accessToken: alice, tokenType: 'Bearer' });
    }
    const one = answers[0]![0]!;
    expect(Object.keys(one).sort()).toEqual(['accessToken', 'expiresAt', 'expiresIn', 'id', 'ok', 'scopes', 'tokenType']);
    expect(Math.abs(Date.parse(one.expiresAt) - stored(ALICE).expiresAt!.getTime())).toBeLessThan(1000);
    expect(one.scopes).toEqual(expect.arrayContaining(['openid']));

    const c = clients[0]!;
    expect(await c.ask({ id: 'p', method: 'ping' })).toMatchObject({ id: 'p', ok: true });
    const list = await c.ask({ id: 'l', method: 'list' });
    expect(list.accounts.map((a: { userId: string }) => a.userId).sort()).toEqual([ALICE, BOB, CAROL, DAVE].sort());
    const cli = JSON.parse((await runCli(['list', '--json'], env())).stdout) as unknown[];
    expect(list.accounts).toEqual(cli.map((a) => ({ ...(a as object) }))); // the `list --json` objects
    const status = await c.ask({ id: 's', method: 'status' });
    expect(status.accounts.find((a: { userId: string }) => a.userId === ALICE)).toMatchObject({ state: 'ok', usable: true });
    expect(JSON.stringify([list, status])).not.toContain(alice);
    for (const client of clients) client.close();
  });

  it('answers strictly in order: a fast request after a slow refresh waits; other connections are served meanwhile', async () => {
    withStore((t) => ageToken(t, 'testop', BOB, 60)); // inside the refresh window
    op.resetCounts();
    const gate = op.holdTokenRequests();
    const a = await RawClient.connect(agent.path);
    a.send(
      `${JSON.stringify({ id: 1, method: 'token', provider: 'testop', user: BOB })}\n${JSON.stringify({ id: 2, method: 'token', provider: 'testop', user: ALICE })}\n`,
    );
    await gate.arrived;
    const b = await RawClient.connect(agent.path);
    expect(await b.ask({ id: 'other', method: 'token', provider: 'testop', user: ALICE })).toMatchObject({ ok: true });
    expect(a.lines).toEqual([]); // alice's answer is ready, but it waits for bob's
    gate.release();
    const [first, second] = await a.waitFor(2);
    expect(first).toMatchObject({ id: 1, ok: true, accessToken: stored(BOB).accessToken });
    expect(second).toMatchObject({ id: 2, ok: true, accessToken: stored(ALICE).accessToken });
    expect(op.count('refresh_token')).toBe(1);
    a.close();
    b.close();
  });

  it('answers malformed lines with bad_request and keeps the connection; a line over 64 KiB closes only that connection', async () => {
    const c = await RawClient.connect(agent.path);
    c.send('this is not json\n{"id":5,"method":"frobnicate"}\n{"id":6,"method":"token","provider":"testop"}\n[]\n');
    const bad = await c.waitFor(4);
    expect(bad.map((a) => [a.id, a.ok, a.error?.code])).toEqual([
      [null, false, 'bad_request'],
      [5, false, 'bad_request'],
      [6, false, 'bad_request'],
      [null, false, 'bad_request'],
    ]);
    expect(await c.ask({ id: 7, method: 'ping' })).toMatchObject({ id: 7, ok: true });

    const other = await RawClient.connect(agent.path);
    const big = await RawClient.connect(agent.path);
    big.send(`${JSON.stringify({ id: 'before', method: 'ping' })}\n`);
    big.send('x'.repeat(64 * 1024 + 10)); // no newline: refused before it is buffered
    await big.closed;
    expect(big.lines.map((l) => JSON.parse(l) as Record<string, any>)).toEqual([
      expect.objectContaining({ id: 'before', ok: true }),
      expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'bad_request' }) }),
    ]);
    expect(await other.ask({ id: 'still', method: 'ping' })).toMatchObject({ ok: true });
    expect(await c.ask({ id: 8, method: 'ping' })).toMatchObject({ ok: true });
    c.close();
    other.close();
  });

  it('a client killed mid-request: the refresh is finished and saved, and the agent keeps serving', async () => {
    withStore((t) => ageToken(t, 'testop', BOB, 60));
    const before = stored(BOB);
    op.resetCounts();
    const gate = op.holdTokenRequests();
    const client = spawn(
      process.execPath,
      [
        '-e',
        `const s = require('node:net').createConnection(process.argv[1]);
         s.on('connect', () => s.write(JSON.stringify({ id: 1, method: 'token', provider: 'testop', user: process.argv[2] }) + '\\n'));
         setInterval(() => {}, 1000);`,
        agent.path,
        BOB,
      ],
      { stdio: 'ignore' },
    );
    await gate.arrived;
    const killed = new Promise((r) => client.on('exit', r));
    client.kill('SIGKILL');
    await killed;
    gate.release();
    const c = await RawClient.connect(agent.path);
    // The stored token is still valid: it is served at once while the refresh in flight finishes
    // (or the refreshed one, if that was saved already). Either way one token request.
    const answer = (await c.ask({ id: 1, method: 'token', provider: 'testop', user: BOB })) as { ok: boolean; accessToken: string };
    await vi.waitFor(() => expect(stored(BOB).accessToken).not.toBe(before.accessToken), { timeout: 20_000, interval: 20 });
    const after = stored(BOB);
    expect(answer.ok).toBe(true);
    expect([before.accessToken, after.accessToken]).toContain(answer.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken); // rotated, and stored
    expect(op.count('refresh_token')).toBe(1);
    expect(await c.ask({ id: 2, method: 'token', provider: 'testop', user: ALICE })).toMatchObject({ ok: true });
    c.close();
  });

  it('minTtl refreshes a token that would expire sooner, once; a token just issued is served as it is', async () => {
    const db = new Database(join(home.dir, 'tokens.db'));
    const now = Date.now();
    // Issued 50 minutes ago, 10 minutes left: outside the 5 minute window.
    db.prepare('UPDATE tokens SET updated_at = ?, expires_at = ? WHERE provider = ? AND user_id = ?').run(
      now - 50 * 60_000,
      now + 10 * 60_000,
      'testop',
      ALICE,
    );
    db.close();
    const before = stored(ALICE).accessToken;
    op.resetCounts();
    const c = await RawClient.connect(agent.path);
    expect(await c.ask({ id: 0, method: 'token', provider: 'testop', user: ALICE })).toMatchObject({ ok: true, accessToken: before });
    expect(op.count('refresh_token')).toBe(0);
    const fresh = await c.ask({ id: 1, method: 'token', provider: 'testop', user: ALICE, minTtl: 900 });
    expect(fresh).toMatchObject({ ok: true });
    expect(fresh.accessToken).not.toBe(before);
    expect(fresh.expiresIn).toBeGreaterThan(3000);
    expect(op.count('refresh_token')).toBe(1);
    // More than the provider's tokens ever live: served with its true expiry, not refreshed again.
    const day = await c.ask({ id: 2, method: 'token', provider: 'testop', user: ALICE, minTtl: 86_400 });
    expect(day).toMatchObject({ ok: true, accessToken: fresh.accessToken });
    expect(day.expiresIn).toBeLessThan(3601);
    expect(op.count('refresh_token')).toBe(1);
    c.close();
  });

  it('answers errors with the CLI codes: not found (2), temporary with retryAfter (75), needs re-auth (3)', async () => {
    const c = await RawClient.connect(agent.path);
    expect(await c.ask({ id: 1, method: 'token', provider: 'testop', user: 'nobody@example.test' })).toEqual({
      id: 1,
      ok: false,
      error: {
        code: 'ACCOUNT_NOT_FOUND',
        message: expect.stringContaining('No account testop/nobody@example.test'),
        retryAfter: null,
        exitCode: 2,
      },
    });
    const flaky = await c.ask({ id: 2, method: 'token', provider: 'flaky', user: CAROL });
    expect(flaky).toMatchObject({ id: 2, ok: false, error: { exitCode: 75 } });
    expect(flaky.error.retryAfter).toBeGreaterThanOrEqual(1);

    const dave = stored(DAVE);
    const revoke = await fetch(`${op.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: dave.refreshToken!, token_type_hint: 'refresh_token', client_id: PUBLIC_CLIENT_ID }),
    });
    expect(revoke.status).toBe(200);
    withStore((t) => ageToken(t, 'testop', DAVE, 60));
    const reauth = await c.ask({ id: 3, method: 'token', provider: 'testop', user: DAVE });
    expect(reauth).toMatchObject({ id: 3, ok: false, error: { exitCode: 3, retryAfter: null } });
    expect(['needs_reauth', 'invalid_grant']).toContain(reauth.error.code);
    const status = await c.ask({ id: 4, method: 'status' });
    expect(status.usable).toBe(false);
    expect(status.accounts.find((a: { userId: string }) => a.userId === DAVE)).toMatchObject({ state: 'needs_reauth' });
    c.close();
  });

  it('serves a client through a forwarded socket (a byte relay, as `ssh -R` makes)', async () => {
    const relayPath = join(home.dir, 'forwarded.sock');
    const relay: Server = createServer((inbound) => {
      const out = createConnection({ path: agent.path });
      inbound.pipe(out).pipe(inbound);
      inbound.on('error', () => out.destroy());
      out.on('error', () => inbound.destroy());
    });
    await new Promise<void>((r) => relay.listen(relayPath, r));
    chmodSync(relayPath, 0o600); // as sshd makes it (StreamLocalBindMask 0177); the CLI refuses a looser one
    try {
      const r = await runCli(['token', 'testop', ALICE, '--format', 'header'], {
        ...env(),
        OSMEN_HOME: join(home.dir, 'elsewhere'),
        OAUTH_ENCRYPTION_KEY: undefined,
        OSMEN_AGENT_SOCK: relayPath,
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`Authorization: Bearer ${stored(ALICE).accessToken}\n`);
    } finally {
      await new Promise<void>((r) => relay.close(() => r()));
    }
  });

  it('SIGTERM during a refresh: the refresh is saved, hand-offs are logged per program and account, the socket is removed, exit 0', async () => {
    withStore((t) => ageToken(t, 'testop', BOB, 60));
    const before = stored(BOB);
    op.resetCounts();
    const c = await RawClient.connect(agent.path);
    for (let i = 0; i < 30; i++) await c.ask({ id: i, method: 'token', provider: 'testop', user: ALICE, client: 'nightly-report' });
    const gate = op.holdTokenRequests();
    c.send(`${JSON.stringify({ id: 'slow', method: 'token', provider: 'testop', user: BOB, client: 'nightly-report' })}\n`);
    await gate.arrived;
    agent.proc.kill('SIGTERM');
    await new Promise<void>((r) => {
      const check = () => (agent.stderr().includes('SIGTERM received') ? r() : setTimeout(check, 20));
      check();
    });
    gate.release();
    const [slow] = (await c.waitFor(31)).slice(30);
    expect(await agent.exited).toBe(0);
    const after = stored(BOB);
    expect(slow).toMatchObject({ id: 'slow', ok: true, accessToken: after.accessToken });
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(existsSync(agent.path)).toBe(false);

    const entries = JSON.parse((await runCli(['log', '--tail', '1000', '--json'], env())).stdout) as Array<{
      event: string;
      provider?: string;
      details: Record<string, unknown>;
    }>;
    const handoffs = entries.filter((e) => e.event === 'token_handoff');
    // The program is the one the agent saw (this test's process), never the name a client sent.
    expect(handoffs.some((e) => JSON.stringify(e.details).includes('nightly-report'))).toBe(false);
    const mine = handoffs.filter((e) => e.details.exe === realpathSync(process.execPath) && e.details.basis === 'same-user');
    expect(mine.length).toBeGreaterThan(0);
    // One line per program and account a minute, never one per token: the 30 requests above are one line.
    expect(mine.some((e) => Number(e.details.count) >= 30)).toBe(true);
    // This file's clients are node itself: its worker script, or inline code (`node -e`, named `node`).
    expect(mine.every((e) => /^node( |$)/.test(String(e.details.program)))).toBe(true);
    expect(handoffs.reduce((n, e) => n + Number(e.details.count), 0)).toBeGreaterThan(1000);
    expect(handoffs.length).toBeLessThan(20);
    const log = JSON.stringify(entries);
    for (const u of [ALICE, BOB]) expect(log).not.toContain(u);
    expect(log).not.toContain(after.accessToken);
  });

  it('after SIGKILL the stale socket is replaced by a new agent; a live agent is never replaced (exit 75)', async () => {
    const first = await startAgent(env());
    expect(await first.stop('SIGKILL')).toBe(137);
    expect(existsSync(first.path)).toBe(true); // left behind by the dead agent
    const refused = await RawClient.connect(first.path).then(
      () => 'connected',
      (e: NodeJS.ErrnoException) => e.code,
    );
    expect(refused).toBe('ECONNREFUSED');

    agent = await startAgent(env());
    expect(agent.path).toBe(first.path);
    const c = await RawClient.connect(agent.path);
    expect(await c.ask({ id: 1, method: 'token', provider: 'testop', user: ALICE })).toMatchObject({
      ok: true,
      accessToken: stored(ALICE).accessToken,
    });

    const second = await agentRefusal(env());
    expect(second.code).toBe(75);
    expect(second.stderr).toMatch(/^osmen-cred: error \[AGENT_RUNNING\]: An agent is already running/m);
    expect(await c.ask({ id: 2, method: 'ping' })).toMatchObject({ ok: true }); // the first one still serves
    c.close();
    const notSocket = await agentRefusal(env(), ['--socket', join(home.dir, 'tokens.db')]);
    expect(notSocket.code).toBe(78);
    expect(statSync(join(home.dir, 'tokens.db')).size).toBeGreaterThan(0); // never unlinked
    const tooLong = await agentRefusal(env(), ['--socket', join(home.dir, `${'x'.repeat(120)}.sock`)]);
    expect(tooLong.code).toBe(78);
    expect(tooLong.stderr).toContain('[AGENT_SOCKET_PATH_TOO_LONG]');
  });
});
