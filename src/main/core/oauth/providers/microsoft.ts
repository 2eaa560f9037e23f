/** Microsoft identity platform (Entra ID, personal accounts): everything the app knows about it. */
import { MICROSOFT_TENANT_HINT, isMicrosoftTenant } from '../../../../shared/microsoft-tenant.js';
import { envValue, type BuiltinProvider, type ErrorDialect, type FieldVerdict, type SecretVerdict } from './builtin.js';
import { DEFAULT_CLOCK_TOLERANCE_SEC, type Definition } from './definition.js';
import type { HealthCheck } from '../../contracts/settings.js';

const AUTHORITY = 'https://login.microsoftonline.com';
const CLIENT_ID_ENV = 'MICROSOFT_CLIENT_ID';
const CLIENT_SECRET_ENV = 'MICROSOFT_CLIENT_SECRET';
const TENANT_ENV = 'MICROSOFT_TENANT';
/** The variable that chooses the tenant new accounts sign in with (`common` when unset). */
export const MICROSOFT_TENANT_ENV = TENANT_ENV;

/** The environment with a tenant chosen elsewhere (the app's settings, `--tenant`) taking precedence. */
export function withMicrosoftTenant(env: NodeJS.ProcessEnv, tenant: string | undefined): NodeJS.ProcessEnv {
  return tenant ? { ...env, [TENANT_ENV]: tenant } : env;
}
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/**
 * AADSTS codes (Microsoft Entra authentication and authorization error codes). The number
 * decides more precisely than the generic `error` field: Microsoft sends `invalid_grant` both
 * for MFA challenges and for expired refresh tokens, and `invalid_client` for a missing app.
 */
const AADSTS_REAUTH: ReadonlySet<number> = new Set([
  50076, // MFA required (interaction_required)
  50079, // MFA registration required
  50158, // external security challenge not satisfied
  65001, // consent required
  65004, // user declined consent
  70008, // authorization code or refresh token expired
  700082, // refresh token expired due to inactivity
  50173, // grant expired (password change / revoked)
  700084, // SPA refresh token past its 24 h lifetime
  70000, // invalid grant
  53003, // blocked by Conditional Access: the user must act interactively
  50058, // silent sign-in without a signed-in user
  50055, // password expired
  50133, // session invalid due to password change
  50089, // flow token expired
  50078, // presented MFA expired
]);
const AADSTS_CONFIG: ReadonlySet<number> = new Set([
  7000215, // invalid client secret
  7000218, // client assertion or secret required (app not marked public)
  700016, // application not found in the directory
  50011, // redirect URI mismatch
  70011, // invalid scope
  700054, // response_type not enabled for the app
  90014, // a required field is missing from the request
]);

/** AADSTS numbers from `error_codes[]` and from `AADSTS<n>` in the description. */
function aadstsNumbers(body: Record<string, unknown>): number[] {
  const out: number[] = [];
  if (Array.isArray(body.error_codes)) {
    for (const c of body.error_codes) {
      const n = typeof c === 'number' ? c : Number(c);
      if (Number.isInteger(n) && !out.includes(n)) out.push(n);
    }
  }
  const desc = typeof body.error_description === 'string' ? body.error_description : '';
  for (const m of desc.matchAll(/AADSTS(\d{4,8})/g)) {
    const n = Number(m[1]);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

const errorDialect: ErrorDialect = {
  // `suberror` (basic_action, message_only, consent_required...) refines what to show.
  providerCodes(body, clean) {
    const codes = aadstsNumbers(body).map((n) => `AADSTS${n}`);
    const suberror = clean(body.suberror);
    if (suberror) codes.push(suberror);
    return codes;
  },
  classify(providerCodes) {
    const numbers = providerCodes.flatMap((c) => (/^AADSTS\d+$/.test(c) ? [Number(c.slice(6))] : []));
    if (numbers.some((n) => AADSTS_REAUTH.has(n))) return 'reauth';
    if (numbers.some((n) => AADSTS_CONFIG.has(n))) return 'config';
    return undefined;
  },
};

function checkClientId(id: string): FieldVerdict {
  if (GUID.test(id)) return { valid: true, message: 'The Microsoft client id is a GUID, as expected.' };
  if (/^\{.*\}$/.test(id) && GUID.test(id.slice(1, -1))) {
    return { valid: false, message: 'The Microsoft client id is wrapped in braces.', fix: 'Remove the { } around the GUID.' };
  }
  return {
    valid: false,
    message: 'The Microsoft client id must be a GUID (8-4-4-4-12 hexadecimal digits).',
    fix: 'Use the "Application (client) ID" from Entra admin center > App registrations > your app > Overview.',
  };
}

// Desktop apps are public clients: a secret shipped in one is not confidential.
function checkClientSecret(secret: string | undefined): SecretVerdict {
  if (secret === undefined || secret === '')
    return { status: 'ok', message: 'No client secret: right for a desktop app (a public client).' };
  return {
    status: 'warn',
    message:
      'A desktop app is a public client: Microsoft rejects client secrets from public-client registrations, and a secret shipped in a desktop app is not confidential.',
    fix: 'Leave it empty and enable "Allow public client flows" on the app registration, unless the registration is a confidential (web) client.',
  };
}

function tenantCheck(env: NodeJS.ProcessEnv): HealthCheck[] {
  const tenant = envValue(env, TENANT_ENV);
  const ok = tenant === undefined || isMicrosoftTenant(tenant);
  return [
    {
      id: `env:${TENANT_ENV}`,
      title: TENANT_ENV,
      status: ok ? 'pass' : 'fail',
      message: !ok
        ? `${TENANT_ENV} must be ${MICROSOFT_TENANT_HINT}.`
        : tenant
          ? `Microsoft tenant "${tenant}".`
          : `${TENANT_ENV} is not set; "common" is used.`,
      ...(ok ? {} : { fix: `Set ${TENANT_ENV} to common (any account) or your directory (tenant) ID.` }),
    },
  ];
}

export const microsoft: BuiltinProvider = {
  id: 'microsoft',
  displayName: 'Microsoft',
  kind: 'microsoft',
  env: { clientId: CLIENT_ID_ENV, clientSecret: CLIENT_SECRET_ENV, extra: [TENANT_ENV] },
  consoleHosts: ['portal.azure.com', 'entra.microsoft.com', 'learn.microsoft.com', 'account.live.com', 'myapps.microsoft.com'],
  errorDialect,
  checkClientId,
  checkClientSecret,
  extraEnvChecks: tenantCheck,
  define(env) {
    const tenant = envValue(env, TENANT_ENV) ?? 'common';
    const valid = isMicrosoftTenant(tenant);
    const def: Definition = {
      id: 'microsoft',
      displayName: 'Microsoft',
      kind: 'microsoft',
      issuer: microsoftIssuer(valid ? tenant : 'common'),
      clientId: envValue(env, CLIENT_ID_ENV),
      // Desktop apps are public clients and must not send a secret; only a confidential
      // registration (MICROSOFT_CLIENT_SECRET set) authenticates.
      clientSecret: envValue(env, CLIENT_SECRET_ENV),
      scopes: ['offline_access', 'openid', 'profile', 'email'],
      extraAuthParams: {},
      clockToleranceSec: DEFAULT_CLOCK_TOLERANCE_SEC,
      clientIdEnv: CLIENT_ID_ENV,
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
