/**
 * Narrowed tokens (least privilege) against the real OpenID Provider, which rotates refresh
 * tokens on every use and revokes the whole grant when a used one comes back: what a narrowed
 * token carries at the provider (introspection), the in-memory cache (requests counted at the
 * provider), the provider's refusals, and narrowed and ordinary refreshes of one account at once,
 * inside one process and from two processes, keeping exactly one live grant.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coreInternals, createCredentialCore, type CredentialCore } from '../../../src/main/core/credential-core.js';
import { exitCodeFor } from '../../../src/main/core/exit-codes.js';
import { AccessTokenSource } from '../../../src/main/core/oauth/access-token.js';
import { NarrowedTokens } from '../../../src/main/core/oauth/narrowed-tokens.js';
import { TokenRefresher } from '../../../src/main/core/oauth/token-refresher.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { ageToken } from '../../helpers/oidc-fixtures.js';
import { makeTmpHome } from '../../helpers/tmp.js';

const ALICE = 'alice@example.test';
const ACCOUNT_SCOPES = ['openid', 'email', 'profile', 'offline_access', 'api:read', 'api:write'];
let op: TestProvider;
let home: ReturnType<typeof makeTmpHome>;
let key: string;
let core: CredentialCore;

const stored = () => coreInternals(core).tokens.getToken('testop', ALICE)!;
const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

async function openCore(options: { fetch?: typeof fetch } = {}): Promise<CredentialCore> {
  return createCredentialCore({ home: home.dir, encryptionKey: key, env: {}, ...options });
}

beforeAll(async () => {
  // api:admin is a scope the provider knows but never granted to this account.
  op = await startTestProvider({ extraScopes: ['api:read', 'api:write', 'api:admin'] });
});
afterAll(async () => {
  await op.close();
});

beforeEach(async () => {
  home = makeTmpHome('osmen-narrow-');
  key = EncryptionManager.generateKey();
  core = await openCore();
  await core.createCustomProvider({ id: 'testop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: ACCOUNT_SCOPES });
  await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'alice' }) });
  op.resetCounts();
});
afterEach(async () => {
  await core.close();
  home.cleanup();
});

/** The grant is alive: an ordinary refresh with the stored refresh token succeeds, and the provider knows that token. */
async function expectGrantAlive(): Promise<void> {
  await core.refreshAccount('testop', ALICE);
  expect(await op.introspect(stored().refreshToken!)).toMatchObject({ active: true, sub: 'alice' });
  expect(op.tokenRequests.filter((r) => r.status !== 200)).toEqual([]);
}

