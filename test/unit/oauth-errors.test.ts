/**
 * OAuthErrorParser table tests: RFC 6749 §5.2 / §4.1.2.1, OIDC Core §3.1.2.6, RFC 6750
 * WWW-Authenticate, Google and Microsoft documented bodies, Retry-After, 5xx, non-JSON,
 * and conversion of openid-client's errors.
 */
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/main/core/oauth/errors.js';
import { OAuthErrorParser, parseRetryAfter, parseWwwAuthenticate } from '../../src/main/core/oauth/error-parser.js';
import { sanitizeText } from '../../src/main/core/oauth/sanitize.js';
import { GOOGLE_INVALID_RAPT, microsoftError } from '../helpers/http-fixtures.js';

const parse = OAuthErrorParser.parseErrorResponse;

describe('RFC 6749 §5.2 token errors', () => {
  it.each([
    ['invalid_request', 'configuration', false, false],
    ['invalid_client', 'configuration', false, false],
    ['invalid_grant', 'reauth', true, false],
    ['unauthorized_client', 'configuration', false, false],
    ['unsupported_grant_type', 'configuration', false, false],
    ['invalid_scope', 'configuration', false, false],
  ] as const)('%s (refresh) → %s, needsReauth=%s, retryable=%s', (code, category, reauth, retryable) => {
    const e = parse({ error: code, error_description: 'x' }, { status: 400, phase: 'refresh', provider: 'p' });
    expect(e).toBeInstanceOf(OAuthError);
    expect(e).toMatchObject({ name: 'OAuthError', phase: 'refresh', category });
    expect(e).toMatchObject({ code, needsReauth: reauth, retryable, status: 400, provider: 'p', description: 'x' });
  });

  it('invalid_grant at code exchange keeps its phase', () => {
    expect(parse({ error: 'invalid_grant' }, { status: 400, phase: 'token' })).toMatchObject({ phase: 'token', category: 'reauth' });
  });
  it('without a phase: invalid_client → configuration, access_denied → sign in again, invalid_token → internal', () => {
    const bare = (code: string) => parse({ error: code });
    expect(bare('invalid_client')).toMatchObject({ category: 'configuration' });
    expect(bare('invalid_client').phase).toBeUndefined();
    expect(bare('access_denied')).toMatchObject({ category: 'reauth' });
    expect(bare('invalid_token')).toMatchObject({ code: 'invalid_token', category: 'internal' });
  });
});

describe('RFC 6749 §4.1.2.1 and OIDC §3.1.2.6 authorization errors', () => {
  it.each([
    ['access_denied', false, false, 'reauth'],
    ['unsupported_response_type', false, false, 'configuration'],
    ['server_error', false, true, 'transient'],
    ['temporarily_unavailable', false, true, 'transient'],
    ['interaction_required', true, false, 'reauth'],
    ['login_required', true, false, 'reauth'],
    ['account_selection_required', true, false, 'reauth'],
    ['consent_required', true, false, 'reauth'],
    ['invalid_request_uri', false, false, 'configuration'],
    ['invalid_request_object', false, false, 'configuration'],
    ['request_not_supported', false, false, 'configuration'],
    ['request_uri_not_supported', false, false, 'configuration'],
    ['registration_not_supported', false, false, 'configuration'],
  ] as const)('%s', (code, reauth, retryable, category) => {
    const e = parse({ error: code }, { phase: 'authorization' });
    expect(e).toMatchObject({ code, phase: 'authorization', category, needsReauth: reauth, retryable });
  });

  it('interaction_required / consent_required on refresh need re-auth', () => {
    for (const code of ['interaction_required', 'consent_required', 'login_required', 'access_denied']) {
      const e = parse({ error: code }, { status: 400, phase: 'refresh' });
      expect(e).toMatchObject({ phase: 'refresh', category: 'reauth', needsReauth: true });
    }
  });
});

