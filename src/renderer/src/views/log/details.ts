/**
 * A log entry's details in words ("retry in 2 minutes", "HTTP 503", "on another device"), not as
 * the field names the core writes (`retryAfterMs 120000`, `errorClass`, `retryable`). Fields that
 * only repeat what the entry already says (the error code, shown once beside it; the provider,
 * named in its column; a provider's name, in the sentence) or that mean something only to a
 * developer are left out. Pure; unit-tested in test/unit/renderer-log-words.test.ts.
 */
import type { LogEntryDto } from '../../../../shared/ipc-contract';
import { formatDateTime } from '../../format';
import { providerOfEvent } from './describe';
import { handoffDetail } from './handoff-words';

type Value = string | number | boolean | null;

/** Left out: said elsewhere in the row, or words for developers. */
const HIDDEN: ReadonlySet<string> = new Set(['errorClass', 'errorName', 'retryable', 'needsReauth', 'provider', 'displayName']);

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "2 minutes", "45 seconds", "1 hour 30 minutes". */
export function durationWords(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return plural(s, 'second');
  const min = Math.round(s / 60);
  if (min < 60) return plural(min, 'minute');
  const h = Math.floor(min / 60);
  const rest = min % 60;
  return rest === 0 ? plural(h, 'hour') : `${plural(h, 'hour')} ${plural(rest, 'minute')}`;
}

const SOURCE: Readonly<Record<string, string>> = {
  device: 'on another device',
  browser: 'in the browser',
  app: 'set in this app',
  environment: 'from the environment',
  env: 'key from OAUTH_ENCRYPTION_KEY',
  keychain: 'key in the OS keychain',
  'keychain-created': 'new key in the OS keychain',
  explicit: 'key given at start',
};

const REVOCATION: Readonly<Record<string, string>> = {
  revoked: 'access revoked at the provider',
  failed: 'the provider did not confirm the revocation',
  unsupported: 'the provider can’t revoke from the app',
  none: '',
};

const PHASE: Readonly<Record<string, string>> = {
  config: 'while loading the provider’s configuration',
  authorization: 'on the provider’s sign-in page',
  token: 'while finishing the sign-in',
  refresh: 'while refreshing',
  revocation: 'while revoking',
  userinfo: 'while reading who signed in',
};

/** camelCase and snake_case field names as words ("droppedKeys" -> "dropped keys"). */
const words = (key: string): string =>
  key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();

function one(e: LogEntryDto, key: string, v: Value): string | null {
  if (v === null || v === '') return null;
  const handoff = handoffDetail(e, key, v);
  if (handoff !== undefined) return handoff;
  switch (key) {
    case 'retryAfterMs':
      return typeof v === 'number' ? `retry in ${durationWords(v)}` : null;
    case 'status':
      return typeof v === 'number' ? `HTTP ${v}` : `status ${String(v)}`;
    case 'source':
      return v === 'custom' ? null : (SOURCE[String(v)] ?? `from ${String(v)}`);
    case 'revocation':
      return REVOCATION[String(v)] ?? `revocation: ${String(v)}`;
    case 'phase':
      // A refresh that failed "while refreshing" says nothing more than its event.
      if (String(v) === e.event) return null;
      return PHASE[String(v)] ?? `while ${words(String(v))}`;
    case 'providerCodes':
      return `provider’s own code ${String(v)}`;
    case 'rotated':
      // A refresh says it in its sentence; a key rotation counts tokens.
      return typeof v === 'number' ? `${plural(v, 'token')} re-encrypted` : null;
    case 'keyId':
      return `key ${String(v)}`;
    case 'oldKeyId':
      return `old key ${String(v)}`;
    case 'newKeyId':
      return `new key ${String(v)}`;
    case 'count':
      if (typeof v !== 'number') return null;
      if (providerOfEvent(e) !== null) return `${plural(v, 'stored account')} bound to it`;
      if (e.event === 'ipc_rejected') return `${v} more held back`;
      return `${v} in all`;
    case 'durationMs':
      return typeof v === 'number' ? `took ${durationWords(v)}` : null;
    case 'attempt':
    case 'attempts':
      return `attempt ${String(v)}`;
    case 'expiresAt':
      return typeof v === 'number' || typeof v === 'string' ? `expires ${formatDateTime(v)}` : null;
    case 'hasRefreshToken':
      return v ? 'with a refresh token' : 'without a refresh token';
    case 'dropped':
      return typeof v === 'number' ? `${plural(v, 'field')} left out` : null;
    case 'droppedKeys':
      return `left out: ${String(v)}`;
    case 'redacted':
      return typeof v === 'number' ? `${plural(v, 'token-like value')} hidden` : null;
    case 'reason':
      // Older provider events put the provider's id here: the sentence names it.
      if (providerOfEvent(e) !== null) return null;
      if (e.event === 'key_rotation' && v === 'resumed') return 'finished after an interruption';
      return words(String(v));
    case 'description':
      return String(v);
    case 'client':
      return `program ${String(v)}`;
    case 'failed':
      return typeof v === 'number' ? `${v} failed` : null;
    case 'channel':
      return `request ${String(v)}`;
    default:
      return typeof v === 'boolean' ? (v ? words(key) : `not ${words(key)}`) : `${words(key)}: ${String(v)}`;
  }
}

/**
 * The details of an entry as short phrases, in the order they were written. `code` is the error
 * code the row shows on its own (left out here).
 */
export function detailPhrases(e: LogEntryDto, code: string | null): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(e.details)) {
    if (HIDDEN.has(key)) continue;
    if ((key === 'error' || key === 'code') && code !== null && value === code) continue;
    const phrase = one(e, key, value);
    if (phrase) out.push(phrase);
  }
  return out;
}