describe('narrowed tokens', () => {
  it('carry only the asked scopes at the provider; the stored token stays, the rotated refresh token is saved first', async () => {
    const before = stored();
    expect(before.scopes).toEqual(expect.arrayContaining(ACCOUNT_SCOPES));

    const t = await core.getAccessToken('testop', ALICE, { scopes: ['api:read'] });
    expect(t.scopes).toEqual(['api:read']);
    expect(t.accessToken).not.toBe(before.accessToken);
    expect(t.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    expect(await op.introspect(t.accessToken)).toMatchObject({
      active: true,
      sub: 'alice',
      client_id: PUBLIC_CLIENT_ID,
      scope: 'api:read',
    });
    expect(op.count('refresh_token')).toBe(1);

    // The account's own token is untouched, full scope, same expiry.
    const after = stored();
    expect(after.accessToken).toBe(before.accessToken);
    expect(after.expiresAt).toEqual(before.expiresAt);
    expect(after.scopes).toEqual(before.scopes);
    expect(((await op.introspect(after.accessToken)).scope as string).split(' ').sort()).toEqual([...ACCOUNT_SCOPES].sort());
    // The provider rotated the refresh token: the new one is stored, the old one is spent.
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(await op.introspect(before.refreshToken!)).toMatchObject({ active: false });
    expect(await op.introspect(after.refreshToken!)).toMatchObject({ active: true });
    // And the account's own token is served as before.
    expect((await core.getAccessToken('testop', ALICE)).accessToken).toBe(before.accessToken);

    const line = core.readLog(5).find((e) => e.event === 'refresh');
    expect(line).toMatchObject({ success: true, details: { reason: 'narrowed', scopes: 'api:read', rotated: true } });
    await expectGrantAlive();
  });

  it('are kept in memory per scope set and served again without a request; covering every scope is the stored token', async () => {
    const a = await core.getAccessToken('testop', ALICE, { scopes: ['api:write', 'openid'] });
    const b = await core.getAccessToken('testop', ALICE, { scopes: ['openid', 'api:write', 'openid'], minTtlMs: 600_000 });
    expect(b.accessToken).toBe(a.accessToken);
    expect(op.count()).toBe(1);
    expect((await op.introspect(a.accessToken)).scope).toBe('openid api:write');

    const c = await core.getAccessToken('testop', ALICE, { scopes: ['openid'] });
    expect(c.accessToken).not.toBe(a.accessToken);
    expect(op.count()).toBe(2);

    // Every scope the account holds, in another order: no narrowing, no request.
    const full = await core.getAccessToken('testop', ALICE, { scopes: [...ACCOUNT_SCOPES].reverse() });
    expect(full.accessToken).toBe(stored().accessToken);
    expect(op.count()).toBe(2);
    await expectGrantAlive();
  });

  it('are minted again when they have less life left than the caller needs', async () => {
    let clock = Date.now();
    const { tokens, providers } = coreInternals(core);
    const refresher = new TokenRefresher({ tokens, providers, now: () => clock });
    const narrowed = new NarrowedTokens({ tokens, providers: () => providers, now: () => clock });
    const source = new AccessTokenSource({ tokens, refresher, narrowed, now: () => clock });
    try {
      const first = await source.get('testop', ALICE, { scopes: ['api:read'] });
      clock += 10 * 60_000; // 50 minutes left
      expect((await source.get('testop', ALICE, { scopes: ['api:read'], minTtlMs: 40 * 60_000 })).accessToken).toBe(first.accessToken);
      expect(op.count()).toBe(1);
      const longer = await source.get('testop', ALICE, { scopes: ['api:read'], minTtlMs: 55 * 60_000 });
      expect(longer.accessToken).not.toBe(first.accessToken);
      expect(op.count()).toBe(2);
      clock += 59 * 60_000 + 40_000; // 20 s left of the second: under the expiry margin
      const third = await source.get('testop', ALICE, { scopes: ['api:read'] });
      expect(third.accessToken).not.toBe(longer.accessToken);
      expect(op.count()).toBe(3);
    } finally {
      await narrowed.close();
    }
  });

  it('a scope the provider refuses gives its invalid_scope error, leaves the account alone, and is not asked again at once', async () => {
    const before = stored();
    const refused = core.getAccessToken('testop', ALICE, { scopes: ['api:read', 'api:admin'] });
    await expect(refused).rejects.toMatchObject({ code: 'invalid_scope', status: 400, category: 'configuration', needsReauth: false });
    expect(exitCodeFor(await refused.catch((e: unknown) => e))).toBe(78);
    expect(op.count('refresh_token')).toBe(1);
    expect(core.getAccount('testop', ALICE)!.status).toBe('active');
    expect(stored().refreshToken).toBe(before.refreshToken);
    // A program asking again in a loop does not reach the provider for a while.
    await expect(core.getAccessToken('testop', ALICE, { scopes: ['api:admin', 'api:read'] })).rejects.toMatchObject({
      code: 'invalid_scope',
    });
    expect(op.count('refresh_token')).toBe(1);
    expect(core.readLog(5).find((e) => e.event === 'refresh')).toMatchObject({
      success: false,
      details: { reason: 'narrowed', scopes: 'api:admin api:read', error: 'invalid_scope' },
    });
    // Not a scope list at all: a usage error, nothing sent.
    for (const bad of [[], [''], ['two words'], ['quo"te']]) {
      await expect(core.getAccessToken('testop', ALICE, { scopes: bad })).rejects.toMatchObject({
        code: 'INVALID_SCOPES',
        category: 'usage',
      });
    }
    expect(op.count('refresh_token')).toBe(1);
    op.resetCounts(); // the one refusal above was the provider's 400
    await expectGrantAlive();
  });

  it("the provider's consent errors stay OAuth errors of the account (Microsoft's AADSTS65001), never the agent's consent_required", async () => {
    await core.close();
    const bodies: Record<string, unknown> = {
      'https://graph.microsoft.com/.default': {
        error: 'invalid_grant',
        error_description: 'AADSTS65001: The user or administrator has not consented to use the application. Trace ID: 0000',
        error_codes: [65001],
        suberror: 'consent_required',
      },
      'https://vault.azure.net/.default': { error: 'consent_required', error_description: 'consent needed' },
    };
    // The token endpoint answers these two scopes like Microsoft does; everything else reaches the provider.
    const fetchLikeMicrosoft: typeof fetch = async (input, init) => {
      const body = init?.body instanceof URLSearchParams ? init.body : null;
      const answer = body?.get('grant_type') === 'refresh_token' ? bodies[body.get('scope') ?? ''] : undefined;
      if (answer) return new Response(JSON.stringify(answer), { status: 400, headers: { 'content-type': 'application/json' } });
      return fetch(input, init);
    };
    core = await openCore({ fetch: fetchLikeMicrosoft });
    const graph = core.getAccessToken('testop', ALICE, { scopes: ['https://graph.microsoft.com/.default'] });
    await expect(graph).rejects.toMatchObject({
      code: 'invalid_grant',
      category: 'reauth',
      providerCodes: ['AADSTS65001', 'consent_required'],
    });
    const vault = core.getAccessToken('testop', ALICE, { scopes: ['https://vault.azure.net/.default'] });
    await expect(vault).rejects.toMatchObject({
      code: 'provider_consent_required',
      category: 'reauth',
      providerCodes: ['consent_required'],
    });
    expect(exitCodeFor(await vault.catch((e: unknown) => e))).toBe(3);
    // The account's grant is fine: it is not marked, and its own token is served.
    expect(core.getAccount('testop', ALICE)!.status).toBe('active');
    expect((await core.getAccessToken('testop', ALICE)).accessToken).toBe(stored().accessToken);
    await expectGrantAlive();
  });

  it('narrowed and ordinary refreshes of one account at once, in one process: each refresh token is sent once', async () => {
    ageToken(coreInternals(core).tokens, 'testop', ALICE, 30); // the account's own token is due too
    const many = <T>(n: number, fn: () => Promise<T>) => Array.from({ length: n }, fn);
    const results = await Promise.allSettled([
      ...many(20, () => core.getAccessToken('testop', ALICE, { scopes: ['api:read'] })),
      ...many(20, () => core.getAccessToken('testop', ALICE, { scopes: ['openid', 'api:write'] })),
      ...many(20, () => core.getAccessToken('testop', ALICE)),
      core.refreshAccount('testop', ALICE),
      core.getAccessToken('testop', ALICE, { scopes: ['email'] }),
    ]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const values = results.map((r) => (r as PromiseFulfilledResult<{ accessToken?: string }>).value);
    expect(new Set(values.slice(0, 20).map((v) => v.accessToken)).size).toBe(1);
    expect(new Set(values.slice(20, 40).map((v) => v.accessToken)).size).toBe(1);
    // Three narrowed mints and the refreshes of the account's own token, each with the refresh token of the one before.
    expect(op.count('refresh_token')).toBeGreaterThanOrEqual(4);
    expect(op.tokenRequests.every((r) => r.status === 200)).toBe(true);
    await expectGrantAlive();
  });

  it('narrowed and ordinary refreshes from two processes at once keep exactly one live grant', async () => {
    ageToken(coreInternals(core).tokens, 'testop', ALICE, 30);
    await core.close();
    const script = fileURLToPath(new URL('./narrow-worker.ts', import.meta.url));
    const children = Array.from({ length: 2 }, () =>
      spawn(process.execPath, ['--import', 'tsx', script], {
        cwd: fileURLToPath(new URL('../../../', import.meta.url)),
        env: { ...process.env, WORKER_HOME: home.dir, WORKER_KEY: key, WORKER_USER: ALICE, WORKER_CALLS: '10' },
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    const outputs = children.map((c) => {
      const out: string[] = [];
      let buf = '';
      const ready = new Promise<void>((resolve) =>
        c.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const lines = buf.split('\n');
          buf = lines.pop()!;
          for (const l of lines)
            if (l === 'ready') resolve();
            else if (l) out.push(l);
        }),
      );
      const exited = new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code)));
      return { out, ready, exited };
    });
    try {
      await Promise.all(outputs.map((o) => o.ready));
      for (const c of children) c.stdin!.end('go\n');
      expect(await Promise.all(outputs.map((o) => o.exited))).toEqual([0, 0]);
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    }
    const results = outputs.map((o) => JSON.parse(o.out[0]!) as { ok: boolean; error?: string; read: string[]; readScopes: string[] });
    expect(results.map((r) => r.error ?? 'ok')).toEqual(['ok', 'ok']);
    for (const r of results) {
      expect(r.read).toHaveLength(1); // one narrowed mint per scope set per process
      expect(r.readScopes).toEqual(['api:read']);
    }
    // Two narrowed mints in each process and at least one ordinary refresh, all answered 200:
    // a refresh token sent twice would have been refused and the grant revoked.
    expect(op.count('refresh_token')).toBeGreaterThanOrEqual(5);
    expect(op.tokenRequests.map((r) => r.status).every((s) => s === 200)).toBe(true);
    core = await openCore();
    const own = stored();
    expect(hash(own.accessToken)).not.toBe(undefined);
    await expectGrantAlive();
  });
});
