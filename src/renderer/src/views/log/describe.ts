/**
 * One log entry in plain words ("Access token refreshed", "Refresh failed: the
 * provider is temporarily unavailable", "Provider removed: Backup IdP"), using
 * the same error table as the rest of the app. Pure; unit-tested with the advice
 * table.
 */
import type { LogEntryDto } from '../../../../shared/ipc-contract';
import { adviceFor } from '../../errors/advice';
import { describeHandoff } from './handoff-words';

const REJECTED_WHY: Readonly<Record<string, string>> = {
  unknown_channel: 'it asked for something the app does not offer',
  invalid_payload: 'its data was malformed',
  response_rejected: 'the answer would have broken the IPC contract',
  foreign_origin: 'it came from a page that is not the app',
  foreign_webcontents: 'it came from outside the app’s window',
  not_main_frame: 'it came from an embedded frame',
  no_frame_url: 'its page was gone',
  malformed_url: 'its page address was malformed',
  suppressed: 'more of the same were held back',
};

const SUCCESS: Readonly<Record<string, string>> = {
  connect: 'Account connected',
  disconnect: 'Account disconnected (tokens deleted here)',
  revocation: 'Access revoked at the provider',
  refresh: 'Access token refreshed',
  token_saved: 'Tokens saved',
  token_deleted: 'Tokens deleted',
};

const SECURITY: Readonly<Record<string, string>> = {
  key_created: 'A new master key was created in the keychain',
  key_rotation: 'The master key was rotated; every token was re-encrypted',
  decryption_failure: 'A stored value could not be decrypted',
  provider_client_set: 'A client id was set in the app',
  provider_client_cleared: 'The app’s client id was removed; the environment’s applies',
  settings_client_ignored: 'A client id in settings.json was ignored',
  settings_provider_ignored: 'A custom provider in settings.json was ignored',
  env_ignored: 'Variables in the data folder’s .env were ignored',
  log_rekeyed: 'The log’s signing key was replaced',
  issuer_mismatch: 'Tokens were not sent: the account was connected at another issuer',
};

/** What happened to a custom provider, named for what it was. */
const PROVIDER_EVENTS: Readonly<Record<string, string>> = {
  provider_added: 'Provider added',
  provider_updated: 'Provider settings changed',
  provider_removed: 'Provider removed',
};

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** The error code an entry carries (OAuth failures: details.error; others: details.code). */
export function entryErrorCode(e: LogEntryDto): string | null {
  return str(e.details['error']) ?? (e.success === false || e.level !== 'info' ? str(e.details['code']) : null);
}

/** A sign-in the person stopped themselves (in the app, the browser, or on another device; older entries too). */
export function isCancel(e: LogEntryDto): boolean {
  return e.event === 'connect' && e.success !== true && e.details['error'] === 'cancelled';
}

/** The provider a provider event is about (older entries put the id in `reason`). */
export function providerOfEvent(e: LogEntryDto): string | null {
  if (!Object.hasOwn(PROVIDER_EVENTS, e.event)) return null;
  return str(e.details['provider']) ?? str(e.details['reason']);
}

export function describeEntry(e: LogEntryDto): string {
  const handoff = describeHandoff(e);
  if (handoff !== null) return handoff;
  const code = entryErrorCode(e);
  if (Object.hasOwn(PROVIDER_EVENTS, e.event)) {
    const name = str(e.details['displayName']) ?? providerOfEvent(e);
    return name ? `${PROVIDER_EVENTS[e.event]}: ${name}` : PROVIDER_EVENTS[e.event]!;
  }
  if (isCancel(e)) return 'Sign-in cancelled';
  if (e.event === 'ipc_rejected') {
    const reason = str(e.details['reason']);
    return `A request from the window was refused: ${reason ? (REJECTED_WHY[reason] ?? reason) : 'no reason given'}`;
  }
  if (e.event === 'validation_failure') return `A health check failed${code ? ` (${code})` : ''}`;
  if (e.event === 'needs_reauth') return `Needs sign-in again: ${adviceFor(code ?? 'needs_reauth', {}, 'refresh').title}`;
  if (e.event === 'refresh' && e.success === true && e.details['rotated'] === true)
    return 'Access token refreshed; the provider issued a new refresh token';
  if (e.success === true || (e.success === undefined && e.level === 'info')) {
    return SUCCESS[e.event] ?? SECURITY[e.event] ?? e.event.replace(/_/g, ' ');
  }
  if (e.event === 'revocation') return `The provider did not confirm the revocation: ${adviceFor(code ?? 'unknown_error').title}`;
  if (SECURITY[e.event] && !code) return SECURITY[e.event]!;
  const what = e.event === 'connect' ? 'Connect failed' : e.event === 'refresh' ? 'Refresh failed' : e.event.replace(/_/g, ' ');
  const context = e.event === 'refresh' ? 'refresh' : e.event === 'connect' ? 'sign-in' : 'general';
  return code ? `${what}: ${adviceFor(code, {}, context).title}` : what;
}
