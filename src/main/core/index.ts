/**
 * The core's public surface: the entry points that programs (the desktop app, the CLI, the token
 * agent) and tests outside the core use. Alongside it, outside code imports the interface
 * (api.ts), its types (contracts/), the error family (errors.ts, oauth/errors.ts, exit-codes.ts)
 * and the few vault-free modules a process uses without opening a vault (the agent client and
 * its protocol, the data folder's names, key generation): `npm run lint` checks that rule
 * (.dependency-cruiser.cjs). Each name is exported from one module only.
 */

// Opening a vault: the core behind the CredentialCore interface (api.ts).
export { createCredentialCore, coreInternals, type CredentialCoreOptions } from './credential-core.js';
export type { CoreParts } from './core-parts.js';

// The token agent (the app's and `osmen-cred agent`'s).
export { startTokenAgent, type TokenAgent, type TokenAgentOptions } from './agent/server.js';
export { AgentService, type AgentServiceOptions } from './agent/service.js';

// Checks a caller makes before a vault exists, and files it reads without one.
export { verifyBuiltinProvider, verifyCustomProvider } from './provider-catalogue.js';
export { CUSTOM_PROVIDER_ID_RE, DEFAULT_SETTINGS } from './settings-store.js';
export { verifyExportFile, type ExportVerifyResult } from './audit/log-export.js';
export { loadEnvFile, CLIENT_ENV_NAMES } from './env-file.js';

// SDK endpoints: an account's tokens in Google's metadata and Azure's managed-identity protocols
// (`osmen-cred run --sdk`, `osmen-cred serve`, the app's account details).
export { SdkEndpointService, accountClientId, listen } from './sdk/endpoint-service.js';
export { SdkAccountTokens } from './sdk/account-tokens.js';
export { counterRecorder, programLabel, runProgram } from './sdk/handoff-recorder.js';
export { isSdkKind, SDK_KINDS, startSdkEndpoint } from './sdk/sdk-endpoint.js';
export { removedVariables, sdkEnvironment } from './sdk/sdk-env.js';
export { isLoopback } from './sdk/request-guard.js';

// Providers and the system browser.
export { BUILTIN_PROVIDERS } from './oauth/providers/builtins.js';
export { openSystemBrowser } from './oauth/system-browser.js';

// The parts tests build directly (application code holds a CredentialCore instead).
export { TokenStore, type TokenStoreOptions } from './vault/token-store.js';
export { KeyCustody, KEYCHAIN_SERVICE } from './vault/key-custody.js';
export { ProviderRegistry } from './oauth/providers/registry.js';
