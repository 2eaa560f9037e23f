/**
 * The IPC contract of the SDK endpoints an account's details start and stop (Google's metadata
 * protocol, Azure's managed identity; see core/sdk/). Azure's IDENTITY_HEADER secret never
 * crosses: its value is null here, and "Copy variables" has main put the text on the clipboard.
 * Imports only zod.
 */
import { z } from 'zod';
import { EpochMs, NullableEpochMs, ProviderIdSchema, ScopeSchema, UserIdSchema } from './contract-primitives.js';

export const SdkKindSchema = z.enum(['google', 'azure']);
export type SdkKind = z.infer<typeof SdkKindSchema>;

export const SdkEndpointIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'endpoint id');

/** Google project ids (and older domain-scoped ones). */
export const SdkProjectSchema = z.string().regex(/^[a-z0-9][a-z0-9.:-]{0,99}$/, 'a Google Cloud project id');

/** An IPv4 or IPv6 address as typed; main checks it with node:net before listening. */
export const BindAddressSchema = z
  .string()
  .min(2)
  .max(45)
  .regex(/^[0-9a-fA-F:.]+$/, 'an IP address (127.0.0.1, ::1…)');

export const StartSdkEndpointSchema = z.strictObject({
  sdk: SdkKindSchema,
  providerId: ProviderIdSchema,
  userId: UserIdSchema,
  scopes: z.array(ScopeSchema).min(1).max(50).optional(),
  project: SdkProjectSchema.optional(),
  port: z.number().int().min(0).max(65_535).optional(),
  bind: BindAddressSchema.optional(),
  forMs: z
    .number()
    .int()
    .min(60_000)
    .max(30 * 86_400_000)
    .optional(),
});
export type StartSdkEndpointRequest = z.infer<typeof StartSdkEndpointSchema>;

export const SdkEndpointDtoSchema = z.strictObject({
  id: SdkEndpointIdSchema,
  sdk: SdkKindSchema,
  provider: ProviderIdSchema,
  userId: z.string().max(512),
  host: z.string().max(64),
  port: z.number().int().min(1).max(65_535),
  scopes: z.array(z.string().max(256)).max(64).nullable(),
  project: z.string().max(100).nullable(),
  startedAt: EpochMs,
  endsAt: NullableEpochMs,
  /** What a program sets; `value` null: a secret, copied by main only. */
  variables: z.array(z.strictObject({ name: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/), value: z.string().max(512).nullable() })).max(16),
});
export type SdkEndpointDto = z.infer<typeof SdkEndpointDtoSchema>;

export const SdkEndpointListSchema = z.array(SdkEndpointDtoSchema).max(64);
