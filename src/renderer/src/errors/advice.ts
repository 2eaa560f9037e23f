/**
 * The one table from error code to plain language: what happened, and what
 * to do next. Account cards, Connect, the log and the locked-vault screen all
 * read it, so a code reads the same everywhere; the raw code is shown small,
 * once, next to it. A few codes mean something else after a refresh than after a
 * sign-in (a timeout, a cancel): the place that shows the error says which it was
 * (`AdviceContext`), so a refresh is never worded as a sign-in and never asks for
 * "Try again" while the app retries on its own. Unit-tested in
 * test/unit/renderer-advice.test.ts.
 */

import { a, type Advice, type AdviceContext } from './advice-shape';
import { CONSENT_ADVICE } from './consent-advice';
import { PROVIDER_CODE_ADVICE } from './provider-code-advice';
import { AFTER_REFRESH, AFTER_SIGN_IN, RETRYING } from './context-advice';

export type { Advice, AdviceAction, AdviceContext } from './advice-shape';

const SIGN_IN_AGAIN = a(
  'This account needs you to sign in again.',
  'Reconnect it. Programs that use this account get no token until then.',
  'reconnect',
);
const PROVIDER_DOWN = a(
  'The provider is temporarily unavailable.',
  'Nothing to do: the app retries on its own. Press Refresh now to try at once.',
  'refresh',
);
const APP_FAULT = a('Something went wrong inside the app.', 'Try again. If it keeps happening, quit and start the app again.');
const KEY_DOES_NOT_FIT = a(
  'The master key does not open the stored tokens.',
  'Restore the original key (from your password manager or backup) and press Retry. Without it the tokens cannot be recovered: move tokens.db aside and connect your accounts again.',
  'retry',
);

