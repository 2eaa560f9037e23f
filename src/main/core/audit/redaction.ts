import { looksLikeKnownSecret, REDACTED, redactTokens } from '../secret-patterns.js';
import type { LogDetailValue } from '../contracts/security-log.js';

/**
 * What may go into a security log entry's `details`. An allow-list rather
 * than a block-list: a new field someone passes by mistake (a token response,
 * a request body) is dropped instead of written, and every value that is kept
 * still goes through the token redactor.
 */
export const ALLOWED_DETAIL_KEYS: ReadonlySet<string> = new Set([
  'reason',
  'code',
  'status',
  'retryable',
  'retryAfterMs',
  'attempt',
  'attempts',
  'scopes',
  'keyId',
  'oldKeyId',
  'newKeyId',
  'rotated',
  'channel',
  'source',
  'error',
  'errorName',
  'durationMs',
  'revocation',
  'count',
  'field',
  'tenant',
  'issuer',
  'expiresAt',
  'needsReauth',
  'providerCodes',
  'check',
  'rows',
  'operation',
  'provider',
  'hasRefreshToken',
  'phase',
  'description',
  // A provider's name in the provider events, so the log can still name one that was removed.
  'displayName',
  // Token hand-off records (per program, account and scopes, per minute) and consent.
  'client',
  'failed',
  'program',
  'programKey',
  'exe',
  'script',
  'via',
  'basis',
  'grant',
]);

/**
 * Details that hold a program's file path: a path is kept as it is when none of its segments is
 * a long opaque run on its own (`/usr/lib/jvm/java-17-openjdk-amd64/bin/java` would otherwise be
 * taken for a token); credentials of a known type are still redacted.
 */
const PATH_DETAIL_KEYS: ReadonlySet<string> = new Set(['exe', 'script']);
const keepPlainPath = (match: string): boolean =>
  match.includes('/') && match.split('/').every((seg) => seg.length < 32) && !looksLikeKnownSecret(match);

/** Longest string value kept; longer values are cut (after redaction). */
export const MAX_DETAIL_STRING = 500;

export interface SanitizedDetails {
  details: Record<string, LogDetailValue>;
  /** Keys removed because they are not on the allow-list or their value is not a scalar. */
  droppedCount: number;
  /** Token-like substrings replaced by [REDACTED]. */
  redactedCount: number;
}

/** Key names are shown when dropped (they help debugging) only if they are plain identifiers. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;

export function redactString(value: string, keep?: (match: string) => boolean): { text: string; count: number } {
  const { text, count } = redactTokens(value, keep ? { keep } : {});
  if (text.length <= MAX_DETAIL_STRING) return { text, count };
  // Cut on the redacted text so a cut can't split a token and let half of it through.
  return { text: `${text.slice(0, MAX_DETAIL_STRING)}…`, count };
}

/**
 * Reduces caller-supplied details to allow-listed scalar values with every
 * token-like substring replaced. Arrays of scalars (scopes, providerCodes)
 * are joined with spaces; Errors keep only their name and redacted message;
 * other objects are dropped — nested data is where tokens hide.
 */
export function sanitizeDetails(input: unknown): SanitizedDetails {
  const details: Record<string, LogDetailValue> = {};
  let droppedCount = 0;
  let redactedCount = 0;
  const droppedKeys: string[] = [];

  if (input === undefined || input === null) return { details, droppedCount, redactedCount };
  if (typeof input !== 'object' || Array.isArray(input)) {
    details.dropped = 1;
    return { details, droppedCount: 1, redactedCount };
  }

  const drop = (key: string): void => {
    droppedCount++;
    if (PLAIN_KEY.test(key) && !redactTokens(key).count) droppedKeys.push(key);
  };

  for (const [key, raw] of Object.entries(input as Record<string, unknown>)) {
    if (raw === undefined) continue;
    if (!ALLOWED_DETAIL_KEYS.has(key)) {
      drop(key);
      continue;
    }
    const value = toScalar(raw);
    if (value === DROP) {
      drop(key);
      continue;
    }
    if (typeof value === 'string') {
      const r = redactString(value, PATH_DETAIL_KEYS.has(key) ? keepPlainPath : undefined);
      redactedCount += r.count;
      details[key] = r.text;
    } else {
      details[key] = value;
    }
  }

  if (droppedCount > 0) {
    details.dropped = droppedCount;
    if (droppedKeys.length > 0) details.droppedKeys = droppedKeys.slice(0, 10).join(',');
  }
  if (redactedCount > 0) details.redacted = redactedCount;
  return { details, droppedCount, redactedCount };
}

const DROP = Symbol('drop');

function toScalar(raw: unknown): LogDetailValue | typeof DROP {
  if (raw === null || typeof raw === 'boolean' || typeof raw === 'string') return raw;
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : String(raw);
  if (typeof raw === 'bigint') return raw.toString();
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? DROP : raw.toISOString();
  if (raw instanceof Error) {
    // Only name and message: a stack or cause can carry request bodies.
    return `${raw.name}: ${raw.message}`;
  }
  if (Array.isArray(raw)) {
    if (raw.length > 100) return DROP;
    if (!raw.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) return DROP;
    return raw.join(' ');
  }
  return DROP;
}

/** Redacts a free-text field (event name, provider id) that is not a detail. */
export function redactField(value: string, maxLength = 100): string {
  const { text } = redactTokens(value);
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

export { REDACTED };
