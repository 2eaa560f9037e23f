/** Providers: the built-ins (one file each), custom OpenID/OAuth 2.0 providers, their handlers. */
export {
  DEFAULT_CLOCK_TOLERANCE_SEC,
  issuerMismatch,
  type Definition,
  type ProviderKind,
  type ProviderEndpoints,
  type ProviderRegistration,
  type ProviderInfo,
  type ProviderRegistryOptions,
} from './definition.js';
export { ProviderHandler, takeIssuedTokens } from './handler.js';
export { ProviderRegistry, BUILTIN_PROVIDERS, isBuiltinProviderId } from './registry.js';
export type { BuiltinProvider } from './builtin.js';
export { google, GOOGLE_ISSUER } from './google.js';
export { microsoft, microsoftIssuer, tenantOfIssuer, withMicrosoftTenant, MICROSOFT_TENANT_ENV } from './microsoft.js';
