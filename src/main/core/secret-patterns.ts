/**
 * What secrets look like: one table shared by the security log's redactor, the OAuth error
 * sanitizer and the repository scan, so that "token-like" means the same thing in all three.
 * The shapes of a provider's own tokens and secrets come from its file (`secretShapes`).
 *
 * Each value pattern comes twice: `ere` is POSIX extended regex syntax for
 * `git grep -E` / `git log -G` (no \d, no lookaround), `js` is the same shape
 * for finding and masking the match in JavaScript.
 */
import { BUILTIN_PROVIDERS } from './oauth/providers/builtins.js';
import type { ScanPattern } from './oauth/providers/builtin.js';

/** A provider's kind (`google_client_secret`…) or one of the general ones below. */
export type SecretValueKind = string;

export type SecretValuePattern = ScanPattern;

const ASSIGNMENT_KINDS: ReadonlySet<string> = new Set(['encryption_key_assignment', 'client_secret_assignment']);
/** The built-ins' client-secret variables, as one alternation (GOOGLE_CLIENT_SECRET|…). */
const SECRET_VARIABLES = BUILTIN_PROVIDERS.map((b) => b.env.clientSecret).join('|');

/** Values that are obviously placeholders in an example file, not secrets. */
const PLACEHOLDER = /^(your|example|changeme|change-me|replace|placeholder|xxx|<|\$\{|todo)/i;

export const SECRET_VALUE_PATTERNS: readonly SecretValuePattern[] = [
  ...BUILTIN_PROVIDERS.flatMap((b) => b.secretShapes.scan),
  {
    kind: 'private_key',
    title: 'private key (PEM)',
    ere: '-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----',
    js: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/g,
    rotate: 'Generate a new key pair, replace the public key wherever it is registered, and retire the old one.',
  },
  {
    kind: 'encryption_key_assignment',
    title: 'OAUTH_ENCRYPTION_KEY value',
    ere: 'OAUTH_ENCRYPTION_KEY[[:space:]]*[=:][[:space:]]*[\'"]?[A-Za-z0-9_+/-]{20,}',
    js: /OAUTH_ENCRYPTION_KEY\s*[=:]\s*['"]?([A-Za-z0-9_+/-]{20,}=*)/g,
    rotate:
      'Generate a new master key (npm run keygen), rotate the vault to it (osmen-cred rotate-key), and treat every token encrypted under the old key as exposed: disconnect and reconnect the accounts.',
  },
  {
    kind: 'client_secret_assignment',
    title: 'OAuth client secret value',
    ere: `(${SECRET_VARIABLES})[[:space:]]*[=:][[:space:]]*['"]?[^[:space:]'"]{8,}`,
    js: new RegExp(`(?:${SECRET_VARIABLES})\\s*[=:]\\s*['"]?([^\\s'"]{8,})`, 'g'),
    rotate:
      "Create a new client secret in the provider's developer console (where the app's client is registered), delete the old one, and put the new one in .env.",
  },
];

/** The secret part of a match: the value of an assignment, else the whole match. */
function secretPart(kind: SecretValueKind, match: RegExpExecArray): string {
  return ASSIGNMENT_KINDS.has(kind) && match[1] ? match[1] : match[0];
}

export interface SecretValueHit {
  kind: SecretValueKind;
  title: string;
  /** The match, masked: a non-secret prefix and the length, never the secret itself. */
  masked: string;
  rotate: string;
}

/** Finds secret-looking values in one line of text; placeholders in example files are skipped. */
export function findSecretValues(line: string): SecretValueHit[] {
  const hits: SecretValueHit[] = [];
  // One value can match a specific pattern and an assignment pattern; report it once, as the specific kind.
  const seenValues = new Set<string>();
  for (const p of SECRET_VALUE_PATTERNS) {
    const re = new RegExp(p.js.source, 'g');
    let m: RegExpExecArray | null;
    let guard = 0;
    while ((m = re.exec(line)) !== null && guard++ < 100) {
      const value = secretPart(p.kind, m);
      if (ASSIGNMENT_KINDS.has(p.kind) && PLACEHOLDER.test(value)) {
        continue;
      }
      if ([...seenValues].some((v) => v.includes(value) || value.includes(v))) continue;
      seenValues.add(value);
      hits.push({ kind: p.kind, title: p.title, masked: maskSecret(value), rotate: p.rotate });
    }
  }
  return hits;
}

/** Prefixes that identify a token type without revealing any of its secret part. */
const KNOWN_PREFIXES = [...BUILTIN_PROVIDERS.flatMap((b) => b.secretShapes.prefixes), 'eyJ', '-----BEGIN'];

/**
 * Masks a secret for display: the well-known type prefix (if any) and the
 * length. Nothing of the random part is shown.
 */
export function maskSecret(value: string): string {
  const prefix = KNOWN_PREFIXES.find((p) => value.startsWith(p)) ?? '';
  return `${prefix}****(${value.length} chars)`;
}

interface TokenLikePattern {
  re: RegExp;
  /**
   * A credential of a recognisable type (Google secrets and tokens, JWTs, PEM blocks,
   * Microsoft client secrets, Authorization values), as opposed to the heuristics
   * (assignments, e-mail addresses, long opaque runs) that also catch harmless ids.
   */
  known: boolean;
}

/**
 * Token-like substrings: the one table behind the log redactor, the OAuth error sanitizer
 * and the "is this a secret?" test of client ids. Wider than the scan patterns on purpose:
 * in a log, a false positive costs a little context, a miss leaks a credential.
 */
const TOKEN_LIKE: readonly TokenLikePattern[] = [
  // PEM blocks, whole (or to the end of the string when cut off).
  { re: /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g, known: true },
  // Authorization header values.
  { re: /\b(?:Bearer|Basic|DPoP)\s+[A-Za-z0-9._~+/=-]+/gi, known: true },
  // JWTs and JWEs (ID tokens, Microsoft access tokens): the base64url JSON header starts with eyJ.
  { re: /eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*){1,4}/g, known: true },
  { re: /eyJ[A-Za-z0-9_-]{6,}/g, known: false },
  // Each built-in provider's tokens and secrets (Google's ya29./1///GOCSPX-, Microsoft's client secrets…).
  ...BUILTIN_PROVIDERS.flatMap((b) => b.secretShapes.tokens.map((re) => ({ re, known: true }))),
  // key=value / key: value pairs whose key names a secret.
  {
    re: /\b(?:access_token|refresh_token|id_token|client_secret|code_verifier|code|password|passwd|secret|api[_-]?key|token|assertion)\b(\s*["']?\s*[=:]\s*["']?)[^\s"'&,;}]+/gi,
    known: false,
  },
  // E-mail addresses: user ids are logged only as keyed hashes, so free text must not carry them either.
  { re: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, known: false },
  // Long opaque runs: base64, base64url or hex of 32+ characters.
  { re: /[A-Za-z0-9+/_~-]{32,}={0,2}/g, known: false },
];

export const TOKEN_LIKE_PATTERNS: readonly RegExp[] = TOKEN_LIKE.map((p) => p.re);

export const REDACTED = '[REDACTED]';

export interface RedactOptions {
  /** What replaces a secret; default [REDACTED]. */
  placeholder?: string;
  /** Matches that are kept although token-shaped (e.g. GUIDs, which support asks for). */
  keep?: (match: string) => boolean;
}

/** Replaces every token-like substring; returns the text and how many were replaced. */
export function redactTokens(text: string, options: RedactOptions = {}): { text: string; count: number } {
  const placeholder = options.placeholder ?? REDACTED;
  let count = 0;
  let out = text;
  for (const re of TOKEN_LIKE_PATTERNS) {
    out = out.replace(new RegExp(re.source, re.flags), (match: string, sep?: unknown) => {
      if (options.keep?.(match)) return match;
      count++;
      // For key=value pairs keep the key so the line still says what was there.
      if (typeof sep === 'string' && /[=:]/.test(sep)) {
        const key = match.slice(0, match.indexOf(sep));
        return `${key}${sep}${placeholder}`;
      }
      return placeholder;
    });
  }
  return { text: out, count };
}

/**
 * True when the text contains a credential of a recognisable type (Google
 * secrets and tokens, JWTs, PEM blocks, Microsoft client secrets, Bearer
 * values). Narrower than the redactor: ids such as GUIDs are not flagged.
 */
export function looksLikeKnownSecret(text: string): boolean {
  return TOKEN_LIKE.some((p) => p.known && new RegExp(p.re.source, p.re.flags.replace('g', '')).test(text));
}

/** True when the text contains anything the redactor would replace. */
export function looksTokenLike(text: string): boolean {
  return redactTokens(text).count > 0;
}

/**
 * File names that hold secrets and must never be committed. Matched on the
 * last path segment; `.env.example` (and .sample/.template) are the documented
 * templates and are meant to be committed.
 */
export function isSecretFileName(path: string): boolean {
  const base = path.split('/').pop() ?? path;
  if (base === '.env') return true;
  if (base.startsWith('.env.')) return !/^\.env\.(example|sample|template)$/.test(base);
  if (/\.(pem|key|p12|pfx)$/i.test(base)) return true;
  if (/^tokens\.db(-wal|-shm|-journal)?$/.test(base)) return true;
  if (/\.db-wal$/.test(base)) return true;
  if (base === 'credentials.json') return true;
  if (/^client_secret.*\.json$/.test(base)) return true;
  if (/^security\.log\.(key|head)$/.test(base)) return true;
  return false;
}