const TABLE: Readonly<Record<string, Advice>> = {
  // ------------------------------------------------ sign in again
  invalid_grant: a(
    'The sign-in for this account expired or was revoked at the provider.',
    'Reconnect it. Programs that use this account get no token until then.',
    'reconnect',
  ),
  interaction_required: a(
    'The provider wants you to confirm your sign-in (for example with a second factor).',
    'Reconnect it and complete the check in the browser.',
    'reconnect',
  ),
  login_required: SIGN_IN_AGAIN,
  consent_required: a('The provider needs you to approve access again.', 'Reconnect it and approve access in the browser.', 'reconnect'),
  account_selection_required: a(
    'The provider needs you to pick the account again.',
    'Reconnect it and choose the account in the browser.',
    'reconnect',
  ),
  needs_reauth: SIGN_IN_AGAIN,
  invalid_token: SIGN_IN_AGAIN,
  insufficient_scope: a(
    'The provider did not grant a permission this account needs.',
    'Reconnect it and allow every requested permission.',
    'reconnect',
  ),
  account_not_found: a('This account is not stored here any more.', 'Connect it again from Connect.', 'connect'),
  access_denied: a(
    'Access was not granted on the provider’s page.',
    'Connect again and choose Allow (or Continue) on the consent page.',
    'connect',
  ),
  // ------------------------------------------------ transient
  server_error: PROVIDER_DOWN,
  temporarily_unavailable: PROVIDER_DOWN,
  slow_down: a('The provider asked the app to slow down.', 'Nothing to do: the app waits and retries on its own.'),
  rate_limited: a('The provider asked the app to slow down.', 'Nothing to do: the app waits and retries on its own.'),
  network_error: a(
    'The provider could not be reached.',
    'Check your internet connection (and VPN or proxy). The app retries on its own.',
    'refresh',
  ),
  timeout: a('The provider did not answer in time.', 'Try again in a moment.'),
  lease_contention: a(
    'Another program (osmen-cred or a second copy of the app) is refreshing this account right now.',
    'Nothing to do: the account is up to date in a moment.',
  ),
  refresh_failing: a('Refreshing this account keeps failing.', 'The app retries on its own; press Refresh now to try at once.', 'refresh'),
  token_expired: a(
    'The access token expired and could not be renewed yet.',
    'The app retries on its own; press Refresh now to try at once. If it keeps failing, reconnect the account.',
    'refresh',
  ),
  invalid_response: a(
    'The provider sent an answer the app could not use.',
    'Try again later; if it keeps happening, check the provider’s status page.',
    'refresh',
  ),
  client_error: a('The request to the provider failed.', 'Try again later; if it keeps happening, run the Health checks.', 'health'),
  unknown_error: a(
    'The request to the provider failed for an unknown reason.',
    'Try again later; if it keeps happening, run the Health checks.',
    'health',
  ),
  invalid_error_code: a('The provider answered with an error the app does not know.', 'Try again later.'),
  shutting_down: a('The app is closing.', 'Try again after it has started again.'),
  // ------------------------------------------------ connect
  cancelled: a('Sign-in was cancelled.', 'Connect again when you are ready.', 'connect'),
  authorization_declined: a(
    'Access was not granted on the provider’s page.',
    'Connect again and choose Allow (or Continue) on the consent page.',
    'connect',
  ),
  expired_token: a(
    'The sign-in code expired before the sign-in was finished.',
    'Connect again for a new code, and enter it within the time shown.',
    'connect',
  ),
  device_flow_unsupported: a(
    'This provider does not offer signing in on another device.',
    'Sign in with the browser on this computer instead.',
    'connect',
  ),
  invalid_device_response: a(
    'The provider sent a sign-in code the app will not show.',
    'Sign in with the browser instead; if it keeps happening, check the provider’s status page.',
    'none',
    true,
  ),
  browser_failed: a(
    'The browser could not be opened for signing in.',
    'Use “Copy sign-in link” and paste it into your browser, or set a default browser and try again.',
  ),
  account_mismatch: a(
    'You signed in as a different account than the one you were reconnecting.',
    'Reconnect again and sign in as this account; nothing was changed.',
    'reconnect',
  ),
  account_conflict: a(
    'Another account with the same e-mail address is already connected for this provider.',
    'Disconnect that account first, then connect this one. Nothing was changed.',
  ),
  no_identity: a(
    'The provider did not say which account signed in.',
    'Add the “openid” and “email” scopes to this provider, then connect again.',
  ),
  store_failed: a('The account could not be saved.', 'Try again; if it keeps happening, run the Health checks.', 'health'),
  invalid_id_token: a(
    'The provider’s sign-in answer failed the security checks.',
    'Check that this computer’s clock is right, then connect again.',
  ),
  // ------------------------------------------------ provider configuration
  invalid_client: a(
    'The provider did not accept this app’s client id or secret.',
    'Check the client id and secret (Health shows which setting), then restart the app.',
    'health',
  ),
  unauthorized_client: a(
    'The provider does not let this app sign in this way.',
    'In the provider’s console allow the authorization code flow (Microsoft: “Allow public client flows” = Yes).',
    'health',
  ),
  unsupported_grant_type: a(
    'The provider does not support refreshing for this app.',
    'Check the app registration in the provider’s console.',
    'health',
  ),
  invalid_scope: a(
    'The provider refused one of the requested permissions (scopes).',
    'Correct or remove that scope, or enable it in the provider’s console.',
    'health',
  ),
  invalid_request: a(
    'The provider rejected the sign-in request.',
    'Check the redirect URI registered at the provider (http://127.0.0.1/callback); Health lists the details.',
    'health',
  ),
  invalid_request_uri: a(
    'The provider rejected the sign-in request.',
    'Check this provider’s settings; Health lists the details.',
    'health',
  ),
  invalid_request_object: a(
    'The provider rejected the sign-in request.',
    'Check this provider’s settings; Health lists the details.',
    'health',
  ),
  request_not_supported: a('The provider does not support this kind of sign-in request.', 'Check this provider’s settings.', 'health'),
  request_uri_not_supported: a('The provider does not support this kind of sign-in request.', 'Check this provider’s settings.', 'health'),
  registration_not_supported: a(
    'The provider does not support registering the app this way.',
    'Register the app in the provider’s console.',
    'health',
  ),
  invalid_client_metadata: a(
    'The provider rejected the app’s registration details.',
    'Check the app registration in the provider’s console.',
    'health',
  ),
  unsupported_response_type: a(
    'The provider does not allow the sign-in type the app uses.',
    'Enable the authorization code flow for this app in the provider’s console.',
    'health',
  ),
  unsupported_token_type: a(
    'The provider could not revoke this kind of token.',
    'The tokens were deleted here; revoke the app’s access in your provider account page if needed.',
  ),
  revocation_unsupported: a(
    'This provider cannot revoke tokens from the app.',
    'The tokens were deleted here; to end access everywhere, remove the app in your provider account page.',
  ),
  invalid_redirect_uri: a(
    'The provider does not accept the app’s redirect address.',
    'Register http://127.0.0.1/callback for this app in the provider’s console.',
    'health',
  ),
  not_configured: a(
    'This provider is not set up yet.',
    'Add its client id (Health shows the setting), then restart the app.',
    'health',
    true,
  ),
  unknown_provider: a('This provider is no longer set up in the app.', 'Add it again in Connect, or disconnect the account.'),
  discovery_failed: a(
    'The provider’s configuration could not be loaded.',
    'Check the issuer URL and your connection, then try again.',
    'none',
    true,
  ),
  insecure_endpoint: a(
    'The provider uses an insecure http:// address.',
    'Use its https:// address (http:// works only on this computer).',
    'none',
    true,
  ),
  invalid_provider: a('The provider settings are not valid.', 'Correct them and try again.', 'none', true),
  invalid_provider_id: a('That provider ID is not valid.', 'Use 1–40 lower-case letters, digits, “_” or “-”.', 'none', true),
  provider_id_taken: a('That provider ID is already in use.', 'Choose another ID.', 'none', true),
  provider_exists: a(
    'A provider with that ID exists already, so nothing was added or overwritten.',
    'Choose another ID, or edit the existing provider in Settings → Providers.',
    'none',
    true,
  ),
  issuer_in_use: a(
    'Accounts are connected at this provider’s current issuer, so it can’t point somewhere else.',
    'Disconnect them first, or add the new issuer as another provider; nothing was changed.',
    'none',
    true,
  ),
  invalid_client_id: a(
    'That client id is not in the form this provider issues.',
    'Correct it as described; nothing was saved.',
    'none',
    true,
  ),
  provider_builtin: a('Built-in providers can’t be removed.', 'Leave their client id unset if you don’t use them.'),
  provider_in_use: a(
    'Accounts are still connected through this provider.',
    'Disconnect them first, then remove the provider.',
    'none',
    true,
  ),
  client_secret_required: a(
    'Signing in through the browser needs this provider’s client secret, and the app has none.',
    'Enter the client secret in Settings → Providers, or sign in on another device instead.',
    'none',
    true,
  ),
  unknown_option: a('That provider has no such setting.', 'Check the provider’s settings in Settings → Providers.', 'none', true),
  // A provider option's own check (invalid_<option>): the message says what the option accepts.
  invalid_tenant: a('That value is not one the provider accepts for this setting.', 'Correct it as the message says.', 'none', true),
  issuer_mismatch: a(
    'This account was connected at a different server than its provider points to now, so its tokens were not sent.',
    'Restore the provider’s original issuer, or disconnect the account and connect it again.',
    'none',
    true,
  ),
  // ------------------------------------------------ the vault
  VAULT_LOCKED: a('The credential vault is locked.', 'Unlock it from the locked screen (Retry), or quit and start the app again.', 'retry'),
  KEYCHAIN_UNAVAILABLE: a(
    'The system keychain could not be reached, so the master key is not available.',
    'Unlock your keychain (Keychain Access, Credential Manager, GNOME Keyring or KWallet) and press Retry. Do not make a new key for an existing vault: it cannot open the stored tokens.',
    'retry',
    true,
  ),
  KEY_MISSING: a(
    'The master key for the stored tokens is missing from the keychain.',
    'Restore the key from your backup into the keychain (or set OAUTH_ENCRYPTION_KEY) and press Retry. To start over instead, move tokens.db aside.',
    'retry',
    true,
  ),
  KEY_MALFORMED: a(
    'OAUTH_ENCRYPTION_KEY is set, but it is not a valid key.',
    'Correct it (or unset it to use the keychain), then quit and start the app again. The command osmen-cred keygen makes a new key — only for an empty vault.',
    'quit',
  ),
  KEY_MISMATCH: KEY_DOES_NOT_FIT,
  DECRYPT_FAILED: KEY_DOES_NOT_FIT,
  UNKNOWN_KEY_ID: a(
    'The tokens were re-encrypted under a new key that this window does not have yet.',
    'Press Retry (or restart the app) to load the new key from the keychain.',
    'retry',
  ),
  CIPHERTEXT_MALFORMED: a(
    'A stored token is damaged.',
    'Disconnect and connect the account again; if several are affected, run the Health checks.',
    'health',
  ),
  DB_CORRUPT: a(
    'The token database is damaged.',
    'Quit, move tokens.db aside (or restore it from a backup), start the app again and reconnect your accounts.',
    'quit',
  ),
  DB_LOCKED: a(
    'The token database is busy: another program holds it.',
    'Wait for osmen-cred or the other copy of the app to finish, then press Retry.',
    'retry',
  ),
  DB_NEWER_SCHEMA: a(
    'The token database was written by a newer version of the app.',
    'Install that version; this one cannot open the database safely.',
    'quit',
  ),
  DB_OPEN_FAILED: a(
    'The data folder or the token database could not be opened.',
    'Check that the data folder (~/.osmen) is yours and the disk is not full, then press Retry.',
    'retry',
    true,
  ),
  INVALID_TOKEN_RESPONSE: a(
    'The provider’s answer held no usable token.',
    'Try again; if it keeps happening, run the Health checks.',
    'health',
  ),
  DISK_FULL: a(
    'The disk is full, so the token database cannot be written.',
    'Free some disk space. Tokens the provider already issued are kept and saved as soon as there is room — keep the app running meanwhile.',
    'retry',
  ),
  NO_VAULT: a('There is no vault in this data folder yet.', 'Connect an account to create it.', 'connect', true),
  NO_ACCOUNT: a('That account is not in the vault (any more).', 'Connect it again if you still need it.', 'connect'),
  INVALID_ID: a(
    'A provider or account name contains characters that are not allowed.',
    'Use plain text without control characters.',
    'none',
    true,
  ),
  CLOSED: a('The vault was closed because the app is shutting down.', 'Start the app again.'),
  EMPTY_INPUT: a('There was nothing to store.', 'Try again; if it keeps happening, run the Health checks.', 'health'),
  // ------------------------------------------------ the security log
  LOCK_TIMEOUT: a('The security log is busy: another OsMEN program is writing to it.', 'Try again in a moment.', 'retry'),
  WRITE_FAILED: a(
    'The security log could not be written.',
    'Check that the data folder is yours and the disk is not full; the Health checks say more.',
    'health',
    true,
  ),
  ANCHOR_FAILED: a(
    'The security log’s anchor in the vault could not be updated.',
    'Check that the disk is not full, then try again.',
    'retry',
    true,
  ),
  ANCHOR_UNREADABLE: a(
    'The security log’s anchor in the vault is unreadable: it was edited or damaged.',
    'Run the Health checks; if the log was not restored on purpose, treat the data folder as tampered with.',
    'health',
  ),
  ANCHOR_REGRESSION: a(
    'The security log is older than the vault remembers: it was rolled back.',
    'Run the Health checks; if you did not restore an old copy yourself, treat the data folder as tampered with.',
    'health',
  ),
  BAD_OPTIONS: a('The security log can’t be exported onto one of its own files.', 'Choose another file name or folder.', 'none', true),
  // ------------------------------------------------ the token agent
  AGENT_RUNNING: a(
    'Another token agent (osmen-cred agent) already serves programs on this computer.',
    'Nothing to do: programs keep getting tokens from it. To let the app serve them, stop that agent and turn the setting off and on.',
  ),
  // ------------------------------------------------ the window <-> main process
  INVALID_REQUEST: a('Some values were not accepted.', 'Correct them and try again.', 'none', true),
  ...CONSENT_ADVICE,
  ...PROVIDER_CODE_ADVICE,
  NOT_ALLOWED: a('That is not allowed.', 'Only the listed provider pages can be opened.', 'none', true),
  NOT_FOUND: a('That is no longer there.', 'Reload the view and try again.', 'none', true),
  // ------------------------------------------------ narrowed tokens and SDK endpoints
  provider_consent_required: a(
    'The provider has no consent for these permissions (scopes) on this account.',
    'Reconnect the account and approve them in the browser, or ask for fewer scopes.',
    'reconnect',
    true,
  ),
  narrowing_unavailable: APP_FAULT,
  PROVIDER_NOT_REGISTERED: APP_FAULT,
  INVALID_SCOPES: a('Those are not valid scopes.', 'Give scopes separated by spaces, without quotes or backslashes.', 'none', true),
  SCOPE_NOT_ALLOWED: a('That scope is not served here.', 'Start the endpoint with the scopes the program needs.', 'none', true),
  ACCOUNT_NOT_FOUND: a('That account is not connected.', 'Connect it first, then try again.', 'connect'),
  TOO_MANY_ENDPOINTS: a('Too many SDK endpoints are running.', 'Stop one you no longer need, then start this one.', 'none', true),
  INVALID_ADDRESS: a('That is not an address to listen on.', 'Give an IP address, such as 127.0.0.1.', 'none', true),
  INVALID_DURATION: a('That time limit is not accepted.', 'Choose a limit from one minute to 30 days, or none.', 'none', true),
  INVALID_PROJECT: a('A project id goes with Google endpoints only.', 'Leave it empty for Azure.', 'none', true),
  ADDRESS_UNAVAILABLE: a(
    'The endpoint could not listen on that address and port.',
    'Choose another port (or leave it empty for any free one), or an address of this computer.',
    'none',
    true,
  ),
  NOT_AVAILABLE: a('That is not available here.', 'Use the app’s tray menu or restart the app.', 'none', true),
  UNKNOWN_CHANNEL: APP_FAULT,
  FORBIDDEN_SENDER: APP_FAULT,
  RESPONSE_REJECTED: APP_FAULT,
  INTERNAL: APP_FAULT,
  IPC_UNAVAILABLE: a('The app’s background process did not answer.', 'Quit and start the app again.', 'quit'),
};

