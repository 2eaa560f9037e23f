/**
 * The narrow slice of the credential core that the IPC handlers call. The
 * facade (src/main/core/credential-core.ts) satisfies it structurally; tests
 * can put a real TokenManager behind it. Keeping this small documents exactly
 * what the renderer can reach.
 */
import type {
  CoreSettings,
  DisconnectResult,
  HealthReport,
  LogDetails,
  ProviderSummary,
  RefreshSummary,
  SchedulerState,
  SecurityLogEntry,
} from '../core/contracts.js';
import type { CoreEvents } from '../core/events.js';
import type { BuiltinClientId, SecretChange } from '../core/builtin-clients.js';
import type { DeviceUserCode } from '../core/oauth/device-flow.js';
import type { DeviceSupport } from '../core/oauth/device-support.js';
import type { CustomProviderConfig, CustomProviderEdit, ProviderConfig } from '../core/provider-admin.js';
import type { FieldCheck, FieldCheckInput } from '../core/provider-field-check.js';
import type { TokenMetadata } from '../core/security/token-manager.js';
import type { LogVerifyWithProblem } from './dto.js';

export type KeySourceName = 'env' | 'keychain' | 'keychain-created' | 'explicit';

export interface CustomProviderSpec {
  id: string;
  displayName?: string;
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
}

export interface CoreApi {
  keySource: KeySourceName;
  events: CoreEvents;
  log: {
    logSecurityError(type: string, details: LogDetails): void;
    /** The keyed hash the log writes for a user id (the key never leaves main). */
    userHash(userId: string): string;
  };
  connectAccount(
    providerId: string,
    opts?: { tenant?: string; signal?: AbortSignal; timeoutMs?: number; reconnect?: { userId: string }; openUrl?: (url: string) => void | Promise<void> },
  ): Promise<TokenMetadata>;
  cancelConnect(): boolean;
  disconnectAccount(providerId: string, userId: string): Promise<DisconnectResult>;
  listAccounts(): TokenMetadata[];
  refreshAccount(providerId: string, userId: string): Promise<TokenMetadata>;
  refreshAll(): Promise<RefreshSummary>;
  listProviders(): ProviderSummary[];
  addCustomProvider(input: CustomProviderSpec): Promise<ProviderSummary>;
  healthReport(): Promise<HealthReport>;
  getSettings(): CoreSettings;
  updateSettings(patch: Partial<CoreSettings>): CoreSettings;
  schedulerState(): SchedulerState;
  readLog(limit: number): SecurityLogEntry[];
  verifyLog(): LogVerifyWithProblem;
  exportLog(destPath: string): Promise<{ path: string; entries: number }>;
  connectAccountWithDevice(
    providerId: string,
    opts: { onUserCode(info: DeviceUserCode): void; tenant?: string; reconnect?: { userId: string } },
  ): Promise<TokenMetadata>;
  deviceSignInSupport(providerId: string): Promise<DeviceSupport>;
  // Settings → Providers
  providerConfig(): ProviderConfig;
  checkProviderField(input: FieldCheckInput): FieldCheck;
  setBuiltinClient(id: BuiltinClientId, input: { clientId: string; clientSecret: SecretChange }): void;
  clearBuiltinClient(id: BuiltinClientId): boolean;
  setMicrosoftTenant(tenant: string): void;
  createCustomProvider(input: CustomProviderSpec): Promise<ProviderSummary>;
  updateCustomProvider(edit: CustomProviderEdit): Promise<CustomProviderConfig>;
  removeCustomProviderAndAccounts(id: string, opts: { disconnectAccounts?: boolean }): Promise<{ disconnected: number }>;
}
