/**
 * Why an issuer's discovery failed, in the words Connect and Add provider show: the address and
 * a cause a person can act on, never a second error code inside the sentence.
 */
import { describe, expect, it } from 'vitest';
import { discoveryProblem } from '../../src/main/core/oauth/discovery-problem.js';
import { OAuthError } from '../../src/main/core/oauth/errors.js';

const url = new URL('https://login.example.test/tenant');
const net = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });

describe('discoveryProblem', () => {
  it('names the cause of a network failure in words', () => {
    const e = new OAuthError({ code: 'network_error', description: 'Could not reach the provider.' });
    expect(discoveryProblem(url, e, net('ENOTFOUND'))).toBe('No server named login.example.test was found.');
    expect(discoveryProblem(url, e, net('ECONNREFUSED'))).toBe(
      'Nothing answered at https://login.example.test (the connection was refused).',
    );
    expect(discoveryProblem(url, e, net('CERT_HAS_EXPIRED'))).toBe(
      'The secure connection to login.example.test failed: its certificate is not trusted.',
    );
    expect(discoveryProblem(url, e, new TypeError('fetch failed'))).toBe('https://login.example.test could not be reached.');
  });

  it('says what an answer that is not a configuration means', () => {
    expect(discoveryProblem(url, new OAuthError({ code: 'invalid_request', status: 404 }), null)).toBe(
      'There is no OpenID configuration at https://login.example.test/tenant (HTTP 404): check the issuer URL.',
    );
    expect(discoveryProblem(url, new OAuthError({ code: 'server_error', status: 503 }), null)).toBe(
      'https://login.example.test/tenant is not working right now (HTTP 503).',
    );
    expect(discoveryProblem(url, new OAuthError({ code: 'timeout' }), null)).toBe(
      'https://login.example.test/tenant did not answer in time.',
    );
    expect(discoveryProblem(url, new OAuthError({ code: 'issuer_mismatch', description: 'x' }), null)).toBe(
      'The configuration at https://login.example.test/tenant names another issuer than the one entered.',
    );
    for (const code of ['network_error', 'timeout', 'server_error', 'issuer_mismatch']) {
      expect(discoveryProblem(url, new OAuthError({ code, status: 500 }), null)).not.toContain(code);
    }
  });
});
