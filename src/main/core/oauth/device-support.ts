/**
 * Whether a provider can sign in on another device (RFC 8628): its metadata must name a
 * device_authorization_endpoint. Asked before the app offers "Sign in on another device", so
 * the reason it is not offered (no client id, no device endpoint, discovery failing) can be
 * shown instead of a button that fails.
 */
import { OAuthErrorParser } from './error-parser.js';
import { OAuthError } from './errors.js';
import type { DeviceSupport } from '../contracts/providers.js';
import type { ProviderRegistry } from './providers/registry.js';

export async function deviceSignInSupport(providers: ProviderRegistry, providerId: string): Promise<DeviceSupport> {
  try {
    const handler = providers.getHandler(providerId);
    const metadata = (await handler.configuration()).serverMetadata();
    if (typeof metadata.device_authorization_endpoint === 'string') return { supported: true };
    return {
      supported: false,
      code: 'device_flow_unsupported',
      reason: `${handler.displayName} does not offer it: its metadata has no device_authorization_endpoint.`,
    };
  } catch (err) {
    const e = err instanceof OAuthError ? err : await OAuthErrorParser.fromError(err, { provider: providerId, phase: 'config' });
    return { supported: false, code: e.code, reason: e.description || e.code };
  }
}
