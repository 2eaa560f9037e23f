/** Microsoft identity platform (Entra ID, personal accounts): everything the app knows about it. */
import { MICROSOFT_TENANT_HINT, isMicrosoftTenant } from '../../../../shared/microsoft-tenant.js';
import { envValue, type BuiltinProvider } from './builtin.js';
import { DEFAULT_CLOCK_TOLERANCE_SEC, type Definition } from './definition.js';

const AUTHORITY = 'https://login.microsoftonline.com';

export function microsoftIssuer(tenant: string): string {
  return `${AUTHORITY}/${tenant}/v2.0`;
}

/** The tenant of a Microsoft v2.0 issuer URL, or null when the URL is not one. */
export function tenantOfIssuer(issuer: string): string | null {
  const prefix = `${AUTHORITY}/`;
  if (!issuer.startsWith(prefix) || !issuer.endsWith('/v2.0')) return null;
  const tenant = issuer.slice(prefix.length, -'/v2.0'.length);
  return isMicrosoftTenant(tenant) ? tenant : null;
}

export const microsoft: BuiltinProvider = {
  id: 'microsoft',
  displayName: 'Microsoft',
  kind: 'microsoft',
  env: { clientId: 'MICROSOFT_CLIENT_ID', clientSecret: 'MICROSOFT_CLIENT_SECRET', extra: ['MICROSOFT_TENANT'] },
  define(env) {
    const tenant = envValue(env, 'MICROSOFT_TENANT') ?? 'common';
    const valid = isMicrosoftTenant(tenant);
    const def: Definition = {
      id: 'microsoft',
      displayName: 'Microsoft',
      kind: 'microsoft',
      issuer: microsoftIssuer(valid ? tenant : 'common'),
      clientId: envValue(env, 'MICROSOFT_CLIENT_ID'),
      // Desktop apps are public clients and must not send a secret; only a confidential
      // registration (MICROSOFT_CLIENT_SECRET set) authenticates.
      clientSecret: envValue(env, 'MICROSOFT_CLIENT_SECRET'),
      scopes: ['offline_access', 'openid', 'profile', 'email'],
      extraAuthParams: {},
      clockToleranceSec: DEFAULT_CLOCK_TOLERANCE_SEC,
      clientIdEnv: 'MICROSOFT_CLIENT_ID',
      // The identity platform has no RFC 7009 endpoint; revoking sessions through Graph
      // signs the user out everywhere, which we never do silently.
      revocation: 'none',
    };
    if (!valid) {
      def.configProblem = `The Microsoft tenant "${tenant.slice(0, 80)}" is not valid: use ${MICROSOFT_TENANT_HINT} (MICROSOFT_TENANT, or the tenant in Settings).`;
    }
    return def;
  },
  // Each account keeps the tenant it signed in with: another tenant in the settings later
  // changes where new accounts sign in, not where existing accounts refresh.
  definitionForIssuer(issuer, current) {
    const tenant = tenantOfIssuer(issuer);
    if (tenant === null) return null;
    const { configProblem: _ignored, ...rest } = current;
    return { ...rest, issuer: microsoftIssuer(tenant) };
  },
};
