/**
 * "Sign in on another device" (RFC 8628) as the renderer sees it: what the person must enter,
 * and where. Never the device code or a token: main keeps those. The page is opened by main
 * (the renderer asks it to open "the page", not a URL it supplies). Imports only zod.
 */
import { z } from 'zod';
import { EpochMs, ProviderIdSchema } from './contract-primitives.js';

const PageUrl = z.string().min(1).max(2048);

export const DeviceCodeDtoSchema = z.strictObject({
  verificationUri: PageUrl,
  /** The same page with the code filled in, when the provider offers one. */
  verificationUriComplete: PageUrl.optional(),
  userCode: z.string().min(1).max(64),
  /** After this the code no longer works. */
  expiresAt: EpochMs,
});
export type DeviceCodeDto = z.infer<typeof DeviceCodeDtoSchema>;

export const DeviceSignInStateDtoSchema = z.discriminatedUnion('active', [
  z.strictObject({ active: z.literal(false) }),
  z.strictObject({
    active: z.literal(true),
    providerId: ProviderIdSchema,
    startedAt: EpochMs,
    /** Null until the provider issued the code. */
    code: DeviceCodeDtoSchema.nullable(),
  }),
]);
export type DeviceSignInStateDto = z.infer<typeof DeviceSignInStateDtoSchema>;

export const LogExportDtoSchema = z.discriminatedUnion('saved', [
  z.strictObject({ saved: z.literal(false) }),
  z.strictObject({ saved: z.literal(true), path: z.string().min(1).max(4096), entries: z.number().int().nonnegative() }),
]);
export type LogExportDto = z.infer<typeof LogExportDtoSchema>;