describe('RFC 6750 WWW-Authenticate', () => {
  it('parses the challenge parameters', () => {
    expect(parseWwwAuthenticate('Bearer realm="example", error="invalid_token", error_description="The access token expired"')).toEqual({
      realm: 'example',
      error: 'invalid_token',
      error_description: 'The access token expired',
    });
    expect(parseWwwAuthenticate('Basic realm="x"')).toBeUndefined();
  });
  it('401 invalid_token from a resource server', () => {
    const e = parse('', {
      status: 401,
      phase: 'resource',
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="expired"' },
    });
    expect(e).toMatchObject({ code: 'invalid_token', phase: 'resource', description: 'expired', status: 401, needsReauth: false });
  });
  it('403 insufficient_scope names the scope', () => {
    const e = parse(undefined, {
      status: 403,
      phase: 'resource',
      headers: new Headers({ 'www-authenticate': 'Bearer error="insufficient_scope", scope="mail.read"' }),
    });
    expect(e).toMatchObject({ code: 'insufficient_scope', phase: 'resource' });
    expect(e.description).toContain('mail.read');
  });
  it('a bare 401 without a body at the token endpoint is a client authentication failure', () => {
    expect(parse('', { status: 401, phase: 'refresh' })).toMatchObject({ code: 'invalid_client', category: 'configuration' });
  });
});

describe('Google', () => {
  it('invalid_grant + error_subtype invalid_rapt → re-auth, subtype kept', () => {
    const e = parse(GOOGLE_INVALID_RAPT, { status: 400, phase: 'refresh', provider: 'google' });
    expect(e).toMatchObject({ code: 'invalid_grant', needsReauth: true, providerCodes: ['invalid_rapt'] });
  });
  it('plain invalid_grant "Token has been expired or revoked." → re-auth', () => {
    expect(
      parse('{"error":"invalid_grant","error_description":"Token has been expired or revoked."}', { status: 400, phase: 'refresh' })
        .needsReauth,
    ).toBe(true);
  });
});

describe('Microsoft identity platform (AADSTS)', () => {
  it.each([
    [50076, 'interaction_required', 'reauth'],
    [50079, 'interaction_required', 'reauth'],
    [50158, 'interaction_required', 'reauth'],
    [65001, 'invalid_grant', 'reauth'],
    [65004, 'access_denied', 'reauth'],
    [70008, 'invalid_grant', 'reauth'],
    [700082, 'invalid_grant', 'reauth'],
    [50173, 'invalid_grant', 'reauth'],
    [700084, 'invalid_grant', 'reauth'],
    [70000, 'invalid_grant', 'reauth'],
    [53003, 'access_denied', 'reauth'],
    [50058, 'invalid_grant', 'reauth'],
    [7000215, 'invalid_client', 'config'],
    [700016, 'unauthorized_client', 'config'],
    [50011, 'invalid_request', 'config'],
    [70011, 'invalid_scope', 'config'],
    // An MFA challenge is reported as invalid_grant-ish text but AADSTS decides: re-auth.
    [50076, 'invalid_request', 'reauth'],
    // A config number wins over the generic invalid_grant.
    [7000215, 'invalid_grant', 'config'],
  ] as const)('AADSTS%i (%s) → %s', (n, error, kind) => {
    const e = parse(microsoftError(error, n, 'Some documented text.'), { status: 400, phase: 'refresh', provider: 'microsoft' });
    expect(e.providerCodes).toContain(`AADSTS${n}`);
    expect(e.needsReauth).toBe(kind === 'reauth');
    expect(e.retryable).toBe(false);
    expect(e).toMatchObject({ phase: 'refresh', category: kind === 'config' ? 'configuration' : 'reauth' });
    // Trace ids are kept for support; the description is capped.
    expect(e.description).toContain('0000aaaa-11bb-cccc-dd22-eeeeee333333');
    expect(e.description.length).toBeLessThanOrEqual(300);
  });

  it('reads AADSTS from the description when error_codes is missing, and keeps suberror', () => {
    const e = parse(
      {
        error: 'invalid_grant',
        error_description: 'AADSTS700082: The refresh token has expired due to inactivity.',
        suberror: 'bad_token',
      },
      { status: 400, phase: 'refresh' },
    );
    expect(e.providerCodes).toEqual(['AADSTS700082', 'bad_token']);
    expect(e.needsReauth).toBe(true);
  });

  it('429 throttling with Retry-After', () => {
    const e = parse(
      microsoftError('temporarily_unavailable', 50196, 'The server terminated an operation because it encountered a client request loop.'),
      {
        status: 429,
        headers: { 'Retry-After': '30' },
        phase: 'refresh',
      },
    );
    expect(e).toMatchObject({ category: 'transient', retryable: true, retryAfterMs: 30_000, needsReauth: false });
  });
});

