/**
 * @osmen/agent-client (clients/node) against a real token agent serving a vault connected through
 * a real OpenID Provider; a scripted peer on a real socket where the test must see the bytes sent
 * or break a connection at a chosen moment.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTokenAgent } from '../../../src/main/core/agent/server.js';
import {
  AgentClient,
  AgentError,
  AgentUnavailableError,
  ConfigurationError,
  NeedsReauthError,
  NotFoundError,
  NotPermittedError,
  TemporaryError,
  UsageError,
} from '../../../clients/node/index.js';
import {
  ALICE,
  BOB,
  DAVE,
  removeSocket,
  startClientFixture,
  startScriptedPeer,
  tokenAnswer,
  type ClientFixture,
} from './client-fixture.js';

let fx: ClientFixture;
let scratch: string;
const clients: AgentClient[] = [];
const client = (options: ConstructorParameters<typeof AgentClient>[0] = {}) => {
  const c = new AgentClient({ socketPath: fx.path, env: {}, ...options });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  fx = await startClientFixture('osmen-node-client-');
  scratch = mkdtempSync(join(tmpdir(), 'osmen-node-peer-'));
});

afterAll(async () => {
  for (const c of clients) c.close();
  await fx?.close();
});

describe('@osmen/agent-client against a real agent', () => {
  it('gets the account token; the object never shows it', async () => {
    const c = client({ clientName: 'node-client-test' });
    const token = await c.getAccessToken('testop', ALICE, { minTtl: 60 });
    const stored = fx.stored(ALICE);
    expect(token.accessToken).toBe(stored.accessToken);
    expect(token.tokenType).toBe('Bearer');
    expect(token.authorization).toBe(`Bearer ${stored.accessToken}`);
    expect(token.scopes).toEqual(expect.arrayContaining(['openid', 'email']));
    expect(Math.abs(token.expiresAt!.getTime() - stored.expiresAt!.getTime())).toBeLessThan(2_000);
    for (const shown of [inspect(token), String(token), `${token}`, JSON.stringify(token), inspect({ token }), inspect(c)]) {
      expect(shown).not.toContain(stored.accessToken);
    }
    expect(JSON.parse(JSON.stringify(token))).toEqual({
      tokenType: 'Bearer',
      expiresAt: token.expiresAt!.toISOString(),
      expiresIn: token.expiresIn,
      scopes: token.scopes,
    });
    expect(await c.ping()).toEqual({ agent: 'osmen-cred', protocol: 1 });
    expect((await c.listAccounts()).map((a) => a.userId).sort()).toEqual([ALICE, BOB, DAVE].sort());
    expect((await c.status()).accounts).toHaveLength(3);
  });

  it('pipelines many concurrent requests over one connection, each answer to its caller', async () => {
    const c = client();
    const before = fx.agent.connections;
    const users = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? BOB : ALICE));
    const tokens = await Promise.all(users.map((u) => c.getAccessToken('testop', u)));
    tokens.forEach((t, i) => expect(t.accessToken).toBe(fx.stored(users[i]!).accessToken));
    // The connection stays open for the next requests: one more connection at the agent.
    expect(fx.agent.connections).toBe(before + 1);
    await c.getAccessToken('testop', ALICE);
    expect(fx.agent.connections).toBe(before + 1);
    c.close();
  });

  it('writes requests without waiting for earlier answers (a peer that answers only after 50 lines)', async () => {
    const path = join(scratch, 'pipeline.sock');
    const peer = await startScriptedPeer(path, (_req, socket, _conn, p) => {
      if (p.requests.length < 50) return;
      // Answer all 50 at once, in order, each with its own token.
      socket.write(p.requests.map((r) => tokenAnswer(r.line.id, `tok-${r.line.user}`)).join(''));
    });
    try {
      const c = client({ socketPath: path });
      const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => c.getAccessToken('p', `u${i}`)));
      expect(tokens.map((t) => t.accessToken)).toEqual(Array.from({ length: 50 }, (_, i) => `tok-u${i}`));
      expect(peer.connections).toBe(1);
      expect(new Set(peer.requests.map((r) => r.line.id)).size).toBe(50);
      c.close();
    } finally {
      await peer.close();
    }
  });

  it('reconnects after the agent restarts', async () => {
    const c = client();
    expect((await c.getAccessToken('testop', ALICE)).accessToken).toBe(fx.stored(ALICE).accessToken);
    await fx.restart();
    expect(fx.agent.connections).toBe(0);
    expect((await c.getAccessToken('testop', ALICE)).accessToken).toBe(fx.stored(ALICE).accessToken);
    expect(fx.agent.connections).toBe(1);
  });

  it('sends a request lost with its connection once more, to the agent that took over the socket', async () => {
    const path = join(scratch, 'handover.sock');
    let takeOver: Promise<void> | null = null;
    const peer = await startScriptedPeer(path, (_req, socket, _conn, p) => {
      // The old agent reads the request and dies without answering; a new one listens by then.
      takeOver ??= (async () => {
        await p.close();
        removeSocket(path);
        const agent = await startTokenAgent(fx.core, { home: fx.home, socketPath: path });
        replacement.push(agent);
        socket.destroy();
      })();
    });
    const replacement: Array<Awaited<ReturnType<typeof startTokenAgent>>> = [];
    try {
      const c = client({ socketPath: path });
      const token = await c.getAccessToken('testop', ALICE);
      expect(token.accessToken).toBe(fx.stored(ALICE).accessToken);
      expect(peer.requests).toHaveLength(1);
      expect(replacement[0]!.connections).toBe(1);
      c.close();
    } finally {
      for (const a of replacement) await a.close();
      removeSocket(path);
    }
  });

  it('fails with AGENT_GONE when the connection is lost again, after exactly two attempts', async () => {
    const path = join(scratch, 'gone.sock');
    const peer = await startScriptedPeer(path, (_req, socket) => socket.destroy());
    try {
      const c = client({ socketPath: path });
      const err = await c.getAccessToken('testop', ALICE).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TemporaryError);
      expect(err).toMatchObject({ code: 'AGENT_GONE', exitCode: 75, category: 'transient' });
      expect(peer.connections).toBe(2);
      expect(peer.requests).toHaveLength(2);
    } finally {
      await peer.close();
    }
  });

  it('times a request out, closes its connection and sends the requests behind it again on a new one', async () => {
    const path = join(scratch, 'slow.sock');
    // Like the agent, the peer answers in order: nothing behind a request it never answers.
    const stuck = new Set<number>();
    const peer = await startScriptedPeer(path, (req, socket, conn) => {
      if (req.user === 'slow') stuck.add(conn);
      if (!stuck.has(conn)) socket.write(tokenAnswer(req.id, `tok-${req.user}`));
    });
    try {
      const c = client({ socketPath: path });
      const slow = c.getAccessToken('p', 'slow', { timeoutMs: 300 }).catch((e: unknown) => e);
      const fast = c.getAccessToken('p', 'fast');
      const err = await slow;
      expect(err).toBeInstanceOf(TemporaryError);
      expect(err).toMatchObject({ code: 'AGENT_TIMEOUT', exitCode: 75 });
      expect((await fast).accessToken).toBe('tok-fast');
      expect(peer.requests.map((r) => [r.conn, r.line.user])).toEqual([
        [0, 'slow'],
        [0, 'fast'],
        [1, 'fast'],
      ]);
      c.close();
    } finally {
      await peer.close();
    }
  });

  it('gives up a connection whose answers do not match its requests (AGENT_PROTOCOL, not retried)', async () => {
    const path = join(scratch, 'garbled.sock');
    const peer = await startScriptedPeer(path, (req, socket) => socket.write(tokenAnswer(Number(req.id) + 100, 'x')));
    try {
      const c = client({ socketPath: path });
      await expect(c.getAccessToken('p', 'u')).rejects.toMatchObject({ code: 'AGENT_PROTOCOL', exitCode: 75 });
      expect(peer.connections).toBe(1);
      c.close();
    } finally {
      await peer.close();
    }
  });

  it('answers the agent errors as typed errors with the CLI codes', async () => {
    const c = client();
    const missing = await c.getAccessToken('testop', 'nobody@example.test').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ code: 'ACCOUNT_NOT_FOUND', exitCode: 2, retryAfter: null, category: 'not_found' });
    expect((missing as Error).message).toContain('No account testop/nobody@example.test');

    const bad = await c.getAccessToken('testop', ALICE, { minTtl: 90_000 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(UsageError);
    expect(bad).toMatchObject({ code: 'bad_request', exitCode: 64, category: 'usage' });

    await fx.breakGrant(DAVE);
    const reauth = await c.getAccessToken('testop', DAVE).catch((e: unknown) => e);
    expect(reauth).toBeInstanceOf(NeedsReauthError);
    expect(reauth).toBeInstanceOf(AgentError);
    expect(reauth).toMatchObject({ exitCode: 3, retryAfter: null, category: 'reauth' });
    expect(['needs_reauth', 'invalid_grant']).toContain((reauth as AgentError).code);

    // The connection survives error answers.
    expect((await c.getAccessToken('testop', ALICE)).accessToken).toBe(fx.stored(ALICE).accessToken);
    for (const e of [missing, bad, reauth]) expect(inspect(e)).not.toContain(fx.stored(ALICE).accessToken);

    await expect(c.getAccessToken('', ALICE)).rejects.toBeInstanceOf(TypeError);
    await expect(c.getAccessToken('testop', ALICE, { minTtl: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(c.getAccessToken('testop', ALICE, { scopes: 'openid' as unknown as string[] })).rejects.toBeInstanceOf(TypeError);
  });

  it('maps every exit code the agent can answer (77 consent, 78 configuration, 75 with retryAfter)', async () => {
    const path = join(scratch, 'codes.sock');
    const wire: Record<string, { code: string; exitCode: number; retryAfter: number | null }> = {
      consent: { code: 'consent_required', exitCode: 77, retryAfter: null },
      forbidden: { code: 'forbidden', exitCode: 77, retryAfter: null },
      config: { code: 'not_configured', exitCode: 78, retryAfter: null },
      temp: { code: 'temporarily_unavailable', exitCode: 75, retryAfter: 7 },
      data: { code: 'DECRYPT_FAILED', exitCode: 65, retryAfter: null },
    };
    const peer = await startScriptedPeer(path, (req, socket) => {
      const e = wire[req.user]!;
      socket.write(`${JSON.stringify({ id: req.id, ok: false, error: { ...e, message: `said \u001b[31m${req.user}\n` } })}\n`);
    });
    try {
      const c = client({ socketPath: path });
      const ask = (user: string) => c.getAccessToken('p', user).catch((e: unknown) => e as AgentError);
      const [consent, forbidden, config, temp, data] = await Promise.all(Object.keys(wire).map(ask));
      expect(consent).toBeInstanceOf(NotPermittedError);
      expect(consent).toMatchObject({ code: 'consent_required', exitCode: 77, category: 'permission', message: 'said  [31mconsent' });
      expect(forbidden).toBeInstanceOf(NotPermittedError);
      expect(config).toBeInstanceOf(ConfigurationError);
      expect(config).toMatchObject({ category: 'configuration' });
      expect(temp).toBeInstanceOf(TemporaryError);
      expect(temp).toMatchObject({ retryAfter: 7, category: 'transient' });
      expect(data!.constructor).toBe(AgentError);
      expect(data).toMatchObject({ exitCode: 65, category: 'data' });
    } finally {
      await peer.close();
    }
  });

  it('sends scopes, the client key from OSMEN_AGENT_KEY and its name on the wire; a real agent accepts them', async () => {
    const key = `osk_${'A'.repeat(43)}`;
    const path = join(scratch, 'wire.sock');
    const peer = await startScriptedPeer(path, (req, socket) =>
      socket.write(tokenAnswer(req.id, 'wire-token', { scopes: req.scopes ?? [] })),
    );
    try {
      const c = client({ socketPath: undefined, env: { OSMEN_AGENT_SOCK: path, OSMEN_AGENT_KEY: key }, clientName: 'wire-test' });
      expect(c.socketPath).toBe(path);
      const t = await c.getAccessToken('testop', ALICE, { minTtl: 30, scopes: ['openid', 'email'] });
      expect(t.scopes).toEqual(['openid', 'email']);
      await c.ping();
      expect(peer.requests.map((r) => r.line)).toEqual([
        { id: 1, method: 'token', provider: 'testop', user: ALICE, minTtl: 30, scopes: ['openid', 'email'], client: 'wire-test', key },
        { id: 2, method: 'ping', client: 'wire-test', key },
      ]);
      expect(inspect(c)).not.toContain(key);
      const noKey = client({ socketPath: path, key: null });
      await noKey.ping();
      expect(peer.requests.at(-1)!.line).not.toHaveProperty('key');
    } finally {
      await peer.close();
    }
    // The real agent acts on keys: a made-up one is refused (forbidden, 77), one the vault issued works.
    const made = client({ key });
    await expect(made.getAccessToken('testop', ALICE)).rejects.toMatchObject({ code: 'forbidden', exitCode: 77 });
    const issued = fx.core.consent.createClientKey({ accounts: [`testop:${ALICE}`], scopes: null, lifetime: 'always' });
    const real = client({ key: issued.key });
    const t = await real.getAccessToken('testop', ALICE);
    expect(t.accessToken).toBe(fx.stored(ALICE).accessToken);
    // Asking for fewer scopes than the account holds gets a token narrowed to them at the provider
    // (another token, introspected there), never the stored one.
    const narrowed = await real.getAccessToken('testop', ALICE, { scopes: ['openid'] });
    expect(narrowed.accessToken).not.toBe(fx.stored(ALICE).accessToken);
    expect((await fx.op.introspect(narrowed.accessToken)).scope).toBe('openid');
  });

  it('an agent at its connection cap: too_many_connections is a TemporaryError with retryAfter; a freed slot serves the next call', async () => {
    const capped = await startTokenAgent(fx.core, {
      home: fx.home,
      socketPath: join(scratch, 'capped.sock'),
      maxConnections: 1,
    });
    try {
      const first = client({ socketPath: capped.path });
      expect((await first.getAccessToken('testop', ALICE)).accessToken).toBe(fx.stored(ALICE).accessToken); // holds the one slot
      const second = client({ socketPath: capped.path });
      const err = await second.getAccessToken('testop', BOB).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TemporaryError);
      expect(err).toMatchObject({ code: 'too_many_connections', exitCode: 75, retryAfter: 1, category: 'transient' });
      first.close();
      await vi.waitFor(() => expect(capped.connections).toBe(0));
      expect((await second.getAccessToken('testop', BOB)).accessToken).toBe(fx.stored(BOB).accessToken);
    } finally {
      await capped.close();
    }
  });

  it('no agent: AgentUnavailableError, and a closed client refuses further requests', async () => {
    const c = client({ socketPath: join(scratch, 'nobody-here.sock') });
    const err = await c.getAccessToken('testop', ALICE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentUnavailableError);
    expect(err).toMatchObject({ code: 'AGENT_UNAVAILABLE', exitCode: 75 });
    const live = client();
    await live.ping();
    live.close();
    await expect(live.ping()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });
});
