/**
 * The refresh lease after a crash or a stall: a killed refresher's lease is taken over at once
 * by the next process on the host (not after it expires), a caller with a still-valid token
 * is not made to wait on another process's lease, and a stall longer than the lease never
 * sends the same refresh token twice. Real processes (SIGKILL), real OpenID Provider with
 * refresh-token rotation and reuse detection.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { ManualClock } from '../../helpers/manual-clock.js';
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
afterEach(() => vault.cleanup());

async function connected(login: string, expiresInSec: number): Promise<string> {
  const meta = await connectAccount({ tokens: vault.tokens, providers: testRegistry(op.issuer) }, 'testop', {
    openUrl: async (url) => void (await browseAuthorization(url, { login })),
    timeoutMs: 20_000,
  });
  ageToken(vault.tokens, 'testop', meta.userId, expiresInSec);
  op.resetCounts();
  return meta.userId;
}

describe('refresh lease recovery', () => {
  it('a refresher killed with SIGKILL while holding the lease does not block the next caller until the lease expires', async () => {
    const user = await connected('killed', 0); // expired: the caller must refresh
    const script = fileURLToPath(new URL('../fixtures/lease-holder.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, vault.dbPath, vault.key, 'testop', user], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
      child.on('exit', (code) => reject(new Error(`lease holder exited early (${code})`)));
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    // The lease row is still there, unexpired.
    const leases = vault.tokens.database.prepare('SELECT holder, expires_at FROM refresh_leases').all() as Array<{
      holder: string;
      expires_at: number;
    }>;
    expect(leases).toEqual([{ holder: expect.stringMatching(/:killed-refresher$/), expires_at: expect.any(Number) }]);
    // A clock standing one millisecond before the lease's expiry: only noticing the dead holder lets this finish.
    const r = new TokenRefresher({ tokens: vault.tokens, providers: testRegistry(op.issuer), now: () => leases[0]!.expires_at - 1 });
    const token = await r.getValidAccessToken('testop', user);
    expect(op.count('refresh_token')).toBe(1);
    expect(token).toBe(vault.tokens.getToken('testop', user)!.accessToken);
    expect(vault.tokens.database.prepare('SELECT COUNT(*) AS n FROM refresh_leases').get()).toEqual({ n: 0 });
  });

  it('a caller whose stored token is still valid gets it at once while another process holds the lease', async () => {
    const user = await connected('patient', 120); // inside the refresh window, valid for two more minutes
    const before = vault.tokens.getToken('testop', user)!.accessToken;
    // A live process on another host (a shared folder) is refreshing: its lease runs for a minute.
    const clock = new ManualClock();
    vault.tokens.database
      .prepare('INSERT INTO refresh_leases (provider, user_id, holder, expires_at) VALUES (?, ?, ?, ?)')
      .run('testop', user, 'another-host:4242:busy', clock.now() + 60_000);
    const r = new TokenRefresher({ tokens: vault.tokens, providers: testRegistry(op.issuer), now: clock.now });
    await expect(r.getValidAccessToken('testop', user)).resolves.toBe(before);
    expect(op.count()).toBe(0);
  });

  it('a stall longer than the lease, during which another process refreshed, does not send the old refresh token again', async () => {
    const user = await connected('stalled', 30);
    const clock = new ManualClock();
    const now = clock.now;
    const other = new TokenRefresher({ tokens: vault.tokens, providers: testRegistry(op.issuer), holderId: 'other-host:1:other', now });
    let otherRan = false;
    const stallingFetch: typeof fetch = async (input, init) => {
      if (String(input).includes('/.well-known/openid-configuration') && !otherRan) {
        otherRan = true;
        // The process is suspended for longer than a lease; meanwhile another one refreshes.
        clock.advance(61_000);
        await other.refreshNow('testop', user);
      }
      return fetch(input, init);
    };
    const providers = new ProviderRegistry({ env: {}, fetch: stallingFetch });
    providers.register({
      id: 'testop',
      issuer: op.issuer,
      clientId: PUBLIC_CLIENT_ID,
      scopes: TEST_SCOPES,
      extraAuthParams: { prompt: 'consent' },
    });
    const me = new TokenRefresher({ tokens: vault.tokens, providers, leaseMs: 60_000, now });
    await me.getValidAccessToken('testop', user);
    expect(otherRan).toBe(true);
    expect(op.count('refresh_token')).toBe(1);
    // The grant is intact: the stored (rotated) refresh token still works.
    await new TokenRefresher({ tokens: vault.tokens, providers: testRegistry(op.issuer) }).refreshNow('testop', user);
    expect(op.tokenRequests.map((t) => t.status)).toEqual([200, 200]);
  });
});
