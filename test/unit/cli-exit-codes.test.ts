import { describe, expect, it } from 'vitest';
import { KeyCustodyError, TokenStoreError } from '../../src/main/core/errors.js';
import { OAuthError, accountNotFound, configError } from '../../src/main/core/oauth/errors.js';
import { errorCodeOf, EXIT, exitCodeFor } from '../../src/main/core/exit-codes.js';
import { CliError } from '../../src/main/cli/cli-error.js';

describe('exit codes of osmen-cred', () => {
  it('are distinct and follow sysexits where one fits', () => {
    const values = Object.values(EXIT);
    expect(new Set(values).size).toBe(values.length);
    expect(EXIT).toMatchObject({ OK: 0, USAGE: 64, DATA: 65, SOFTWARE: 70, TEMPFAIL: 75, CONFIG: 78 });
  });

  it('tell needs-reauth from temporary failures and from not found', () => {
    expect(exitCodeFor(new OAuthError({ phase: 'refresh', code: 'invalid_grant', needsReauth: true }))).toBe(EXIT.NEEDS_REAUTH);
    expect(exitCodeFor(new OAuthError({ code: 'server_error', status: 503, retryable: true }))).toBe(EXIT.TEMPFAIL);
    expect(exitCodeFor(new OAuthError({ code: 'rate_limited', status: 429, retryable: true, retryAfterMs: 1000 }))).toBe(EXIT.TEMPFAIL);
    expect(exitCodeFor(new OAuthError({ code: 'network_error', retryable: true }))).toBe(EXIT.TEMPFAIL);
    // needsReauth is set on a missing account (connecting fixes it), but a script needs "not found".
    expect(exitCodeFor(accountNotFound('google'))).toBe(EXIT.NOT_FOUND);
  });

  it('tell a sign-in the person declined or let expire (3) from an unreachable provider (75) and a provider without device sign-in (78)', () => {
    expect(exitCodeFor(new OAuthError({ phase: 'authorization', code: 'access_denied' }))).toBe(EXIT.NEEDS_REAUTH);
    expect(exitCodeFor(new OAuthError({ phase: 'token', code: 'access_denied', status: 400 }))).toBe(EXIT.NEEDS_REAUTH);
    expect(exitCodeFor(new OAuthError({ phase: 'token', code: 'authorization_declined', status: 400 }))).toBe(EXIT.NEEDS_REAUTH);
    expect(exitCodeFor(new OAuthError({ phase: 'authorization', code: 'expired_token' }))).toBe(EXIT.NEEDS_REAUTH);
    expect(exitCodeFor(configError({ code: 'discovery_failed', retryable: true }))).toBe(EXIT.TEMPFAIL);
    expect(exitCodeFor(configError({ code: 'discovery_failed' }))).toBe(EXIT.CONFIG);
    expect(exitCodeFor(configError({ code: 'device_flow_unsupported' }))).toBe(EXIT.CONFIG);
    expect(exitCodeFor(configError({ code: 'provider_in_use' }))).toBe(EXIT.CONFIG);
  });

  it('map vault errors to configuration, data and temporary codes', () => {
    expect(exitCodeFor(new KeyCustodyError('KEYCHAIN_UNAVAILABLE', 'locked'))).toBe(EXIT.CONFIG);
    expect(exitCodeFor(new KeyCustodyError('KEY_MISSING', 'none'))).toBe(EXIT.CONFIG);
    expect(exitCodeFor(new TokenStoreError('KEY_MISMATCH', 'other key'))).toBe(EXIT.CONFIG);
    expect(exitCodeFor(new TokenStoreError('DB_NEWER_SCHEMA', 'newer'))).toBe(EXIT.CONFIG);
    expect(exitCodeFor(new TokenStoreError('DB_CORRUPT', 'damaged'))).toBe(EXIT.DATA);
    expect(exitCodeFor(new TokenStoreError('DECRYPT_FAILED', 'tampered'))).toBe(EXIT.DATA);
    expect(exitCodeFor(new TokenStoreError('DB_LOCKED', 'busy'))).toBe(EXIT.TEMPFAIL);
    expect(exitCodeFor(configError({ code: 'not_configured' }))).toBe(EXIT.CONFIG);
  });

  it('treat anything else as an internal error and keep the typed code for the error line', () => {
    expect(exitCodeFor(new TypeError('boom'))).toBe(EXIT.SOFTWARE);
    expect(exitCodeFor('string')).toBe(EXIT.SOFTWARE);
    expect(exitCodeFor(new CliError('X', 'usage', 'bad'))).toBe(EXIT.USAGE);
    expect(errorCodeOf(new TokenStoreError('DB_LOCKED', 'busy'))).toBe('DB_LOCKED');
    expect(errorCodeOf(new TypeError('boom'))).toBe('INTERNAL');
    expect(errorCodeOf({ code: 'evil\ncode' })).toBe('INTERNAL');
  });
});
