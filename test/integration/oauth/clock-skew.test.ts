/**
 * Clock skew between this machine and the provider. Decision (providers.ts):
 *  - ID token timestamps are checked with a 300 s tolerance (openid-client's default is 30 s);
 *    the ID token comes straight from the token endpoint over TLS, and desktop clocks drift.
 *  - Access-token expiry never uses the provider's clock: it is local receipt time + expires_in,
 *    and the refresher stops serving a token 30 s before that (expiryMarginMs).
 * The provider runs in its own process with its clock shifted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { browseAuthorization } from '../../helpers/oidc-provider.js';
import { openVault, testRegistry, type Vault } from '../../helpers/oidc-fixtures.js';
import { connectAccount } from '../../../src/main/core/oauth/connect-flow.js';
import { TokenRefresher } from '../../../src/main/core/oauth/token-refresher.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../../helpers/oidc-provider-process.ts', import.meta.url));

let vault: Vault;
const children: ChildProcess[] = [];

beforeEach(() => {
  vault = openVault();
});
afterEach(async () => {
  vault.cleanup();
  await Promise.all(
    children.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.stdin!.end();
        }),
    ),
  );
});

async function skewedProvider(offsetMs: number, idTokenTtl: number): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: ROOT,
    env: { ...process.env, OIDC_CLOCK_OFFSET_MS: String(offsetMs), OIDC_ID_TOKEN_TTL: String(idTokenTtl), OIDC_ACCESS_TOKEN_TTL: '1800' },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  children.push(child);
  return new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { issuer: string }).issuer);
    });
    child.once('exit', (code) => reject(new Error(`provider process exited (${code})`)));
  });
}

function connect(issuer: string, login: string, clockToleranceSec?: number) {
  return connectAccount(
    { tokens: vault.tokens, providers: testRegistry(issuer, clockToleranceSec === undefined ? {} : { clockToleranceSec }) },
    'testop',
    {
      openUrl: async (url) => void (await browseAuthorization(url, { login })),
      timeoutMs: 20_000,
    },
  );
}

describe('clock skew', () => {
  it('a provider 4 minutes behind: its short-lived ID token is accepted; expiry is local time + expires_in', async () => {
    // ID token lifetime 60 s on a clock 240 s behind: "expired" 3 minutes ago by our clock.
    const issuer = await skewedProvider(-240_000, 60);
    const before = Date.now();
    const meta = await connect(issuer, 'skew-behind');
    expect(meta.userId).toBe('skew-behind@example.test');
    const expiresAt = meta.expiresAt!.getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 1_800_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 1_800_000);
  });

  it("with openid-client's default 30 s tolerance the same login fails (why the tolerance is wider)", async () => {
    const issuer = await skewedProvider(-240_000, 60);
    const err = await connect(issuer, 'strict', 30).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'OAuthError', phase: 'token' });
    expect(err).toMatchObject({ code: 'invalid_id_token' });
    expect(vault.tokens.count()).toBe(0);
  });

  it('a refresh answer rejected after the provider rotated the refresh token keeps the new grant', async () => {
    // Connect with the default tolerance; refresh with a strict one, so the refreshed ID token
    // (60 s on a clock 240 s behind) is rejected after the provider already rotated the grant.
    const issuer = await skewedProvider(-240_000, 60);
    const meta = await connect(issuer, 'rotated-then-rejected');
    const before = vault.tokens.getToken('testop', meta.userId)!;
    const strict = new TokenRefresher({ tokens: vault.tokens, providers: testRegistry(issuer, { clockToleranceSec: 30 }) });
    const err = await strict.refreshNow('testop', meta.userId).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_id_token' });
    const after = vault.tokens.getToken('testop', meta.userId)!;
    expect(after.refreshToken).not.toBe(before.refreshToken); // the rotated refresh token was stored
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.idToken).toBe(before.idToken); // the rejected ID token was not
    expect(vault.tokens.getMetadata('testop', meta.userId)).toMatchObject({ status: 'refresh_failing' });
    // The grant is alive: had the old (rotated) refresh token been kept, this reuse would revoke it.
    const lenient = new TokenRefresher({ tokens: vault.tokens, providers: testRegistry(issuer) });
    await expect(lenient.refreshNow('testop', meta.userId)).resolves.toMatchObject({ status: 'active' });
  });

  it('a provider 4 minutes ahead is accepted too', async () => {
    const issuer = await skewedProvider(240_000, 3600);
    const meta = await connect(issuer, 'skew-ahead');
    expect(meta.status).toBe('active');
  });
});
