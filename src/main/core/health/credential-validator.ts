import { checkSecretsNotCommitted, type SecretScanOptions, type SecretScanResult } from './git-secrets.js';
import { gitChecks, keyChecks, permissionChecks, type KeySourceInput } from './machine-checks.js';
import type { BuiltinProvider, FieldVerdict } from '../oauth/providers/builtin.js';
import { google } from '../oauth/providers/google.js';
import { MICROSOFT_TENANT_ENV, microsoft } from '../oauth/providers/microsoft.js';
import { looksLikeKnownSecret } from '../secret-patterns.js';
import type { HealthCheck, HealthReport } from '../contracts/settings.js';

/**
 * Checks a person's configuration and says what is wrong and how to fix it
 * (the seed's CredentialValidator, with the seed's naive checks replaced:
 * anchored client-id formats, RFC 8252 / RFC 9700 redirect rules, and git
 * itself asked about committed secrets). Messages never repeat the checked
 * value: a client secret pasted into the wrong field must not end up on
 * screen or in a log.
 */

export type { SecretFinding, SecretFindingKind, SecretScanOptions, SecretScanResult } from './git-secrets.js';

export type EnvVarStatus = 'set' | 'missing' | 'blank';

export interface EnvVarResult {
  name: string;
  status: EnvVarStatus;
  message: string;
  fix?: string;
}

export interface EnvVarsReport {
  ok: boolean;
  /** Names that are missing or blank. */
  missing: string[];
  results: EnvVarResult[];
}

export type ValidationResult = FieldVerdict;

export type RedirectUriKind = 'https' | 'loopback' | 'private-use' | 'invalid';

export interface RedirectUriResult extends ValidationResult {
  kind: RedirectUriKind;
  /** Allowed but not recommended (e.g. `localhost` instead of a loopback IP). */
  warnings: string[];
}

export interface ValidateAllOptions {
  env?: NodeJS.ProcessEnv;
  /** How the master key was obtained; omitted = not checked. */
  keySource?: KeySourceInput;
  /** Providers to check; default: those with any of their variables set. */
  providers?: Array<'google' | 'microsoft'>;
  redirectUris?: string[];
  /** When given, secrets in git are checked. */
  repoDir?: string;
  secretScan?: SecretScanOptions;
  /** Private paths whose modes are checked (folder 0700, files 0600). */
  paths?: { home?: string; db?: string; log?: string };
}

const BUILTINS: Readonly<Record<'google' | 'microsoft', BuiltinProvider>> = { google, microsoft };

