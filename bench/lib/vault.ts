/** Opens the pieces of the vault the benchmark drives (no Electron, no keychain unless asked). */
import { join } from 'node:path';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { TokenStore } from '../../src/main/core/vault/token-store.js';
import { BENCH_PROVIDER } from './populate.js';
import { ProviderRegistry } from '../../src/main/core/oauth/providers/registry.js';
import { TokenRefresher } from '../../src/main/core/oauth/token-refresher.js';

export function openTokens(home: string, keys: string | string[]): TokenStore {
  return new TokenStore({ dbPath: join(home, 'tokens.db'), encryption: new EncryptionManager(keys) });
}

/** A registry with the bench provider pointing at a local token endpoint (plain OAuth 2.0 endpoints). */
export function benchProviders(base: string): ProviderRegistry {
  const registry = new ProviderRegistry({ env: {} });
  registry.register({
    id: BENCH_PROVIDER,
    endpoints: { authorization: `${base}/authorize`, token: `${base}/token` },
    clientId: 'bench-client',
    scopes: ['openid'],
  });
  return registry;
}

export function benchRefresher(tokens: TokenStore, base: string): TokenRefresher {
  return new TokenRefresher({ tokens, providers: benchProviders(base) });
}