describe('HTTP status, Retry-After, bodies that are not OAuth JSON', () => {
  it('Retry-After: seconds, HTTP-date, garbage, past dates, cap', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('99999999', now)).toBe(24 * 3600 * 1000);
  });

  it('429 without a body', () => {
    const e = parse('', { status: 429, headers: { 'retry-after': '7' } });
    expect(e).toMatchObject({ code: 'rate_limited', category: 'transient', retryAfterMs: 7000, retryable: true });
  });

  it('5xx with an HTML page: retryable server error, page title as description, no markup', () => {
    const e = parse('<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><script>x()</script></body></html>', {
      status: 502,
      phase: 'refresh',
    });
    expect(e).toMatchObject({ code: 'server_error', category: 'transient', retryable: true, needsReauth: false, status: 502 });
    expect(e.description).toContain('502 Bad Gateway');
    expect(e.description).not.toContain('<');
  });

  it('5xx with an OAuth body keeps the code; 503 temporarily_unavailable honours Retry-After', () => {
    const e = parse({ error: 'temporarily_unavailable' }, { status: 503, headers: { 'retry-after': '60' }, phase: 'refresh' });
    expect(e).toMatchObject({ code: 'temporarily_unavailable', category: 'transient', retryable: true, retryAfterMs: 60_000 });
  });

  it('empty body / plain text / JSON string / form-encoded / bytes', () => {
    expect(parse(undefined, { status: 500 })).toMatchObject({ code: 'server_error', retryable: true });
    expect(parse('', {})).toMatchObject({ code: 'unknown_error' });
    expect(parse('Internal error', { status: 400 })).toMatchObject({ code: 'invalid_response', description: 'Internal error' });
    expect(parse('{"error":"invalid_scope"}', { status: 400 })).toMatchObject({ category: 'configuration' });
    expect(parse('error=invalid_grant&error_description=gone', { status: 400, phase: 'refresh' })).toMatchObject({
      code: 'invalid_grant',
      needsReauth: true,
    });
    expect(parse(new TextEncoder().encode('{"error":"access_denied"}'), { phase: 'authorization' })).toMatchObject({
      code: 'access_denied',
      phase: 'authorization',
    });
    expect(parse('{not json', { status: 400 })).toMatchObject({ code: 'invalid_response' });
  });
});

describe('no secrets in messages', () => {
  it('sanitizeText removes token-like material, caps length and keeps GUIDs', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const text = `bad ${jwt} ya29.A0ARrdaM-secret 1//0gRefreshSecret GOCSPX-abc123 Bearer abc.def refresh_token=r1 client_secret: s3 ${'A'.repeat(40)} 0000aaaa-11bb-cccc-dd22-eeeeee333333`;
    const out = sanitizeText(text);
    for (const s of [jwt, 'ya29.', '1//0g', 'GOCSPX-', 'abc.def', 'r1', 's3', 'A'.repeat(40)]) expect(out).not.toContain(s);
    expect(out).toContain('0000aaaa-11bb-cccc-dd22-eeeeee333333');
    expect(sanitizeText('x'.repeat(1000)).length).toBeLessThanOrEqual(300);
    expect(sanitizeText('contains the-exact-secret here', ['the-exact-secret'])).toBe('contains [redacted] here');
  });

  it('error messages and descriptions are sanitized', () => {
    const e = parse(
      { error: 'invalid_grant', error_description: 'refresh token 1//0gSECRETSECRET is invalid; access_token=ya29.XYZ' },
      { status: 400, phase: 'refresh' },
    );
    expect(e.message).not.toContain('SECRET');
    expect(e.message).not.toContain('ya29.XYZ');
    expect(e.description).not.toContain('SECRET');
  });

  it('the error code itself is server text: an echoed token, an oversized or malformed code is not kept', () => {
    const rt = 'opaque-RT-canary-7f3a';
    const echoed = OAuthErrorParser.parseErrorResponse(
      { error: rt, error_subtype: rt, suberror: 'ya29.canary-access' },
      { status: 400, phase: 'refresh', secrets: [rt] },
    );
    expect(echoed.code).toBe('invalid_error_code');
    expect(JSON.stringify({ ...echoed, message: echoed.message })).not.toMatch(/canary/);
    const huge = OAuthErrorParser.parseErrorResponse({ error: 'x'.repeat(5000) }, { status: 400, phase: 'refresh' });
    expect(huge.code).toBe('invalid_error_code');
    expect(huge.message.length).toBeLessThan(400);
    const forged = OAuthErrorParser.parseErrorResponse({ error: 'invalid_grant\nFAKE LOG LINE' }, { status: 400, phase: 'refresh' });
    expect(forged.code).toBe('invalid_error_code');
    // Ordinary codes and subtypes are untouched.
    expect(OAuthErrorParser.parseErrorResponse({ error: 'invalid_grant', error_subtype: 'invalid_rapt' }, { status: 400 })).toMatchObject({
      code: 'invalid_grant',
      providerCodes: ['invalid_rapt'],
    });
  });

  it('toLogDetails holds scalars only, no description', () => {
    const e = parse(microsoftError('invalid_grant', 70008, 'expired'), { status: 400, phase: 'refresh' });
    const d = e.toLogDetails();
    expect(Object.values(d).every((v) => ['string', 'number', 'boolean'].includes(typeof v))).toBe(true);
    expect(d).toMatchObject({ error: 'invalid_grant', providerCodes: 'AADSTS70008', needsReauth: true });
  });
});

