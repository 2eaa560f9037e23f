/** The OAuth engine: providers, connect/disconnect, error framework, refresher, scheduler. */
export { OAuthError, accountNotFound, configError, type OAuthErrorInit, type OAuthPhase } from './errors.js';
export { OAuthErrorParser, parseRetryAfter, parseWwwAuthenticate, type ParseContext } from './error-parser.js';
export { sanitizeText } from './sanitize.js';
export {
  ProviderRegistry,
  ProviderHandler,
  BUILTIN_PROVIDERS,
  isBuiltinProviderId,
  issuerMismatch,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  withMicrosoftTenant,
  MICROSOFT_TENANT_ENV,
  type ProviderKind,
  type ProviderEndpoints,
  type ProviderRegistration,
  type ProviderInfo,
  type ProviderRegistryOptions,
} from './providers/index.js';
export { isLoopbackHost, checkEndpointUrl } from './loopback.js';
export { startLoopbackListener, type LoopbackListener, type CallbackRequest } from './loopback-listener.js';
export { openSystemBrowser, openerCommand, type UrlOpener } from './system-browser.js';
export {
  connectAccount,
  disconnectAccount,
  identityFromClaims,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type OAuthDeps,
  type Identity,
} from './connect-flow.js';
export { connectAccountWithDevice } from './device-flow.js';
export { TokenRefresher } from './token-refresher.js';
export { DEFAULT_REFRESH_WINDOW_MS, DEFAULT_LEASE_MS, DEFAULT_EXPIRY_MARGIN_MS, type TokenRefresherOptions } from './refresh-options.js';
export type { RefreshOutcome } from './refresh-outcome.js';
export { RefreshLease } from '../vault/refresh-lease.js';
export { backoffDelay, DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS, type BackoffOptions } from './backoff.js';
export { TokenRefreshScheduler, realSchedulerClock, type SchedulerClock, type SchedulerOptions, type SchedulerTimer } from './scheduler.js';
