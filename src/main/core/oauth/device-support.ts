/**
 * Whether a provider can sign in on another device (RFC 8628): its file must not rule it out,
 * and its metadata (or explicit endpoints) must name a device_authorization_endpoint. Asked before the app offers "Sign in on another device", so
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
    const problem = await handler.deviceFlowProblem();
    return problem === null ? { supported: true } : { supported: false, code: 'device_flow_unsupported', reason: problem };
  } catch (err) {
    const e = err instanceof OAuthError ? err : await OAuthErrorParser.fromError(err, { provider: providerId, phase: 'config' });
    return { supported: false, code: e.code, reason: e.description || e.code };
  }
}
