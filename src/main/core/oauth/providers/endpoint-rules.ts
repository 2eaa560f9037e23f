/** The rules every provider endpoint passes, and the refusal of an issuer an account was not bound to. */
import { configError, type OAuthError } from '../errors.js';
import { checkEndpointUrl } from '../loopback.js';

export function validateUrl(value: string, what: string, provider: string): URL {
  const r = checkEndpointUrl(value);
  if (!r.ok) throw configError({ code: 'insecure_endpoint', description: `${what}: ${r.reason}`, provider });
  return r.url;
}

/**
 * An account's tokens go only to the issuer it was connected at: a provider re-pointed since
 * (an edited settings file, a custom provider re-added elsewhere) is refused, never used.
 */
export function issuerMismatch(provider: string, bound: string, current: string | null): OAuthError {
  return configError({
    code: 'issuer_mismatch',
    description:
      `The account was connected at ${bound}, but provider "${provider}" now points at ${current ?? 'no issuer'}. ` +
      "Its tokens were not sent there. Restore the provider's original issuer, or disconnect the account and connect it again.",
    provider,
  });
}
