/**
 * The few codes that read differently where they happened (errors/advice.ts): after a refresh
 * nobody was signing in and the app retries on its own; after a sign-in it was the person's own
 * time that ran out.
 */
import { a, type Advice } from './advice-shape';

/** What to do while the app retries a refresh on its own. */
export const RETRYING = 'Nothing to do: the app retries on its own. Press Refresh now to try at once.';

/** Codes that read differently after a refresh: nobody was signing in, and the app retries. */
export const AFTER_REFRESH: Readonly<Record<string, Advice>> = {
  timeout: a('The provider did not answer in time.', RETRYING, 'refresh'),
  cancelled: a('The refresh was stopped before it finished (the app was closing or the account changed).', RETRYING, 'refresh'),
  invalid_response: a(
    'The provider sent an answer the app could not use.',
    `${RETRYING} If it keeps happening, check the provider’s status page.`,
    'refresh',
  ),
  client_error: a('The request to the provider failed.', `${RETRYING} If it keeps happening, run the Health checks.`, 'refresh'),
  unknown_error: a(
    'The request to the provider failed for an unknown reason.',
    `${RETRYING} If it keeps happening, run the Health checks.`,
    'refresh',
  ),
  invalid_error_code: a('The provider answered with an error the app does not know.', RETRYING, 'refresh'),
  invalid_id_token: a(
    'The provider’s answer failed the security checks.',
    'Check that this computer’s clock is right; the app retries on its own.',
    'refresh',
  ),
};

/** Codes that read differently after a sign-in: it was the person's own time that ran out. */
export const AFTER_SIGN_IN: Readonly<Record<string, Advice>> = {
  timeout: a('The sign-in was not finished in time.', 'Connect again when you are ready.', 'connect'),
};
