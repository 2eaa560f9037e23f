/**
 * Hand-off consent as the renderer sees it: a consent request (which program asks for which
 * account and scopes), the person's answer, the grants of Settings → Programs and the programs
 * that used an account. Paths and names only; never a token, a key or a hash of a key.
 * Imports only zod.
 */
import { z } from 'zod';
import { EpochMs, NullableEpochMs, ProviderIdSchema, ScopeSchema, UserIdSchema } from './contract-primitives.js';

const Text = (max: number) => z.string().max(max);

export const ConsentAnswerSchema = z.enum(['deny', 'once', 'session', 'always']);
export type ConsentAnswerDto = z.infer<typeof ConsentAnswerSchema>;

export const ConsentRequestDtoSchema = z.strictObject({
  id: z.string().regex(/^c_[A-Za-z0-9_-]{6,40}$/),
  program: z.strictObject({
    /** "python3 sync.py, started from bash in ~/work" */
    description: Text(1000),
    name: Text(300),
    exePath: Text(4096),
    scriptPath: Text(4096).nullable(),
    pid: z.number().int().positive().nullable(),
    tty: Text(64).nullable(),
    viaRun: z.boolean(),
  }),
  account: z.strictObject({ provider: ProviderIdSchema, userId: UserIdSchema }),
  scopes: z.array(ScopeSchema).max(100).nullable(),
  expiresAt: EpochMs,
  sessionAvailable: z.boolean(),
});
export type ConsentRequestDto = z.infer<typeof ConsentRequestDtoSchema>;

export const ConsentAnswerRequestSchema = z.strictObject({ id: ConsentRequestDtoSchema.shape.id, answer: ConsentAnswerSchema });

export const ConsentModeSchema = z.enum(['ask', 'same-user']);

export const GrantDtoSchema = z.strictObject({
  id: z.string().regex(/^g_[a-z0-9]{10}$/),
  kind: z.enum(['program', 'session', 'key']),
  name: Text(300),
  /** The executable or script a program grant pins; the terminal of a session grant. */
  where: Text(4096).nullable(),
  accounts: z.array(Text(620)).max(100),
  scopes: z.array(Text(256)).max(100).nullable(),
  once: z.boolean(),
  state: z.enum(['active', 'expired', 'ended']),
  createdAt: EpochMs,
  expiresAt: NullableEpochMs,
  lastUsedAt: NullableEpochMs,
  useCount: z.number().int().nonnegative(),
});
export type GrantDto = z.infer<typeof GrantDtoSchema>;

export const ProgramsDtoSchema = z.strictObject({
  consent: ConsentModeSchema,
  /** Why the stored mode was not used (it then is `ask`). */
  problem: Text(500).nullable(),
  /** A vault from before consent (same-user): the app offers the switch to `ask` once. */
  offerSwitch: z.boolean(),
  grants: z.array(GrantDtoSchema).max(10_000),
  ignored: z.array(z.strictObject({ id: Text(40), reason: z.enum(['signature', 'malformed']) })).max(10_000),
});
export type ProgramsDto = z.infer<typeof ProgramsDtoSchema>;

/** The programs that got an account's tokens, from the security log's hand-off records. */
export const AccountProgramDtoSchema = z.strictObject({
  program: Text(300),
  path: Text(4096).nullable(),
  via: Text(40).nullable(),
  count: z.number().int().nonnegative(),
  lastAt: EpochMs,
});
export type AccountProgramDto = z.infer<typeof AccountProgramDtoSchema>;
