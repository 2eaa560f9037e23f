/**
 * Signing in on another device (RFC 8628) against a real OpenID Provider on loopback
 * (oidc-provider with its device flow on): the person's side is driven over HTTP like a browser
 * (verification page, user code, login, consent, or Abort). The account is stored as the
 * loopback flow stores it; denial, expiry, slow_down, cancellation and a provider without a
 * device endpoint end in typed errors.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  browseAuthorization,
  browseDeviceVerification,
  DEVICE_GRANT,
  PUBLIC_CLIENT_ID,
  startTestProvider,
  type TestProvider,
} from '../../helpers/oidc-provider.js';
import { openVault, TEST_SCOPES, testRegistry, type Vault } from '../../helpers/oidc-fixtures.js';
import type { DeviceUserCode } from '../../../src/main/core/contracts/accounts.js';
import { exitCodeFor } from '../../../src/main/core/exit-codes.js';
import { connectAccount } from '../../../src/main/core/oauth/connect-flow.js';
import { connectAccountWithDevice } from '../../../src/main/core/oauth/device-flow.js';
import { ProviderRegistry } from '../../../src/main/core/oauth/providers/registry.js';
import type { ProviderHooks } from '../../../src/main/core/oauth/providers/definition.js';
import { google } from '../../../src/main/core/oauth/providers/google.js';
import { TokenRefresher } from '../../../src/main/core/oauth/token-refresher.js';

let op: TestProvider; // device flow on, interval 1 s
let plain: TestProvider; // no device flow
let vault: Vault;

beforeAll(async () => {
  op = await startTestProvider({ deviceFlow: { interval: 1 } });
  plain = await startTestProvider();
});
afterAll(async () => {
  await op.close();
  await plain.close();
});
beforeEach(() => {
  vault = openVault();
  op.resetCounts();
});
afterEach(() => vault.cleanup());

function deps(providers = testRegistry(op.issuer)) {
  return { tokens: vault.tokens, providers, log: vault.log, events: vault.events };
}

/** Starts the device sign-in; `approve` is what the person does once the code is shown. */
async function deviceConnect(
  act: (info: DeviceUserCode) => Promise<unknown>,
  options: { providers?: ProviderRegistry; signal?: AbortSignal; timeoutMs?: number; reconnect?: { userId: string } } = {},
) {
  let shown: DeviceUserCode | undefined;
  let acted: Promise<unknown> = Promise.resolve();
  const meta = await connectAccountWithDevice(deps(options.providers), 'testop', {
    onUserCode: (info) => {
      shown = info;
      acted = act(info);
    },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.reconnect ? { reconnect: options.reconnect } : {}),
  }).finally(() => acted.catch(() => undefined));
  await acted;
  return { meta, shown: shown! };
}

