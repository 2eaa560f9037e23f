/**
 * Advice for codes that providers send beyond RFC 6749 (a plain OAuth 2.0 provider's own names
 * for a dead refresh token or wrong client credentials) and for a provider that can't mint a
 * token for fewer scopes. Worded without naming a provider: the code's provider is shown beside
 * it. Merged into the one table in advice.ts.
 */
import { a, type Advice } from './advice-shape';

export const PROVIDER_CODE_ADVICE: Readonly<Record<string, Advice>> = {
  bad_refresh_token: a(
    'This account needs you to sign in again: the provider no longer accepts its refresh token.',
    'Reconnect it. Programs that use this account get no token until then.',
    'reconnect',
  ),
  incorrect_client_credentials: a(
    'The provider did not accept this app’s client id or secret.',
    'Check the client id and secret in Settings → Providers (Health shows which setting).',
    'health',
  ),
  redirect_uri_mismatch: a(
    'The provider refused the app’s redirect address.',
    'Register http://127.0.0.1/callback as the callback URL of the app at the provider.',
    'health',
  ),
  bad_verification_code: a('The sign-in code was not accepted (expired, used already or mistyped).', 'Connect again.', 'connect'),
  incorrect_device_code: a('The sign-in code was not accepted (expired, used already or mistyped).', 'Connect again.', 'connect'),
  unverified_user_email: a(
    'The provider wants the account’s primary e-mail address verified first.',
    'Verify it in the account’s settings at the provider, then connect again.',
    'connect',
  ),
  narrowing_unsupported: a(
    'This provider can’t issue a token for fewer scopes than the account holds.',
    'Ask for all of the account’s scopes, or connect an account with only the scopes wanted.',
    'none',
    true,
  ),
};