/** The environment variables of the built-in providers (each provider's file owns its names). */
export const PROVIDER_ENV = {
  google: { clientId: google.env.clientId, clientSecret: google.env.clientSecret },
  microsoft: { clientId: microsoft.env.clientId, clientSecret: microsoft.env.clientSecret, tenant: MICROSOFT_TENANT_ENV },
} as const;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);
const DANGEROUS_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:', 'filesystem:', 'view-source:']);
// RFC 8252 §7.1: a reverse domain name the app controls, e.g. com.example.app.
const REVERSE_DOMAIN_SCHEME = /^[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+:$/;

function surroundingJunk(value: string): string | null {
  if (value !== value.trim()) return 'has leading or trailing whitespace';
  if (/^["'].*["']$/.test(value)) return 'is wrapped in quotes';
  return null;
}

export class CredentialValidator {
  /** Checks that each variable is set to a non-blank value. Values are never echoed. */
  static validateRequiredEnvVars(names: string[], env: NodeJS.ProcessEnv = process.env): EnvVarsReport {
    const results: EnvVarResult[] = names.map((name) => {
      const value = env[name];
      if (value === undefined) {
        return {
          name,
          status: 'missing',
          message: `${name} is not set.`,
          fix: `Set ${name} in .env (copy .env.example to .env) or in the environment.`,
        };
      }
      if (value.trim() === '') {
        return {
          name,
          status: 'blank',
          message: `${name} is set but empty.`,
          fix: `Give ${name} a value in .env or the environment (an empty line in .env counts as set).`,
        };
      }
      return { name, status: 'set', message: `${name} is set.` };
    });
    const missing = results.filter((r) => r.status !== 'set').map((r) => r.name);
    return { ok: missing.length === 0, missing, results };
  }

  /** A built-in provider's own format (its file says what); others: non-empty, no whitespace. */
  static validateClientId(id: string | undefined | null, provider: string): ValidationResult {
    const builtin = Object.values(BUILTINS).find((b) => b.id === provider.toLowerCase());
    if (typeof id !== 'string' || id.trim() === '') {
      return {
        valid: false,
        message: `The ${provider} client id is empty.`,
        fix: `Copy the client id from the ${provider} developer console into ${builtin ? builtin.env.clientId : 'the provider settings'}.`,
      };
    }
    const junk = surroundingJunk(id);
    if (junk) return { valid: false, message: `The ${provider} client id ${junk}.`, fix: 'Remove the extra characters around the id.' };
    if (looksLikeKnownSecret(id)) {
      return {
        valid: false,
        message: `The ${provider} client id looks like a secret or token, not a client id.`,
        fix: 'Put the client id (not the client secret) here, and rotate the secret if it was shared.',
      };
    }
    if (builtin) return builtin.checkClientId(id);
    if (/\s/.test(id))
      return {
        valid: false,
        message: `The ${provider} client id contains whitespace.`,
        fix: 'Copy the client id again without spaces or line breaks.',
      };
    if (id.length > 512)
      return {
        valid: false,
        message: `The ${provider} client id is longer than 512 characters.`,
        fix: 'Check that you copied only the client id.',
      };
    return { valid: true, message: `The ${provider} client id is non-empty and has no whitespace.` };
  }

  /**
   * RFC 8252 (OAuth for native apps) and RFC 9700 (security BCP): https
   * anywhere; http only on a loopback address; private-use schemes named as
   * a reverse domain; never a fragment, wildcard, userinfo or script scheme.
   */
  static validateRedirectUri(uri: string | undefined | null): RedirectUriResult {
    const bad = (message: string, fix: string): RedirectUriResult => ({ valid: false, kind: 'invalid', warnings: [], message, fix });
    if (typeof uri !== 'string' || uri.trim() === '')
      return bad('The redirect URI is empty.', 'Use http://127.0.0.1 (the app picks a free port at sign-in) or an https URL you control.');
    // eslint-disable-next-line no-control-regex -- control characters are what this check refuses
    if (/[\s\u0000-\u001f\u007f]/.test(uri))
      return bad(
        'The redirect URI contains whitespace or control characters.',
        'Remove spaces and line breaks; redirect URIs must match exactly.',
      );
    if (uri.includes('*')) {
      return bad(
        'The redirect URI contains a wildcard; RFC 9700 requires exact matching of redirect URIs.',
        'Register each full redirect URI exactly, without *.',
      );
    }
    if (/^urn:ietf:wg:oauth:2\.0:oob/i.test(uri)) {
      return bad(
        'The out-of-band redirect (urn:ietf:wg:oauth:2.0:oob) is deprecated and blocked by Google.',
        'Use a loopback redirect such as http://127.0.0.1.',
      );
    }
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
    if (!scheme)
      return bad(
        'The redirect URI has no scheme, so it is not an absolute URI.',
        'Start it with https://, http://127.0.0.1 or a private-use scheme like com.example.app:/callback.',
      );
    if (DANGEROUS_SCHEMES.has(`${scheme}:`)) {
      return bad(
        `The ${scheme}: scheme can never be a redirect URI (it would run or expose content in the browser).`,
        'Use http://127.0.0.1 or https://.',
      );
    }
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return bad('The redirect URI is not a valid URL.', 'Check for typos; for example http://127.0.0.1:8080/callback.');
    }
    if (uri.includes('#'))
      return bad('The redirect URI contains a fragment (#); RFC 6749 §3.1.2 forbids fragments.', 'Remove the # and everything after it.');
    if (url.username || url.password || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(uri)) {
      return bad('The redirect URI contains user info (user:pass@).', 'Remove the user name and password from the URI.');
    }

    if (scheme === 'https') {
      if (!url.hostname) return bad('The https redirect URI has no host.', 'Add the host, e.g. https://app.example.com/callback.');
      return { valid: true, kind: 'https', warnings: [], message: 'https redirect URI.' };
    }
    if (scheme === 'http') {
      const host = url.hostname;
      if (LOOPBACK_HOSTS.has(host)) {
        return {
          valid: true,
          kind: 'loopback',
          warnings: [],
          message: 'Loopback redirect URI (RFC 8252 §7.3); the port may change per sign-in.',
        };
      }
      if (host === 'localhost') {
        return {
          valid: true,
          kind: 'loopback',
          warnings: [
            'RFC 8252 §8.3: "localhost" is NOT RECOMMENDED; it can resolve to a non-loopback interface or be intercepted by firewall rules. Use http://127.0.0.1 or http://[::1].',
          ],
          message: 'Loopback redirect URI using localhost (allowed, not recommended).',
          fix: 'Use http://127.0.0.1 instead of http://localhost (Microsoft requires registering http://localhost; the app may still send 127.0.0.1).',
        };
      }
      return bad(
        'http:// redirect URIs are allowed only on loopback (127.0.0.1, [::1], localhost); anywhere else the authorization code crosses the network unencrypted.',
        'Use https:// for a hosted redirect, or http://127.0.0.1 for this desktop app.',
      );
    }
    // Private-use URI scheme (RFC 8252 §7.1).
    if (!REVERSE_DOMAIN_SCHEME.test(`${scheme}:`)) {
      return bad(
        `The private-use scheme "${scheme}:" is not a reverse domain name; RFC 8252 §7.1 requires one you control (e.g. com.example.app) so other apps cannot claim it.`,
        'Use a scheme like com.yourdomain.app:/callback, or a loopback redirect.',
      );
    }
    const warnings: string[] = [];
    if (uri.slice(scheme.length + 1).startsWith('//')) {
      warnings.push('RFC 8252 §7.1 uses a single slash after a private-use scheme (com.example.app:/callback).');
    }
    return { valid: true, kind: 'private-use', warnings, message: 'Private-use URI scheme redirect (RFC 8252 §7.1).' };
  }

  /** Asks git whether secret files or values are, or were, committed. See git-secrets.ts. */
  static checkSecretsNotCommitted(repoDir: string, options?: SecretScanOptions): Promise<SecretScanResult> {
    return checkSecretsNotCommitted(repoDir, options);
  }

  /** The health report the UI's Health view and `osmen-cred check` show. */
  static async validateAll(options: ValidateAllOptions = {}): Promise<HealthReport> {
    const env = options.env ?? process.env;
    const checks: HealthCheck[] = [];

    checks.push(...keyChecks(options.keySource, env));
    checks.push(...providerChecks(options.providers, env));

    (options.redirectUris ?? []).forEach((uri, i) => {
      const r = CredentialValidator.validateRedirectUri(uri);
      checks.push({
        id: `redirect-uri:${i}`,
        title: `Redirect URI ${i + 1}`,
        status: !r.valid ? 'fail' : r.warnings.length ? 'warn' : 'pass',
        message: r.warnings.length ? `${r.message} ${r.warnings.join(' ')}` : r.message,
        ...(r.fix ? { fix: r.fix } : {}),
      });
    });

    if (options.repoDir) checks.push(...(await gitChecks(options.repoDir, options.secretScan)));
    if (options.paths) checks.push(...permissionChecks(options.paths));

    return { ok: !checks.some((c) => c.status === 'fail'), checks };
  }
}

const isSet = (env: NodeJS.ProcessEnv, name: string): boolean => (env[name] ?? '').trim() !== '';

function providerChecks(requested: Array<'google' | 'microsoft'> | undefined, env: NodeJS.ProcessEnv): HealthCheck[] {
  const configured = (['google', 'microsoft'] as const).filter(
    (p) => isSet(env, BUILTINS[p].env.clientId) || isSet(env, BUILTINS[p].env.clientSecret),
  );
  const providers = requested ?? configured;
  if (providers.length === 0) {
    return [
      {
        id: 'providers',
        title: 'OAuth providers',
        status: 'warn',
        message: 'No Google or Microsoft client is configured (GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID are not set).',
        fix: 'Register a desktop OAuth client (see the README) and put its id in .env, or add a custom OpenID provider in the app.',
      },
    ];
  }
  return providers.flatMap((p): HealthCheck[] => {
    const builtin = BUILTINS[p];
    return [clientIdCheck(builtin, env), clientSecretCheck(builtin, env), ...(builtin.extraEnvChecks?.(env) ?? [])];
  });
}

function clientSecretCheck(builtin: BuiltinProvider, env: NodeJS.ProcessEnv): HealthCheck {
  const name = builtin.env.clientSecret;
  const r = builtin.checkClientSecret(env[name]?.trim());
  return {
    id: `env:${name}`,
    title: name,
    status: r.status === 'ok' ? 'pass' : 'warn',
    message: `${name}: ${r.message}`,
    ...(r.fix ? { fix: r.fix } : {}),
  };
}

function clientIdCheck(builtin: BuiltinProvider, env: NodeJS.ProcessEnv): HealthCheck {
  const name = builtin.env.clientId;
  if (!isSet(env, name))
    return {
      id: `env:${name}`,
      title: name,
      status: 'fail',
      message: `${name} is not set.`,
      fix: `Set ${name} in .env (see .env.example).`,
    };
  const r = CredentialValidator.validateClientId(env[name], builtin.id);
  return { id: `env:${name}`, title: name, status: r.valid ? 'pass' : 'fail', message: r.message, ...(r.fix ? { fix: r.fix } : {}) };
}