describe('connectAccountWithDevice', () => {
  it('shows the code, polls until the person approved on the other device, and stores the account like the loopback flow', async () => {
    const before = Date.now();
    const { meta, shown } = await deviceConnect((info) =>
      browseDeviceVerification(info.verificationUri, { userCode: info.userCode, login: 'alice' }),
    );
    // What the caller got to show: plain data, no device code or token.
    expect(Object.keys(shown).sort()).toEqual(['expiresAt', 'interval', 'userCode', 'verificationUri', 'verificationUriComplete']);
    expect(shown.verificationUri).toBe(`${op.issuer}/device`);
    expect(shown.verificationUriComplete).toBe(`${op.issuer}/device?user_code=${encodeURIComponent(shown.userCode)}`);
    expect(shown.interval).toBe(1);
    expect(shown.expiresAt).toBeGreaterThan(before + 500_000);
    expect(shown.expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);

    expect(meta).toMatchObject({
      provider: 'testop',
      userId: 'alice@example.test',
      displayName: 'Test alice',
      hasRefreshToken: true,
      status: 'active',
    });
    // Bound to the issuer it signed in at, like every connected account.
    expect(meta.issuer).toBe(op.issuer);
    expect(op.count(DEVICE_GRANT)).toBeGreaterThanOrEqual(1);
    expect(op.count('authorization_code')).toBe(0);
    const stored = vault.tokens.getToken('testop', 'alice@example.test')!;
    expect(stored.idToken).toBeTruthy();
    expect(vault.log.of('connect')).toEqual([
      expect.objectContaining({
        kind: 'oauth',
        provider: 'testop',
        userId: 'alice@example.test',
        success: true,
        details: expect.objectContaining({ source: 'device', hasRefreshToken: true }),
      }),
    ]);
    expect(vault.emitted.filter((e) => e.name === 'accounts-changed')).toHaveLength(1);

    // The refresh token it stored works (it is the provider's, bound to the same client).
    const refresher = new TokenRefresher({
      tokens: vault.tokens,
      providers: testRegistry(op.issuer),
      log: vault.log,
      events: vault.events,
    });
    await refresher.refreshNow('testop', 'alice@example.test');
    expect(vault.tokens.getToken('testop', 'alice@example.test')!.refreshToken).not.toBe(stored.refreshToken);
    await refresher.close();
  });

  it('works with the complete verification URI (the code filled in)', async () => {
    const { meta } = await deviceConnect((info) => browseDeviceVerification(info.verificationUriComplete!, { login: 'bob' }));
    expect(meta.userId).toBe('bob@example.test');
  });

  it('a person who presses Abort ends it with access_denied (exit 3), storing nothing', async () => {
    let page: { body: string } | undefined;
    const err = await deviceConnect(async (info) => {
      page = await browseDeviceVerification(info.verificationUri, { userCode: info.userCode, login: 'alice', deny: true });
    }).catch((e: unknown) => e);
    expect(page!.body).toMatch(/interrupted/);
    expect(err).toMatchObject({ code: 'access_denied' });
    expect(exitCodeFor(err)).toBe(3);
    expect(vault.tokens.listTokens()).toEqual([]);
    // Logged as the browser flow logs a refusal: an OAuth event that failed (level warn), with where it happened.
    expect(vault.log.of('connect')).toEqual([
      {
        kind: 'oauth',
        type: 'connect',
        provider: 'testop',
        userId: '',
        success: false,
        details: expect.objectContaining({ source: 'device', error: 'access_denied' }),
      },
    ]);
    expect(vault.emitted).toEqual([]);
  });

  it('a code nobody enters expires: expired_token (exit 3)', async () => {
    const short = await startTestProvider({ deviceFlow: { interval: 1, codeTtl: 3 } });
    try {
      let shown: DeviceUserCode | undefined;
      const err = await connectAccountWithDevice(deps(testRegistry(short.issuer)), 'testop', { onUserCode: (i) => void (shown = i) }).catch(
        (e: unknown) => e,
      );
      expect(shown!.expiresAt - Date.now()).toBeLessThanOrEqual(0);
      expect(err).toMatchObject({ code: 'expired_token' });
      expect(exitCodeFor(err)).toBe(3);
      expect(short.count(DEVICE_GRANT)).toBeGreaterThanOrEqual(1); // it did poll meanwhile
      expect(vault.tokens.listTokens()).toEqual([]);
    } finally {
      await short.close();
    }
  });

  it('honours slow_down: polls 5 s slower after the provider says it polls too fast', async () => {
    // The provider asks for 1 s but answers slow_down to polls less than 3 s apart; a client that
    // kept its 1 s interval would get slow_down on every poll until the code expired.
    const strict = await startTestProvider({ deviceFlow: { interval: 1, minPollSeconds: 3 } });
    try {
      let approved: Promise<unknown> = Promise.resolve();
      const meta = await connectAccountWithDevice(deps(testRegistry(strict.issuer)), 'testop', {
        onUserCode: (info) => {
          approved = browseDeviceVerification(info.verificationUri, { userCode: info.userCode, login: 'carol' });
        },
        timeoutMs: 45_000,
      });
      await approved;
      expect(meta.userId).toBe('carol@example.test');
      const polls = strict.tokenRequests.filter((r) => r.grantType === DEVICE_GRANT);
      expect(polls.filter((r) => r.error === 'slow_down')).toHaveLength(1);
      expect(polls.at(-1)).toMatchObject({ status: 200 });
    } finally {
      await strict.close();
    }
  });

  it('polls no faster than once a second whatever the provider says, and every 5 s when it says nothing', async () => {
    const hasty = await startTestProvider({ deviceFlow: { interval: 0.001 } });
    const silent = await startTestProvider({ deviceFlow: {} });
    try {
      // Nobody approves: the client polls for a bounded window, counted at the server.
      const watch = async (p: TestProvider, windowMs: number) => {
        const controller = new AbortController();
        let shown: DeviceUserCode | undefined;
        let started = 0;
        const err = await connectAccountWithDevice(deps(testRegistry(p.issuer)), 'testop', {
          onUserCode: (info) => {
            shown = info;
            started = performance.now();
            setTimeout(() => controller.abort(), windowMs);
          },
          signal: controller.signal,
        }).catch((e: unknown) => e);
        expect(err).toMatchObject({ name: 'OAuthError', code: 'cancelled' });
        return { shown: shown!, polls: p.count(DEVICE_GRANT), elapsedMs: performance.now() - started };
      };
      const fast = await watch(hasty, 2_500);
      expect(fast.shown.interval).toBe(1);
      // At most one poll per whole second of the window (however long the machine made it); 0.001 s would be thousands.
      expect(fast.polls).toBeGreaterThanOrEqual(1);
      expect(fast.polls).toBeLessThanOrEqual(Math.floor(fast.elapsedMs / 1000));
      const none = await watch(silent, 1_500);
      expect(none.shown.interval).toBe(5);
      expect(none.polls).toBeLessThanOrEqual(Math.floor(none.elapsedMs / 5000));
    } finally {
      await hasty.close();
      await silent.close();
    }
  });

  it('stops polling at once when cancelled', async () => {
    const controller = new AbortController();
    const err = await connectAccountWithDevice(deps(), 'testop', {
      onUserCode: () => setTimeout(() => controller.abort(), 50),
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'OAuthError', code: 'cancelled', category: 'usage' });
    // The person's own cancel is information, as in the browser flow.
    expect(vault.log.of('connect').at(-1)).toMatchObject({ kind: 'oauth', success: false, level: 'info', details: { error: 'cancelled' } });
    const polls = op.count(DEVICE_GRANT);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(op.count(DEVICE_GRANT)).toBe(polls);
  });

  it('gives up after timeoutMs with a timeout (the code still valid)', async () => {
    const err = await connectAccountWithDevice(deps(), 'testop', { onUserCode: () => undefined, timeoutMs: 1_500 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'OAuthError', code: 'timeout', category: 'transient' });
  });

  it('a provider whose metadata has no device endpoint: device_flow_unsupported (exit 78), nothing shown', async () => {
    let called = false;
    const err = await connectAccountWithDevice(deps(testRegistry(plain.issuer)), 'testop', {
      onUserCode: () => void (called = true),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'OAuthError', category: 'configuration', code: 'device_flow_unsupported' });
    expect(exitCodeFor(err)).toBe(78);
    expect(called).toBe(false);
  });

  it('a reconnect as another identity is refused with account_mismatch, storing nothing', async () => {
    const { meta } = await deviceConnect((info) =>
      browseDeviceVerification(info.verificationUri, { userCode: info.userCode, login: 'alice' }),
    );
    const before = vault.tokens.getToken('testop', meta.userId)!;
    const err = await deviceConnect(
      (info) => browseDeviceVerification(info.verificationUri, { userCode: info.userCode, login: 'mallory' }),
      {
        reconnect: { userId: meta.userId },
      },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'account_mismatch' });
    expect(vault.tokens.listTokens().map((t) => t.userId)).toEqual([meta.userId]);
    expect(vault.tokens.getToken('testop', meta.userId)!.refreshToken).toBe(before.refreshToken);
  });

  it('an account signed in with the browser and then on a device is one account (same identity rules)', async () => {
    await connectAccount(deps(), 'testop', {
      openUrl: async (url) => void (await browseAuthorization(url, { login: 'dave' })),
      timeoutMs: 20_000,
    });
    await deviceConnect((info) => browseDeviceVerification(info.verificationUri, { userCode: info.userCode, login: 'dave' }));
    expect(vault.tokens.listTokens().map((t) => t.userId)).toEqual(['dave@example.test']);
  });
});

