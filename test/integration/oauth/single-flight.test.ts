/**
 * "Exactly one token request" for concurrent callers — inside one process and across
 * processes sharing the vault — counted at the real provider's token endpoint.
 * oidc-provider rotates refresh tokens and revokes the whole grant when a rotated one
 * is reused, so a second request would not just be wasteful: it would kill the account.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RefreshLease } from '../../../src/main/core/vault/refresh-lease.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { leaseRefused } from '../../helpers/lease-watch.js';
import { ageToken, openVault, TEST_SCOPES, testRegistry, type Vault } from '../../helpers/oidc-fixtures.js';
import { connectAccount } from '../../../src/main/core/oauth/connect-flow.js';
import { ProviderRegistry } from '../../../src/main/core/oauth/providers/registry.js';
import { TokenRefresher } from '../../../src/main/core/oauth/token-refresher.js';

let op: TestProvider;
let vault: Vault;

beforeAll(async () => {
  op = await startTestProvider();
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => {
  vault = openVault();
});
afterEach(() => {
  vi.restoreAllMocks();
  vault.cleanup();
});

async function connected(login: string): Promise<string> {
  const meta = await connectAccount({ tokens: vault.tokens, providers: testRegistry(op.issuer) }, 'testop', {
    openUrl: async (url) => void (await browseAuthorization(url, { login })),
    timeoutMs: 20_000,
  });
  ageToken(vault.tokens, 'testop', meta.userId, 30); // due: inside the refresh window
  op.resetCounts();
  return meta.userId;
}

describe('single flight', () => {
  it('200 concurrent getValidAccessToken calls in one process make exactly one token request', async () => {
    const user = await connected('conc');
    const old = vault.tokens.getToken('testop', user)!;
    const r = new TokenRefresher({ tokens: vault.tokens, providers: testRegistry(op.issuer), events: vault.events });
    const results = await Promise.all(Array.from({ length: 200 }, () => r.getValidAccessToken('testop', user)));
    expect(op.count()).toBe(1);
    expect(op.count('refresh_token')).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).not.toBe(old.accessToken);
    expect(results[0]).toBe(vault.tokens.getToken('testop', user)!.accessToken);
    const states = vault.emitted.filter((e) => e.name === 'refresh-state').map((e) => (e.payload as { refreshing: boolean }).refreshing);
    expect(states).toEqual([true, false]);
  });

  it('4 processes sharing one database make exactly one token request, and the grant stays valid', async () => {
    const user = await connected('multi');
    const script = fileURLToPath(new URL('./refresh-worker.ts', import.meta.url));
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--import', 'tsx', script], {
        cwd: fileURLToPath(new URL('../../../', import.meta.url)),
        env: {
          ...process.env,
          WORKER_DB: vault.dbPath,
          WORKER_KEY: vault.key,
          WORKER_ISSUER: op.issuer,
          WORKER_USER: user,
          WORKER_CALLS: '50',
        },
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    const lines = children.map((c) => {
      const out: string[] = [];
      let buf = '';
      const ready = new Promise<void>((resolve) => {
        c.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const parts = buf.split('\n');
          buf = parts.pop()!;
          for (const p of parts) {
            if (p === 'ready') resolve();
            else if (p) out.push(p);
          }
        });
      });
      const exited = new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code)));
      return { out, ready, exited };
    });
    try {
      await Promise.all(lines.map((l) => l.ready));
      for (const c of children) c.stdin!.end('go\n');
      const codes = await Promise.all(lines.map((l) => l.exited));
      expect(codes).toEqual([0, 0, 0, 0]);
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill();
    }
    const results = lines.map((l) => JSON.parse(l.out[0]!) as { ok: boolean; distinct?: string[]; error?: string });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(op.count('refresh_token')).toBe(1);
    // Everyone got the same, current token.
    const stored = vault.tokens.getToken('testop', user)!;
    const h = createHash('sha256').update(stored.accessToken).digest('hex').slice(0, 16);
    expect(new Set(results.flatMap((r) => r.distinct))).toEqual(new Set([h]));
    // The grant is still alive: the stored (rotated) refresh token works. Had any process reused
    // the old one, oidc-provider would have revoked the grant and this would be invalid_grant.
    const r = new TokenRefresher({ tokens: vault.tokens, providers: testRegistry(op.issuer) });
    await r.refreshNow('testop', user);
    expect(op.count('refresh_token')).toBe(2);
    expect(op.tokenRequests.map((t) => t.status)).toEqual([200, 200]);
  });

  it('renews its lease after a slow discovery, so no other process can send the same refresh token meanwhile', async () => {
    const user = await connected('slowdisc');
    const clock = new ManualClock();
    const now = clock.now;
    const rival = new RefreshLease(vault.tokens.database, 'rival-process', 60_000, now);
    let rivalTookLease: boolean | null = null;
    const slowFetch: typeof fetch = async (input, init) => {
      const url = String(input);
      // Discovery "takes" longer than the whole lease (a slow or sleeping network).
      if (url.includes('/.well-known/openid-configuration')) clock.advance(61_000);
      // While our token request is on its way, another process tries to take over.
      else if (url.endsWith('/token') && rivalTookLease === null) rivalTookLease = rival.tryAcquire('testop', user);
      return fetch(input, init);
    };
    const providers = new ProviderRegistry({ env: {}, fetch: slowFetch });
    providers.register({
      id: 'testop',
      issuer: op.issuer,
      clientId: PUBLIC_CLIENT_ID,
      scopes: TEST_SCOPES,
      extraAuthParams: { prompt: 'consent' },
    });
    const r = new TokenRefresher({ tokens: vault.tokens, providers, leaseMs: 60_000, now });
    await r.refreshNow('testop', user);
    expect(rivalTookLease).toBe(false);
    expect(op.count('refresh_token')).toBe(1);
  });

  it("a crashed holder's lease expires and the next caller refreshes", async () => {
    const user = await connected('crash');
    const clock = new ManualClock();
    // A process on another host took the lease and died before refreshing: nothing here can
    // tell it is gone, so its row stands until it expires, 30 s from now.
    vault.tokens.database
      .prepare('INSERT INTO refresh_leases (provider, user_id, holder, expires_at) VALUES (?, ?, ?, ?)')
      .run('testop', user, 'other-host:4242:dead', clock.now() + 30_000);
    const refused = leaseRefused();
    const r = new TokenRefresher({ tokens: vault.tokens, providers: testRegistry(op.issuer), leaseMs: 5_000, now: clock.now });
    const token = r.getValidAccessToken('testop', user);
    // The caller found the lease taken and waits: no token request while the lease is live.
    await refused;
    expect(op.count('refresh_token')).toBe(0);
    clock.advance(30_000); // the dead holder's lease expires
    expect(await token).toBe(vault.tokens.getToken('testop', user)!.accessToken);
    expect(op.count('refresh_token')).toBe(1);
    // Our lease was released; the dead one is gone.
    expect(vault.tokens.database.prepare('SELECT COUNT(*) AS n FROM refresh_leases').get()).toEqual({ n: 0 });
  });

  it('a waiting process uses the result written by the lease holder instead of calling the provider', async () => {
    const user = await connected('waiter');
    const clock = new ManualClock();
    const other = new TokenRefresher({
      tokens: vault.tokens,
      providers: testRegistry(op.issuer),
      holderId: 'other-process',
      now: clock.now,
    });
    // Another process holds the lease (live for 30 s more on this clock, which stands still) and is mid-refresh.
    vault.tokens.database
      .prepare('INSERT INTO refresh_leases (provider, user_id, holder, expires_at) VALUES (?, ?, ?, ?)')
      .run('testop', user, 'other-process', clock.now() + 30_000);
    const refused = leaseRefused();
    const me = new TokenRefresher({ tokens: vault.tokens, providers: testRegistry(op.issuer), holderId: 'me', now: clock.now });
    const mine = me.getValidAccessToken('testop', user);
    await refused; // I am waiting on the holder's lease
    // The holder finishes: it refreshes (its lease is its own) and writes the result.
    await other.refreshNow('testop', user);
    const token = await mine;
    expect(op.count('refresh_token')).toBe(1);
    expect(token).toBe(vault.tokens.getToken('testop', user)!.accessToken);
  });
});
