/**
 * Shared wiring for OAuth tests: a real vault (SQLite file in a temp home),
 * a recorder for security-log calls and core events, and a provider registry
 * pointed at the loopback test provider.
 */
import { join } from 'node:path';
import { CoreEvents } from '../../src/main/core/events.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { TokenStore } from '../../src/main/core/vault/token-store.js';
import { makeTmpHome } from './tmp.js';
import { PUBLIC_CLIENT_ID } from './oidc-provider.js';
import type { LogDetails, SecurityEventSink } from '../../src/main/core/contracts/security-log.js';
import { ProviderRegistry } from '../../src/main/core/oauth/providers/registry.js';

export interface LogRecord {
  kind: 'oauth' | 'token' | 'error' | 'event';
  type: string;
  provider?: string;
  userId?: string;
  success?: boolean;
  details?: LogDetails;
  /** The level the caller asked for (oauth events: none means info on success, warn on failure). */
  level?: 'info' | 'warn' | 'error';
}

export class RecordingSink implements SecurityEventSink {
  readonly records: LogRecord[] = [];
  logOAuthEvent(
    type: string,
    provider: string,
    userId: string,
    success: boolean,
    details?: LogDetails,
    level?: 'info' | 'warn' | 'error',
  ): void {
    this.records.push({ kind: 'oauth', type, provider, userId, success, details, ...(level ? { level } : {}) });
  }
  logTokenEvent(type: string, provider: string, userId: string): void {
    this.records.push({ kind: 'token', type, provider, userId });
  }
  logSecurityError(type: string, details: LogDetails): void {
    this.records.push({ kind: 'error', type, details });
  }
  logSecurityEvent(type: string, details: LogDetails): void {
    this.records.push({ kind: 'event', type, details });
  }
  of(type: string): LogRecord[] {
    return this.records.filter((r) => r.type === type);
  }
}

export function recordEvents(events: CoreEvents): Array<{ name: string; payload: unknown }> {
  const out: Array<{ name: string; payload: unknown }> = [];
  for (const name of ['accounts-changed', 'token-refreshed', 'needs-reauth', 'refresh-failed', 'refresh-state'] as const) {
    events.on(name, (...args: unknown[]) => out.push({ name, payload: args[0] }));
  }
  return out;
}

export interface Vault {
  dir: string;
  dbPath: string;
  key: string;
  tokens: TokenStore;
  log: RecordingSink;
  events: CoreEvents;
  emitted: Array<{ name: string; payload: unknown }>;
  cleanup(): void;
}

/** `now`: the store's clock (default Date.now), e.g. a ManualClock's. */
export function openVault(options: { now?: () => number } = {}): Vault {
  const home = makeTmpHome('osmen-oauth-');
  const key = EncryptionManager.generateKey();
  const dbPath = join(home.dir, 'tokens.db');
  const tokens = new TokenStore({ dbPath, encryption: new EncryptionManager(key), now: options.now });
  const events = new CoreEvents();
  const emitted = recordEvents(events);
  return {
    dir: home.dir,
    dbPath,
    key,
    tokens,
    log: new RecordingSink(),
    events,
    emitted,
    cleanup() {
      tokens.close();
      home.cleanup();
    },
  };
}

export const TEST_SCOPES = ['openid', 'email', 'profile', 'offline_access'];

/** A registry with the loopback test provider registered as `testop` (public client + PKCE). */
export function testRegistry(issuer: string, extra: Partial<Parameters<ProviderRegistry['register']>[0]> = {}): ProviderRegistry {
  const providers = new ProviderRegistry({ env: {} });
  providers.register({
    id: 'testop',
    displayName: 'Test OP',
    issuer,
    clientId: PUBLIC_CLIENT_ID,
    scopes: TEST_SCOPES,
    // oidc-provider (like Google) only grants offline_access with prompt=consent.
    extraAuthParams: { prompt: 'consent' },
    ...extra,
  });
  return providers;
}

/** Makes a stored token expire in `seconds` without touching the provider (keeps all tokens). */
export function ageToken(tokens: TokenStore, provider: string, userId: string, seconds: number): void {
  const t = tokens.getToken(provider, userId);
  if (!t) throw new Error('no token to age');
  tokens.saveToken(provider, userId, {
    access_token: t.accessToken,
    refresh_token: t.refreshToken ?? null,
    id_token: t.idToken ?? null,
    expires_in: seconds,
    scopes: t.scopes,
    token_type: t.tokenType,
  });
}
