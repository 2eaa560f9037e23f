/**
 * A hand-off grant: who (a program pinned by its files' hashes, a terminal session, or the
 * holder of a client key), which accounts (`provider:user` or `provider:*`), which scopes (a
 * subset, or all), until when, and whether it is used up by its first use. Stored signed
 * (grant-store.ts); parsed strictly, so a row that does not fit is ignored and reported.
 */
import { z } from 'zod';
import type { GrantBody, GrantSubject, KeySubject, ProgramSubject, SessionSubject } from '../contracts/consent.js';
import { CodedError } from '../errors.js';

const sha = z.string().regex(/^[0-9a-f]{64}$/);
const path = z.string().min(1).max(4096);
const name = z.string().max(300);

export const programSubjectSchema = z.strictObject({
  kind: z.literal('program'),
  name,
  /** The executable; an empty path with a null hash: any of the known interpreters (a script grant). */
  exePath: z.string().max(4096),
  exeSha256: sha.nullable(),
  scriptPath: path.nullable(),
  scriptSha256: sha.nullable(),
  /** Code that is not a file: `-c` (with its hash), `-m module`, `stdin`. */
  code: z.strictObject({ label: z.string().max(300), sha256: sha.nullable() }).nullable(),
}) satisfies z.ZodType<ProgramSubject>;

export const sessionSubjectSchema = z.strictObject({
  kind: z.literal('session'),
  name,
  sid: z.number().int().positive(),
  leaderStart: z.string().min(1).max(64),
  bootId: z.string().min(1).max(64),
  tty: z.string().max(64).nullable(),
}) satisfies z.ZodType<SessionSubject>;

export const keySubjectSchema = z.strictObject({
  kind: z.literal('key'),
  name,
  keyHash: sha,
}) satisfies z.ZodType<KeySubject>;

export const grantSubjectSchema = z.discriminatedUnion('kind', [
  programSubjectSchema,
  sessionSubjectSchema,
  keySubjectSchema,
]) satisfies z.ZodType<GrantSubject>;

export const ACCOUNT_PATTERN_RE = /^[^:\s]{1,100}:[^\s]{1,512}$/;

export const grantBodySchema = z.strictObject({
  v: z.literal(1),
  id: z.string().regex(/^g_[a-z0-9]{10}$/),
  subject: grantSubjectSchema,
  accounts: z.array(z.string().regex(ACCOUNT_PATTERN_RE)).min(1).max(100),
  /** null: every scope the account holds. */
  scopes: z.array(z.string().min(1).max(256)).max(100).nullable(),
  createdAt: z.number().int(),
  expiresAt: z.number().int().nullable(),
  once: z.boolean(),
  createdBy: z.enum(['cli', 'app']),
}) satisfies z.ZodType<GrantBody>;

/** Terminal-session grants end with the session, and after 12 hours at the latest. */
export const MAX_SESSION_MS = 12 * 3_600_000;
export const DEFAULT_SESSION_MS = 8 * 3_600_000;
/** Client keys that were not given a lifetime. */
export const DEFAULT_KEY_MS = 30 * 86_400_000;

export interface AccountPattern {
  provider: string;
  /** '*' for every account of the provider. */
  user: string;
}

/** `google:me@example.com` or `google:*`. */
export function parseAccountPattern(spec: string): AccountPattern {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1 || !ACCOUNT_PATTERN_RE.test(spec)) {
    throw new CodedError('USAGE', 'usage', '--account takes <provider>:<user> or <provider>:*, for example google:me@example.com.');
  }
  return { provider: spec.slice(0, colon), user: spec.slice(colon + 1) };
}

export function accountCovered(patterns: readonly string[], provider: string, user: string): boolean {
  return patterns.some((p) => p === `${provider}:${user}` || p === `${provider}:*`);
}

/** The scopes a grant allows for a request: the requested ones, the grant's, or null (not covered). */
export function grantScopes(grant: readonly string[] | null, requested: readonly string[] | undefined): string[] | undefined | null {
  if (grant === null) return requested ? [...requested] : undefined;
  if (!requested) return [...grant];
  return requested.every((s) => grant.includes(s)) ? [...requested] : null;
}
