/**
 * A provider field checked as it is typed: the core's own rules (client id checks of the health
 * report, the tenant pattern, the loopback rule, the settings file's id and scope rules) with a
 * message and a fix, never repeating the value.
 */
import { describe, expect, it } from 'vitest';
import { checkProviderField } from '../../src/main/core/provider-field-check.js';
import type { FieldCheckInput } from '../../src/main/core/contracts/providers.js';

const taken = new Set(['corp', 'testop']);
const check = (input: FieldCheckInput) => checkProviderField(input, { exists: (id) => taken.has(id) });

describe('client ids', () => {
  it.each([
    ['google', '123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com', 'ok', /expected format/],
    ['google', '123456789012-abc.apps.example.com', 'error', /must end with \.apps\.googleusercontent\.com/],
    ['google', ' 123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com', 'error', /./],
    ['google', '', 'error', /Enter the client id/],
    ['microsoft', '00000000-1111-2222-3333-444444444444', 'ok', /GUID/],
    ['microsoft', '{00000000-1111-2222-3333-444444444444}', 'error', /braces/],
    ['microsoft', 'my-app', 'error', /must be a GUID/],
    ['custom', 'osmen-desktop', 'ok', /client id/],
    ['custom', 'has space', 'error', /./],
  ] as const)('%s %j → %s', (provider, value, status, message) => {
    const r = check({ field: 'client-id', provider, value });
    expect(r.status).toBe(status);
    expect(r.message).toMatch(message);
    if (value.trim()) expect(r.message + (r.fix ?? '')).not.toContain(value.trim());
  });

  it('a secret pasted as a client id is caught', () => {
    expect(check({ field: 'client-id', provider: 'google', value: 'GOCSPX-AbCdEfGhIjKlMnOpQrStUvWxYz12' })).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/secret or token/),
    });
  });
});

describe('client secrets', () => {
  it('Google: required, and in the current format; Microsoft: a public client sends none', () => {
    expect(check({ field: 'client-secret', provider: 'google', value: '' })).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/requires/),
    });
    expect(check({ field: 'client-secret', provider: 'google', value: 'GOCSPX-abcdefghijklmnopqrstuvwx' }).status).toBe('ok');
    expect(check({ field: 'client-secret', provider: 'google', value: 'old-style-secret' })).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/GOCSPX-/),
    });
    expect(check({ field: 'client-secret', provider: 'microsoft', value: '' }).status).toBe('ok');
    expect(check({ field: 'client-secret', provider: 'microsoft', value: 'abc~def' })).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/public client/),
    });
    expect(check({ field: 'client-secret', provider: 'custom', value: ' padded' }).status).toBe('error');
    const r = check({ field: 'client-secret', provider: 'custom', value: 'CANARY-secret-value' });
    expect(r.status).toBe('ok');
    expect(JSON.stringify(r)).not.toContain('CANARY');
  });
});

describe('tenant, issuer, id, scopes', () => {
  it('tenants: the pattern the core saves with, in plain words', () => {
    expect(check({ field: 'tenant', value: 'organizations' })).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/work and school accounts only/),
    });
    expect(check({ field: 'tenant', value: 'contoso.com' }).status).toBe('ok');
    expect(check({ field: 'tenant', value: 'contoso' })).toMatchObject({
      status: 'error',
      fix: expect.stringMatching(/common, organizations, consumers/),
    });
    expect(check({ field: 'tenant', value: '' }).status).toBe('error');
  });

  it('issuers: https anywhere, http only on loopback, not the discovery URL itself', () => {
    expect(check({ field: 'issuer', value: 'https://login.example.com' }).status).toBe('ok');
    expect(check({ field: 'issuer', value: 'http://127.0.0.1:4000' })).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/this computer/),
    });
    expect(check({ field: 'issuer', value: 'http://login.example.com' })).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/only allowed on loopback/),
    });
    expect(check({ field: 'issuer', value: 'https://user:pw@login.example.com' }).status).toBe('error');
    expect(check({ field: 'issuer', value: 'https://login.example.com/.well-known/openid-configuration' })).toMatchObject({
      status: 'warn',
      fix: expect.stringMatching(/Remove/),
    });
    expect(check({ field: 'issuer', value: 'not a url' }).status).toBe('error');
  });

  it("ids: the settings file's rule, built-ins, and ids that exist (no overwrite)", () => {
    expect(check({ field: 'provider-id', value: 'okta-work' })).toEqual({ status: 'ok', message: 'Available.' });
    expect(check({ field: 'provider-id', value: 'Okta' }).status).toBe('error');
    expect(check({ field: 'provider-id', value: 'google' })).toMatchObject({ status: 'error', message: expect.stringMatching(/built-in/) });
    expect(check({ field: 'provider-id', value: 'corp' })).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/exists already/),
      fix: expect.stringMatching(/edit/),
    });
  });

  it('scopes: RFC 6749 tokens; missing openid or offline_access is explained', () => {
    expect(check({ field: 'scopes', value: 'openid profile email offline_access' })).toEqual({ status: 'ok', message: '4 scopes.' });
    expect(check({ field: 'scopes', value: '   ' }).status).toBe('error');
    expect(check({ field: 'scopes', value: 'openid "quoted"' }).status).toBe('error');
    expect(check({ field: 'scopes', value: 'email offline_access' })).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/openid/),
    });
    expect(check({ field: 'scopes', value: 'openid email' })).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/refresh token/),
    });
  });
});
