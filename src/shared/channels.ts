/**
 * Channel names and bridge method names, with no dependencies, so the
 * sandboxed preload and the renderer can import them without pulling in zod.
 * ipc-contract.ts attaches a request/response schema to every name here and
 * fails to compile if one is missing.
 */

export const CHANNEL_PREFIX = 'osmen:';

/** Bridge method -> invoke channel. */
export const INVOKE_METHODS = {
  appStatus: 'osmen:app:status',
  retryOpenVault: 'osmen:app:retry-open-vault',
  quitApp: 'osmen:app:quit',
  copyToClipboard: 'osmen:app:copy',
  listAccounts: 'osmen:accounts:list',
  connectAccount: 'osmen:accounts:connect',
  cancelConnect: 'osmen:accounts:cancel-connect',
  signInState: 'osmen:accounts:sign-in-state',
  reopenSignIn: 'osmen:accounts:reopen-sign-in',
  disconnectAccount: 'osmen:accounts:disconnect',
  refreshAccount: 'osmen:accounts:refresh',
  refreshAll: 'osmen:accounts:refresh-all',
  listProviders: 'osmen:providers:list',
  addCustomProvider: 'osmen:providers:add-custom',
  healthReport: 'osmen:health:report',
  getSettings: 'osmen:settings:get',
  updateSettings: 'osmen:settings:update',
  schedulerState: 'osmen:scheduler:state',
  readLog: 'osmen:log:read',
  verifyLog: 'osmen:log:verify',
  openExternal: 'osmen:app:open-external',
  // Settings → Providers
  providerConfig: 'osmen:providers:config',
  checkProviderField: 'osmen:providers:check-field',
  setBuiltinClient: 'osmen:providers:set-builtin',
  clearBuiltinClient: 'osmen:providers:clear-builtin',
  setMicrosoftTenant: 'osmen:providers:set-tenant',
  setProviderOption: 'osmen:providers:set-option',
  updateCustomProvider: 'osmen:providers:update-custom',
  removeCustomProvider: 'osmen:providers:remove-custom',
  deviceSupport: 'osmen:providers:device-support',
  // Sign in on another device
  connectWithDevice: 'osmen:accounts:connect-device',
  deviceSignInState: 'osmen:accounts:device-state',
  openDevicePage: 'osmen:accounts:open-device-page',
  exportLog: 'osmen:log:export',
  // Hand-off consent: the dialog, Settings → Programs, an account's programs
  pendingConsents: 'osmen:consent:pending',
  answerConsent: 'osmen:consent:answer',
  listPrograms: 'osmen:programs:list',
  revokeGrant: 'osmen:programs:revoke',
  setConsentMode: 'osmen:programs:set-mode',
  dismissConsentOffer: 'osmen:programs:dismiss-offer',
  accountPrograms: 'osmen:accounts:programs',
  // SDK endpoints (an account's details): Google's metadata protocol, Azure's managed identity
  listSdkEndpoints: 'osmen:sdk:list',
  startSdkEndpoint: 'osmen:sdk:start',
  stopSdkEndpoint: 'osmen:sdk:stop',
  saveShownLog: 'osmen:log:save-shown',
} as const;

/** Bridge subscription -> event channel. */
export const SUBSCRIBE_METHODS = {
  onAccountsChanged: 'osmen:event:accounts-changed',
  onLogAppended: 'osmen:event:log-appended',
  onRefreshState: 'osmen:event:refresh-state',
  onNeedsReauth: 'osmen:event:needs-reauth',
  onRefreshFailed: 'osmen:event:refresh-failed',
  onSettingsChanged: 'osmen:event:settings-changed',
  onSignInState: 'osmen:event:sign-in-state',
  onDeviceSignIn: 'osmen:event:device-sign-in',
  onConsentRequest: 'osmen:event:consent-request',
  onConsentResolved: 'osmen:event:consent-resolved',
  onSdkEndpoints: 'osmen:event:sdk-endpoints',
} as const;

export type Channel = (typeof INVOKE_METHODS)[keyof typeof INVOKE_METHODS];
export type EventChannel = (typeof SUBSCRIBE_METHODS)[keyof typeof SUBSCRIBE_METHODS];

export const CHANNEL_NAMES: readonly Channel[] = Object.freeze(Object.values(INVOKE_METHODS));
export const EVENT_NAMES: readonly EventChannel[] = Object.freeze(Object.values(SUBSCRIBE_METHODS));

const channelSet: ReadonlySet<string> = new Set(CHANNEL_NAMES);
const eventSet: ReadonlySet<string> = new Set(EVENT_NAMES);

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && channelSet.has(value);
}

export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && eventSet.has(value);
}

/** Time limits an account's details offer for an SDK endpoint (ms); none: until stopped. */
export const SDK_ENDPOINT_DURATIONS = [3_600_000, 8 * 3_600_000, 24 * 3_600_000] as const;

const MIN = 60_000;
/** Ranges the Settings view offers and the main process enforces. */
export const SETTINGS_LIMITS = {
  refreshWindowMs: { min: 30_000, max: 60 * MIN },
  checkIntervalMs: { min: 30_000, max: 24 * 60 * MIN },
  keepAliveDays: { min: 1, max: 60 },
} as const;
