/**
 * One provider field checked as it is typed (Settings → Providers, Connect's custom provider
 * form): the same rules the core applies when it saves — the client id checks of the health
 * report, the Microsoft tenant pattern, the loopback rule for issuers, the settings file's id and
 * scope rules — as a message and a fix. Nothing is saved and nothing is fetched here (an issuer's
 * discovery document is fetched when the provider is added). A message never repeats the value.
 */
import { MICROSOFT_TENANT_HINT, isMicrosoftTenant } from '../../shared/microsoft-tenant.js';
import { CONTROL_CHARS } from '../../shared/one-line.js';
import { describeTenant } from './builtin-clients.js';
import { CredentialValidator } from './health/credential-validator.js';
import { CUSTOM_PROVIDER_ID_RE } from './settings-store.js';
import type { BuiltinClientId, FieldCheck, FieldCheckInput } from './contracts/providers.js';
import { BUILTIN_PROVIDERS, isBuiltinProviderId } from './oauth/providers/builtins.js';
import { checkEndpointUrl } from './oauth/loopback.js';

export interface FieldCheckContext {
  /** Whether a provider with this id exists (registered, or a custom provider in settings). */
  exists(id: string): boolean;
}

type ClientKind = BuiltinClientId | 'custom';

const NAMES: Record<ClientKind, string> = { google: 'Google', microsoft: 'Microsoft', custom: 'provider' };
// Same as the settings file's scope rule (RFC 6749 §3.3 scope-token).
const SCOPE_RE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

const ok = (message: string): FieldCheck => ({ status: 'ok', message });
const warn = (message: string, fix?: string): FieldCheck => (fix ? { status: 'warn', message, fix } : { status: 'warn', message });
const error = (message: string, fix?: string): FieldCheck => (fix ? { status: 'error', message, fix } : { status: 'error', message });

export function checkProviderField(input: FieldCheckInput, ctx: FieldCheckContext): FieldCheck {
  switch (input.field) {
    case 'client-id':
      return clientId(input.provider, input.value);
    case 'client-secret':
      return clientSecret(input.provider, input.value);
    case 'tenant':
      return tenant(input.value);
    case 'issuer':
      return issuer(input.value);
    case 'provider-id':
      return providerId(input.value, ctx);
    case 'scopes':
      return scopes(input.value);
  }
}

function clientId(kind: ClientKind, value: string): FieldCheck {
  if (value.trim() === '')
    return error('Enter the client id.', kind === 'custom' ? 'Copy it from the provider’s developer console.' : undefined);
  if (CONTROL_CHARS.test(value)) return error('The client id contains control characters.', 'Copy the client id again.');
  const r = CredentialValidator.validateClientId(value, NAMES[kind]);
  if (!r.valid) return error(r.message, r.fix);
  return ok(kind === 'custom' ? 'Looks like a client id.' : r.message);
}

function clientSecret(kind: ClientKind, value: string): FieldCheck {
  if (value !== '') {
    if (CONTROL_CHARS.test(value) || value !== value.trim())
      return error(
        'The client secret has spaces, line breaks or other invisible characters around or in it.',
        'Copy it again without them.',
      );
    if (value.length > 1024) return error('The client secret is longer than 1024 characters.', 'Check that you copied only the secret.');
  }
  const builtin = BUILTIN_PROVIDERS.find((b) => b.id === kind);
  if (!builtin)
    return ok(
      value === '' ? 'No client secret: fine for a public client.' : 'The secret is kept encrypted in the vault and never shown again.',
    );
  const r = builtin.checkClientSecret(value);
  if (r.status === 'warn') return warn(r.message, r.fix);
  return ok(value === '' ? r.message : `${r.message} It is kept encrypted in the vault and never shown again.`);
}

function tenant(value: string): FieldCheck {
  if (value.trim() === '') return error('Enter a tenant.', `Use ${MICROSOFT_TENANT_HINT}.`);
  if (!isMicrosoftTenant(value)) return error('That is not a Microsoft tenant.', `Use ${MICROSOFT_TENANT_HINT}.`);
  return ok(`New Microsoft accounts sign in with ${describeTenant(value)}. Connected accounts keep their own tenant.`);
}

function issuer(value: string): FieldCheck {
  if (value.trim() === '')
    return error('Enter the issuer URL.', 'For example https://login.example.com (the part before /.well-known/openid-configuration).');
  const r = checkEndpointUrl(value);
  if (!r.ok) return error(`Not usable: ${r.reason}.`, 'Use the https:// address of the issuer (http:// only on this computer).');
  if (/\/\.well-known\/openid-configuration\/?$/.test(r.url.pathname)) {
    return warn('This is the discovery document’s address, not the issuer.', 'Remove /.well-known/openid-configuration from the end.');
  }
  if (r.insecure) return warn('http:// is accepted only because the issuer is on this computer.', 'Use https:// for anything else.');
  return ok('Its discovery document is fetched and checked when you save.');
}

function providerId(value: string, ctx: FieldCheckContext): FieldCheck {
  if (value === '') return error('Enter an id.', 'For example okta-work: 1–40 lower-case letters, digits, “_” or “-”.');
  if (!CUSTOM_PROVIDER_ID_RE.test(value))
    return error('An id is 1–40 lower-case letters, digits, “_” or “-”, starting with a letter or digit.');
  if (isBuiltinProviderId(value))
    return error('That is a built-in provider.', 'Set its client id under Settings → Providers, or choose another id.');
  if (ctx.exists(value))
    return error(
      'A provider with this id exists already; adding it again would not replace it.',
      'Choose another id, or edit the existing one in Settings → Providers.',
    );
  return ok('Available.');
}

function scopes(value: string): FieldCheck {
  const list = value.split(/\s+/).filter(Boolean);
  if (list.length === 0) return error('Enter at least one scope.', 'For example: openid profile email offline_access.');
  if (list.length > 50) return error('At most 50 scopes.');
  const bad = list.find((s) => s.length > 256 || !SCOPE_RE.test(s));
  if (bad !== undefined)
    return error('A scope may not contain quotes or backslashes, or be longer than 256 characters.', 'Separate scopes with spaces.');
  if (!list.includes('openid')) return warn('Without openid the app cannot tell which account signed in.', 'Add openid (and email).');
  if (!list.includes('offline_access')) {
    return warn(
      'Without offline_access most providers issue no refresh token: the account must sign in again when its access token expires.',
      'Add offline_access unless this provider issues refresh tokens without it.',
    );
  }
  return ok(`${list.length} scopes.`);
}
