/**
 * What a finished sign-in says outside the app: the page the browser shows when the redirect
 * comes back and the sign-in did not work, and the level its log entry gets. The page speaks
 * as the app does (the sentences of the renderer's advice table for these codes, tested to
 * match), never with a bare error code: the app window says the rest, with the code.
 */
import type { SecurityLogEntry } from '../contracts/security-log.js';
import type { OAuthError } from './errors.js';
import { page } from './loopback-listener.js';

const NOT_GRANTED = 'Access was not granted on the provider’s page.';

/** Title and sentence of the browser's result page, per error code. */
export const SIGN_IN_RESULT_TEXT: Readonly<Record<string, { title: string; message: string }>> = {
  access_denied: { title: 'Not signed in', message: `${NOT_GRANTED} Return to the app and connect again when you want to allow it.` },
  authorization_declined: {
    title: 'Not signed in',
    message: `${NOT_GRANTED} Return to the app and connect again when you want to allow it.`,
  },
  account_mismatch: {
    title: 'Not signed in',
    message:
      'You signed in as a different account than the one you were reconnecting. Nothing was changed: return to the app and reconnect as that account.',
  },
  account_conflict: {
    title: 'Not signed in',
    message:
      'Another account with the same e-mail address is already connected for this provider. Nothing was changed: return to the app to see what to do.',
  },
  invalid_id_token: {
    title: 'Sign-in failed',
    message:
      'The provider’s sign-in answer failed the security checks. Check that this computer’s clock is right, then connect again from the app.',
  },
  cancelled: { title: 'Sign-in cancelled', message: 'The sign-in was cancelled in the app. You can close this tab.' },
};

const OTHER = {
  title: 'Sign-in failed',
  message: 'The app could not finish signing in. Return to the app: it says what went wrong and what to do next.',
};

/** The browser's page for a sign-in that ended with `code`. */
export function signInFailedPage(code: string): string {
  const text = Object.hasOwn(SIGN_IN_RESULT_TEXT, code) ? SIGN_IN_RESULT_TEXT[code]! : OTHER;
  return page(text.title, text.message);
}

/**
 * The log level of a sign-in that did not connect: the person's own cancel (in the app, in the
 * browser or on another device alike) is information, anything else the usual failure level.
 */
export function connectLogLevel(e: OAuthError): SecurityLogEntry['level'] | undefined {
  return e.code === 'cancelled' ? 'info' : undefined;
}
