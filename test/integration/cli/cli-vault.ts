/**
 * A vault of its own for each `osmen-cred` test: a temp OSMEN_HOME with a key generated here,
 * the loopback providers registered the way a person does (`testop`: 1-hour tokens, `shortop`:
 * 60-second tokens, `flaky`: a token endpoint that answers 503), and the accounts the test asks
 * for. The OpenID Providers are shared by a file (started once); vaults and accounts are not.
 *
 * Every CLI run through a vault is recorded, with every secret the vault ever held (its keys,
 * and each token, read again after every run): finishVaults() checks that no run printed one,
 * except the access token `token` was asked for.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createCredentialCore, coreInternals } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { KEYCHAIN_SERVICE } from '../../../src/main/core/vault/key-custody.js';
import { TokenStore } from '../../../src/main/core/vault/token-store.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { runCli, startUnavailableIssuer, type CliRun } from './run-cli.js';

export const SCOPES = ['openid', 'email', 'profile', 'offline_access'];
export const ALICE = 'alice@example.test';
export const BOB = 'bob@example.test';
export const CAROL = 'carol@example.test';
export const ERROR_LINE = /^osmen-cred: error \[[A-Za-z][A-Za-z0-9_.-]*\]: [^\n]+\n$/;

export interface CliProviders {
  op: TestProvider; // access tokens live 1 h
  shortOp: TestProvider; // access tokens live 60 s: always inside the 5 min refresh window
  down: Awaited<ReturnType<typeof startUnavailableIssuer>>;
  close(): Promise<void>;
}

export async function startCliProviders(): Promise<CliProviders> {
  const [op, shortOp, down] = await Promise.all([startTestProvider(), startTestProvider({ accessTokenTtl: 60 }), startUnavailableIssuer()]);
  return {
    op,
    shortOp,
    down,
    async close() {
      await Promise.all([op.close(), shortOp.close(), down.close()]);
    },
  };
}

/**
 * The accounts a test starts with:
 * - alice: signed in at `testop` through the provider's login page;
 * - bob: `connected` at `shortop` the same way, or `needs-reauth` (stored, marked so after
 *   invalid_grant), or `dead-grant` (stored, expired, with a refresh token the provider does
 *   not know: the next refresh learns the grant is gone);
 * - carol: an expired token at `flaky`, whose token endpoint is down (503).
 */
export interface AccountSetup {
  alice?: boolean;
  bob?: 'connected' | 'needs-reauth' | 'dead-grant';
  carol?: boolean;
}

export interface KnownSecrets {
  access: Set<string>;
  other: Set<string>;
}