describe('openid-client errors → hierarchy', () => {
  it('ResponseBodyError (via a real openid-client call against a fake fetch)', async () => {
    const config = new oidc.Configuration({ issuer: 'https://as.example', token_endpoint: 'https://as.example/token' }, 'c');
    config[oidc.customFetch] = async () =>
      new Response(JSON.stringify(microsoftError('invalid_grant', 50173, 'The provided grant has expired due to it being revoked.')), {
        status: 400,
        headers: { 'content-type': 'application/json' },
      });
    const err = await oidc.refreshTokenGrant(config, 'rt-secret-value').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(oidc.ResponseBodyError);
    const e = await OAuthErrorParser.fromError(err, { phase: 'refresh', provider: 'microsoft', secrets: ['rt-secret-value'] });
    expect(e).toMatchObject({ code: 'invalid_grant', phase: 'refresh', needsReauth: true, providerCodes: ['AADSTS50173'], status: 400 });
  });

  it('WWWAuthenticateChallengeError', async () => {
    const config = new oidc.Configuration({ issuer: 'https://as.example', token_endpoint: 'https://as.example/token' }, 'c');
    config[oidc.customFetch] = async () =>
      new Response('', {
        status: 401,
        headers: { 'www-authenticate': 'Bearer error="invalid_client", error_description="unknown client"' },
      });
    const err = await oidc.refreshTokenGrant(config, 'rt').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
    const e = await OAuthErrorParser.fromError(err, { phase: 'refresh' });
    expect(e).toMatchObject({ code: 'invalid_client', category: 'configuration', status: 401, description: 'unknown client' });
  });

  it('a 503 HTML page (ClientError with the Response as cause) keeps status and Retry-After', async () => {
    const config = new oidc.Configuration({ issuer: 'https://as.example', token_endpoint: 'https://as.example/token' }, 'c');
    config[oidc.customFetch] = async () =>
      new Response('<html><title>Down for maintenance</title></html>', {
        status: 503,
        headers: { 'content-type': 'text/html', 'retry-after': '45' },
      });
    const err = await oidc.refreshTokenGrant(config, 'rt').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(oidc.ClientError);
    const e = await OAuthErrorParser.fromError(err, { phase: 'refresh' });
    expect(e).toMatchObject({ category: 'transient', status: 503, retryable: true, retryAfterMs: 45_000 });
    expect(e.description).toContain('Down for maintenance');
  });

  it('network failures, timeouts and aborts', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    });
    const n = await OAuthErrorParser.fromError(refused, { provider: 'p' });
    expect(n).toMatchObject({ category: 'transient', retryable: true, code: 'network_error' });
    expect(n.description).toContain('ECONNREFUSED');
    expect(await OAuthErrorParser.fromError(new DOMException('t', 'TimeoutError'))).toMatchObject({
      code: 'timeout',
      category: 'transient',
    });
    expect(await OAuthErrorParser.fromError(new DOMException('a', 'AbortError'))).toMatchObject({ code: 'cancelled', category: 'usage' });
    // A programming TypeError is not a network error.
    expect(await OAuthErrorParser.fromError(new TypeError('x is not a function'))).toMatchObject({
      code: 'unknown_error',
      category: 'internal',
    });
  });

  it('AuthorizationResponseError from a callback with error=access_denied', async () => {
    const config = new oidc.Configuration({ issuer: 'https://as.example', token_endpoint: 'https://as.example/token' }, 'c');
    const err = await oidc
      .authorizationCodeGrant(config, new URL('http://127.0.0.1:1/callback?error=access_denied&error_description=no&state=s'), {
        expectedState: 's',
        pkceCodeVerifier: 'v'.repeat(43),
      })
      .catch((e: unknown) => e);
    const e = await OAuthErrorParser.fromError(err, {});
    expect(e).toMatchObject({ code: 'access_denied', phase: 'authorization', category: 'reauth', description: 'no', needsReauth: false });
  });
});
