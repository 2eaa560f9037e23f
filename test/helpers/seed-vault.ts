/**
 * A vault on disk with people signed in at the loopback OpenID Provider, made the way a person
 * does it (a custom provider `testop`, each login through the provider's page), then closed so a
 * CLI or agent process can open it. Tests of the hand-off itself (not of consent, which has its
 * own tests) let any program of the user have tokens: `handToAnyProgram`.
 */
import { join } from 'node:path';
import { createCredentialCore, type CredentialCore } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { TokenStore, type StoredToken } from '../../src/main/core/vault/token-store.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, type TestProvider } from './oidc-provider.js';

export interface SeedOptions {
  /** The scopes `testop` asks for (default: openid, email, offline_access). */
  scopes?: string[];
  /** Who signs in at `testop`, by login (alice → alice@example.test). */
  logins: string[];
  /** handoff.consent = same-user instead of a new vault's `ask`. */
  handToAnyProgram?: boolean;
  /** Anything else the test's vault needs before it is closed. */
  more?: (core: CredentialCore) => void | Promise<void>;
}

export async function seedVault(home: string, key: string, op: TestProvider, o: SeedOptions): Promise<void> {
  const core = await createCredentialCore({ home, encryptionKey: key, env: {} });
  try {
    if (o.handToAnyProgram) core.consent.setMode('same-user', 'cli');
    // The tests count token requests: nothing refreshes in the background.
    core.updateSettings({ backgroundRefreshPaused: true });
    await core.createCustomProvider({
      id: 'testop',
      issuer: op.issuer,
      clientId: PUBLIC_CLIENT_ID,
      scopes: o.scopes ?? ['openid', 'email', 'offline_access'],
    });
    for (const login of o.logins) await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login }) });
    await o.more?.(core);
  } finally {
    await core.close();
  }
}

/** The token stored for the account now, read with the vault's key (throws when there is none). */
export function storedToken(home: string, key: string, user: string, provider = 'testop'): StoredToken {
  const tokens = new TokenStore({ dbPath: join(home, 'tokens.db'), encryption: new EncryptionManager(key) });
  try {
    const t = tokens.getToken(provider, user);
    if (!t) throw new Error(`no token stored for ${provider}:${user}`);
    return t;
  } finally {
    tokens.close();
  }
}