export interface CliVault {
  home: ReturnType<typeof makeTmpHome>;
  /** The vault's key now (rotateTo changes it). */
  key: string;
  /** Every secret this vault ever held: its access tokens, and the rest (refresh and ID tokens, keys). */
  secrets: KnownSecrets;
  runs: CliRun[];
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Runs the CLI on this vault (recorded; the vault's tokens are read again afterwards). */
  cli(args: string[], extra?: NodeJS.ProcessEnv): Promise<CliRun>;
  withStore<T>(fn: (tokens: TokenStore) => T): T;
  /** The account's stored token (every stored token is remembered as a secret). */
  stored(provider: string, user: string): ReturnType<TokenStore['getToken']>;
  /** The vault is now under `next` (after a rotation the test made). */
  rotateTo(next: string): void;
}

const open: CliVault[] = [];

export async function cliVault(p: CliProviders, accounts: AccountSetup = {}): Promise<CliVault> {
  const home = makeTmpHome('osmen-cli-');
  const service = `${KEYCHAIN_SERVICE} (cli test ${randomUUID()})`;
  const v: CliVault = {
    home,
    key: EncryptionManager.generateKey(),
    secrets: { access: new Set(), other: new Set() },
    runs: [],
    env: (extra = {}) => ({
      PATH: process.env.PATH,
      HOME: home.dir,
      OSMEN_HOME: home.dir,
      OAUTH_ENCRYPTION_KEY: v.key,
      // Never the real keychain entry, even where a Secret Service runs.
      OSMEN_KEYCHAIN_SERVICE: service,
      ...extra,
    }),
    async cli(args, extra = {}) {
      for (const name of ['OAUTH_ENCRYPTION_KEY', 'OSMEN_NEW_ENCRYPTION_KEY']) {
        const given = extra[name];
        if (given) v.secrets.other.add(given);
      }
      const run = await runCli(args, v.env(extra));
      v.runs.push(run);
      remember(v, { quiet: true });
      return run;
    },
    withStore(fn) {
      const tokens = new TokenStore({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(v.key) });
      try {
        return fn(tokens);
      } finally {
        tokens.close();
      }
    },
    stored(provider, user) {
      remember(v);
      return v.withStore((tokens) => tokens.getToken(provider, user));
    },
    rotateTo(next) {
      v.secrets.other.add(next);
      v.key = next;
    },
  };
  v.secrets.other.add(v.key);
  open.push(v);
  const core = await createCredentialCore({ home: home.dir, encryptionKey: v.key, env: {} });
  // These tests are about the hand-off itself, not consent (test/integration/consent): any program of the user gets tokens.
  core.consent.setMode('same-user', 'cli');
  try {
    await core.createCustomProvider({ id: 'testop', issuer: p.op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
    if (accounts.bob)
      await core.createCustomProvider({ id: 'shortop', issuer: p.shortOp.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
    if (accounts.carol)
      await core.createCustomProvider({ id: 'flaky', issuer: p.down.issuer, clientId: 'flaky-client', scopes: ['openid'] });
    const tokens = coreInternals(core).tokens;
    if (accounts.alice) await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'alice' }) });
    if (accounts.bob === 'connected') {
      await core.connectAccount('shortop', { openUrl: (url) => void browseAuthorization(url, { login: 'bob' }) });
    } else if (accounts.bob) {
      tokens.saveToken(
        'shortop',
        BOB,
        { access_token: `bob-at-${randomUUID()}`, refresh_token: `bob-rt-${randomUUID()}`, expires_in: 0 },
        { displayName: 'Bob' },
      );
      if (accounts.bob === 'needs-reauth') tokens.setStatus('shortop', BOB, { status: 'needs_reauth', detail: 'invalid_grant' });
    }
    // An expired token at a provider that is down: the CLI must try to refresh and fail transiently.
    if (accounts.carol)
      tokens.saveToken('flaky', CAROL, {
        access_token: `flaky-at-${randomUUID()}`,
        refresh_token: `flaky-rt-${randomUUID()}`,
        expires_in: 0,
      });
  } finally {
    await core.close();
  }
  remember(v);
  return v;
}

/** Adds every token stored now to the vault's secrets. `quiet`: a vault this key can't open (mid-rotation) is skipped. */
function remember(v: CliVault, o: { quiet?: boolean } = {}): void {
  try {
    v.withStore((tokens) => {
      for (const a of tokens.listTokens()) {
        const t = tokens.getToken(a.provider, a.userId)!;
        v.secrets.access.add(t.accessToken);
        for (const s of [t.refreshToken, t.idToken]) if (s) v.secrets.other.add(s);
      }
    });
  } catch (err) {
    if (!o.quiet) throw err;
  }
}

/**
 * What a run printed that it must not have: any known secret, except that a successful
 * `token` prints one access token (one line) on stdout. Returns the problems found.
 */
export function printedSecrets(runs: CliRun[], secrets: KnownSecrets): string[] {
  const known = [...secrets.access, ...secrets.other].filter((s) => s.length >= 16);
  const problems: string[] = [];
  for (const run of runs) {
    const what = run.args.join(' ');
    const isToken = run.args[0] === 'token' && !run.args.includes('--help') && run.code === 0;
    const visible = isToken ? run.stderr : run.stdout + run.stderr;
    for (const s of known) if (visible.includes(s)) problems.push(`${what} printed a secret`);
    if (isToken) {
      const printed = run.stdout.slice(0, -1);
      if (!run.stdout.endsWith('\n') || printed.includes('\n')) problems.push(`${what} printed more than one line`);
      // The one token printed is an access token, never a refresh or ID token or a key.
      for (const s of known) if (s !== printed && printed.includes(s)) problems.push(`${what} printed a secret beside the token`);
      if (!secrets.access.has(printed)) problems.push(`${what} printed something that is not a stored access token`);
    }
  }
  return problems;
}

/** afterEach: no run of the test printed a secret; then the vaults are removed. */
export function finishVaults(): void {
  const vaults = open.splice(0);
  try {
    for (const v of vaults) {
      remember(v);
      expect(v.runs.length).toBeGreaterThan(0);
      expect(printedSecrets(v.runs, v.secrets)).toEqual([]);
    }
  } finally {
    for (const v of vaults) v.home.cleanup();
  }
}