/** The code part of an account's status detail ("invalid_grant (AADSTS70008)" -> "invalid_grant"). */
export function codeOf(detail: string | null | undefined): string | null {
  const code = detail?.trim().split(/[\s(]/)[0];
  return code ? code : null;
}

/**
 * Advice for a code, as it reads where it happened (`context`); unknown codes fall back on the
 * flags and the error's own message.
 */
export function adviceFor(
  code: string,
  fallback: { message?: string; needsReauth?: boolean; retryable?: boolean } = {},
  context: AdviceContext = 'general',
): Advice {
  const special = context === 'refresh' ? AFTER_REFRESH : context === 'sign-in' ? AFTER_SIGN_IN : null;
  if (special && Object.hasOwn(special, code)) return special[code]!;
  const known = Object.hasOwn(TABLE, code) ? TABLE[code] : undefined;
  if (known) return known;
  if (fallback.needsReauth) return SIGN_IN_AGAIN;
  const title = fallback.message?.trim() || 'Something went wrong.';
  if (context === 'refresh') return a(title, `${RETRYING} If it keeps happening, run the Health checks.`, 'refresh');
  return fallback.retryable
    ? a(title, 'Try again in a moment; the app also retries on its own.', 'refresh')
    : a(title, 'Try again; if it keeps happening, run the Health checks.', 'health');
}

/** True when the table has an entry for the code (the tests check every code the core can produce). */
export function hasAdvice(code: string): boolean {
  return Object.hasOwn(TABLE, code);
}
