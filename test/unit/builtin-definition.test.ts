/**
 * A built-in's file becomes the registry's Definition (builtinDefinition): the protocol, the
 * explicit endpoints and options from define(env), and every hook the file declares — so a plain
 * OAuth 2.0 built-in (GitHub, issue 19 §2) gets the same identity, revoke, answer and reconnect
 * hooks that test/integration/oauth2-provider-hooks.test.ts runs for a provider given in code.
 */
import { describe, expect, it } from 'vitest';
import { builtinDefinition, optionValue, type BuiltinProvider } from '../../src/main/core/oauth/providers/builtin.js';
import { errorsSentWithHttp200 } from '../../src/main/core/oauth/providers/answers.js';
import { BUILTIN_PROVIDERS } from '../../src/main/core/oauth/providers/builtins.js';

const identity: NonNullable<BuiltinProvider['identity']> = async () => ({ userId: '1', displayName: null, subject: '1' });
const revoke = async (): Promise<'revoked'> => 'revoked';
const reconnectParams = (a: { userId: string }) => ({ login: a.userId });

/** A plain OAuth 2.0 built-in as a file would describe it, with an Enterprise-host option. */
const plain: BuiltinProvider = {
  id: 'plainhub',
  displayName: 'Plain Hub',
  kind: 'oauth2',
  env: { clientId: 'PLAINHUB_CLIENT_ID', clientSecret: 'PLAINHUB_CLIENT_SECRET' },
  consoleHosts: ['plainhub.example'],
  clientHelp: {
    consoleUrl: 'https://plainhub.example/settings/apps',
    clientIdPlaceholder: 'Iv1.…',
    clientSecretPlaceholder: 'Optional',
    clientId: 'Register an app.',
    clientSecret: 'Optional.',
  },
  look: { mark: 'P', color: '#24292f' },
  secretShapes: { tokens: [/ph_[A-Za-z0-9]{36}/g], scan: [], prefixes: ['ph_'] },
  errorDialect: { providerCodes: () => [] },
  options: [
    {
      name: 'host',
      label: 'Host',
      env: 'PLAINHUB_HOST',
      defaultValue: 'plainhub.example',
      hint: 'a host name',
      placeholder: 'plainhub.example',
      effect: 'Where new accounts sign in.',
      check: (v) => (/^[a-z0-9.-]+$/.test(v) ? null : 'A host name.'),
      describe: (v) => `Accounts sign in at ${v}.`,
    },
  ],
  deviceFlow: 'unsupported',
  revocation: { kind: 'hook', revoke, revokeAt: 'https://plainhub.example/settings/applications' },
  identity,
  adaptAnswer: (res) => errorsSentWithHttp200(res),
  reconnectParams,
  codeExchangeNeedsSecret: true,
  define(env) {
    const host = optionValue(env, this.options[0]!);
    return {
      endpoints: {
        authorization: `https://${host}/login/oauth/authorize`,
        token: `https://${host}/login/oauth/access_token`,
        api: `https://api.${host}`,
        issuer: `https://${host}`,
      },
      clientId: env.PLAINHUB_CLIENT_ID,
      scopes: ['read:user'],
      extraAuthParams: {},
      clockToleranceSec: 300,
      options: { host },
    };
  },
  checkClientId: () => ({ valid: true, message: 'ok' }),
  checkClientSecret: () => ({ status: 'ok', message: 'ok' }),
};

describe('builtinDefinition', () => {
  it('carries a plain OAuth 2.0 file: protocol, endpoints from its option, and every hook', () => {
    const def = builtinDefinition(plain, { PLAINHUB_CLIENT_ID: 'cid', PLAINHUB_HOST: 'ghe.example' });
    expect(def).toMatchObject({
      id: 'plainhub',
      displayName: 'Plain Hub',
      kind: 'oauth2',
      clientId: 'cid',
      clientIdEnv: 'PLAINHUB_CLIENT_ID',
      endpoints: { token: 'https://ghe.example/login/oauth/access_token', api: 'https://api.ghe.example' },
      options: { host: 'ghe.example' },
      revocation: 'none',
      revokeAt: 'https://plainhub.example/settings/applications',
      codeExchangeNeedsSecret: true,
      deviceFlowUnsupported: true,
    });
    expect(def.identity).toBe(identity);
    expect(def.revoke).toBe(revoke);
    expect(def.reconnectParams).toBe(reconnectParams);
    expect(def.adaptAnswer).toBeTypeOf('function');
    expect(def.issuer).toBeUndefined();
  });

  it('RFC 7009 and "unsupported" revocation, and the built-ins as they are', () => {
    for (const b of BUILTIN_PROVIDERS) {
      const def = builtinDefinition(b, {});
      expect(def).toMatchObject({ id: b.id, kind: b.kind, revokeAt: b.revocation.revokeAt });
      expect(def.revocation).toBe(b.revocation.kind === 'rfc7009' ? (b.revocation.endpoint ?? 'discover') : 'none');
      // A revoke hook (GitHub's DELETE /applications/{client_id}/grant) is the definition's; the others have none.
      if (b.revocation.kind === 'hook') expect(def.revoke).toBe(b.revocation.revoke);
      else expect(def.revoke).toBeUndefined();
      expect(def.deviceFlowUnsupported).toBeUndefined();
    }
    const unsupported = builtinDefinition({ ...plain, revocation: { kind: 'unsupported', revokeAt: 'https://x.example' } }, {});
    expect(unsupported).toMatchObject({ revocation: 'none', revokeAt: 'https://x.example' });
    expect(unsupported.revoke).toBeUndefined();
  });
});