/**
 * A server in front of the test provider: it serves the provider's discovery document with the
 * device and token endpoints pointed at itself and forwards every request to the provider,
 * unless `override` answers it first (a provider that misbehaves in one place).
 */
async function startFront(override: (path: string, body: string, res: ServerResponse) => boolean, hooks: ProviderHooks = {}) {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      void (async () => {
        if (path === '/.well-known/openid-configuration') {
          const doc = (await (await fetch(`${op.issuer}${path}`)).json()) as Record<string, unknown>;
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ ...doc, device_authorization_endpoint: `${front}/device/auth`, token_endpoint: `${front}/token` }));
          return;
        }
        if (override(path, body, res)) return;
        const r = await fetch(`${op.issuer}${req.url}`, {
          method: req.method,
          headers: { 'content-type': req.headers['content-type'] ?? 'text/plain' },
          ...(req.method === 'POST' ? { body } : {}),
        });
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(await r.text());
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const front = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The document names the test provider as its issuer (its ID tokens do): discovery of that
  // issuer is fetched from the front server instead.
  const providers = new ProviderRegistry({
    env: {},
    fetch: (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      return fetch(url === `${op.issuer}/.well-known/openid-configuration` ? `${front}/.well-known/openid-configuration` : url, init);
    },
  });
  providers.register({ id: 'testop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: TEST_SCOPES, ...hooks });
  return { providers, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('providers that answer differently', () => {
  it('Google names the verification URI `verification_url`: its answer adapter reads it as verification_uri', async () => {
    const renaming = (path: string, body: string, res: ServerResponse) => {
      if (path !== '/device/auth') return false;
      void fetch(`${op.issuer}/device/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }).then(async (r) => {
        const { verification_uri: uri, verification_uri_complete: _complete, ...rest } = (await r.json()) as Record<string, unknown>;
        res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify({ ...rest, verification_url: uri }));
      });
      return true;
    };
    // Without Google's adapter (a provider that is not Google) the answer is refused: the rename is Google's alone.
    const plain = await startFront(renaming);
    try {
      let shown = false;
      await expect(connectAccountWithDevice(deps(plain.providers), 'testop', { onUserCode: () => void (shown = true) })).rejects.toThrow();
      expect(shown).toBe(false);
    } finally {
      await plain.close();
    }
    const front = await startFront(renaming, { adaptAnswer: google.adaptAnswer! });
    try {
      const { meta, shown } = await deviceConnect(
        (info) => browseDeviceVerification(info.verificationUri, { userCode: info.userCode, login: 'erin' }),
        {
          providers: front.providers,
        },
      );
      expect(shown.verificationUri).toBe(`${op.issuer}/device`);
      expect(shown.verificationUriComplete).toBeUndefined();
      expect(meta.userId).toBe('erin@example.test');
    } finally {
      await front.close();
    }
  });

  it('a device endpoint or a token endpoint answering 5xx: retryable, exit 75, nothing stored', async () => {
    for (const failing of ['/device/auth', '/token']) {
      const front = await startFront((path, _body, res) => {
        if (path !== failing) return false;
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'temporarily_unavailable' }));
        return true;
      });
      try {
        let shown = false;
        const err = await connectAccountWithDevice(deps(front.providers), 'testop', { onUserCode: () => void (shown = true) }).catch(
          (e: unknown) => e,
        );
        expect(err, failing).toMatchObject({ code: 'temporarily_unavailable', retryable: true });
        expect(exitCodeFor(err)).toBe(75);
        expect(shown).toBe(failing === '/token'); // the code was shown before the poll failed
        expect(vault.tokens.listTokens()).toEqual([]);
      } finally {
        await front.close();
      }
    }
  });

  it('a verification URI that is not https (nor loopback http) is not shown: invalid_device_response', async () => {
    const front = await startFront((path, body, res) => {
      if (path !== '/device/auth') return false;
      void fetch(`${op.issuer}/device/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }).then(async (r) => {
        const answer = (await r.json()) as Record<string, unknown>;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ...answer, verification_uri: 'http://phish.example/device' }));
      });
      return true;
    });
    try {
      let shown = false;
      const err = await connectAccountWithDevice(deps(front.providers), 'testop', { onUserCode: () => void (shown = true) }).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ name: 'OAuthError', category: 'configuration', code: 'invalid_device_response' });
      expect(shown).toBe(false);
    } finally {
      await front.close();
    }
  });
});
