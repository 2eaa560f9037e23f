/**
 * The IPC schemas of Settings → Providers: the built-in providers' client registrations (with
 * where each effective value comes from), the custom providers, the live check of a field as
 * it is typed, and the edits. A client secret only ever travels renderer → main; replies say
 * whether one is set and where from, never what it is. Imports only zod.
 */
import { z } from 'zod';
import { WITHOUT_UNSAFE_TEXT } from './one-line.js';
import {
  CustomProviderIdSchema,
  IssuerSchema,
  OptionNameSchema,
  ProviderIdSchema,
  ScopeSchema,
  OptionValueSchema,
  plainText,
} from './contract-primitives.js';

/** A built-in provider's id: the list is the core's (BUILTIN_PROVIDERS); any other id is refused there. */
export const BuiltinIdSchema = ProviderIdSchema;
export type BuiltinId = z.infer<typeof BuiltinIdSchema>;

/** How a provider is drawn: one or two letters on a colour. */
export const ProviderLookSchema = z.strictObject({
  mark: z.string().min(1).max(2),
  color: z.string().regex(/^#[0-9a-f]{6}$/i),
});

/** A provider option as new sign-ins use it (Connect): what it is, what is accepted, its value. */
export const ProviderOptionSummarySchema = z.strictObject({
  name: OptionNameSchema,
  label: z.string().max(64),
  hint: z.string().max(512),
  placeholder: z.string().max(256),
  effect: z.string().max(512),
  value: z.string().max(512),
});

/** The same with where the value comes from (Settings → Providers). */
export const ProviderOptionStatusSchema = ProviderOptionSummarySchema.extend({
  source: z.enum(['app', 'environment', 'default']),
  /** The environment variable that sets it when the app has no value. */
  env: z.string().max(64),
  /** The app's value in settings.json was ignored: not signed by this vault (or kept unsigned by an older version), or malformed. */
  ignoredEntry: z.enum(['unauthenticated', 'invalid']).optional(),
});

/** Where an effective value comes from: entered in the app (settings + vault), the environment (or the data folder's .env), or nowhere. */
export const ValueSourceSchema = z.enum(['app', 'environment', 'none']);
export type ValueSource = z.infer<typeof ValueSourceSchema>;

export const BuiltinProviderConfigSchema = z.strictObject({
  id: BuiltinIdSchema,
  displayName: z.string().max(256),
  configured: z.boolean(),
  configHint: z.string().max(2048).optional(),
  /** Why it is not configured, in the app's own terms. */
  setupHint: z.string().max(2048).optional(),
  look: ProviderLookSchema,
  /** Registering the app's client at the provider, from its file. */
  clientHelp: z.strictObject({
    consoleUrl: z.string().max(2048),
    clientIdPlaceholder: z.string().max(256),
    clientSecretPlaceholder: z.string().max(256),
    clientId: z.string().max(1024),
    clientSecret: z.string().max(1024),
  }),
  /** A client id is not a secret: the effective one is shown, with its source. */
  clientId: z.strictObject({ source: ValueSourceSchema, value: z.string().max(512).nullable() }),
  /** Whether a secret is used, and from where; never the secret. */
  clientSecret: z.strictObject({ source: ValueSourceSchema }),
  /** The environment variables that supply the values when the app has none. */
  envNames: z.strictObject({ clientId: z.string().max(64), clientSecret: z.string().max(64) }),
  /** The provider's options (Microsoft's tenant: where new accounts sign in; existing ones keep theirs). */
  options: z.array(ProviderOptionStatusSchema).max(8),
  /** Accounts connected through it. */
  accounts: z.number().int().nonnegative(),
  /** The app's entry in settings.json was ignored: not signed by this vault, or malformed. */
  ignoredEntry: z.enum(['unauthenticated', 'invalid']).optional(),
});
export type BuiltinProviderConfigDto = z.infer<typeof BuiltinProviderConfigSchema>;

export const CustomProviderConfigSchema = z.strictObject({
  id: CustomProviderIdSchema,
  displayName: z.string().max(128).optional(),
  issuer: z.string().max(2048),
  clientId: z.string().max(512),
  hasClientSecret: z.boolean(),
  scopes: z.array(z.string().max(256)).max(50),
  accounts: z.number().int().nonnegative(),
});
export type CustomProviderConfigDto = z.infer<typeof CustomProviderConfigSchema>;

export const ProviderConfigDtoSchema = z.strictObject({
  builtins: z.array(BuiltinProviderConfigSchema).max(32),
  custom: z.array(CustomProviderConfigSchema).max(100),
  /** Custom-provider entries in settings.json that are not used, and why. */
  ignored: z.array(z.strictObject({ id: z.string().max(64), reason: z.enum(['builtin_id', 'unauthenticated', 'invalid']) })).max(100),
});
export type ProviderConfigDto = z.infer<typeof ProviderConfigDtoSchema>;

/** What happens to a stored client secret: kept as it is, replaced, or removed. */
export const SecretChangeSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('keep') }),
  z.strictObject({ action: z.literal('set'), value: plainText(1024) }),
  z.strictObject({ action: z.literal('clear') }),
]);
export type SecretChange = z.infer<typeof SecretChangeSchema>;

export const SetBuiltinClientSchema = z.strictObject({
  providerId: BuiltinIdSchema,
  clientId: plainText(512),
  clientSecret: SecretChangeSchema,
});

export const EditCustomProviderSchema = z.strictObject({
  id: CustomProviderIdSchema,
  displayName: plainText(128).optional(),
  issuer: IssuerSchema,
  clientId: plainText(512),
  clientSecret: SecretChangeSchema,
  scopes: z.array(ScopeSchema).min(1).max(50),
});
export type EditCustomProvider = z.infer<typeof EditCustomProviderSchema>;

export const RemoveCustomProviderSchema = z.strictObject({
  id: CustomProviderIdSchema,
  /** Disconnect (and revoke) the provider's accounts first; without it a provider in use is refused. */
  disconnectAccounts: z.boolean().optional(),
});
export const RemoveCustomProviderResultSchema = z.strictObject({
  removed: z.literal(true),
  disconnected: z.number().int().nonnegative(),
  /** Of those, accounts whose tokens were deleted here without a confirmed revocation (they may stay valid at the provider). */
  revocationFailed: z.number().int().nonnegative(),
  /** ... and accounts whose provider can't revoke from the app at all. */
  revocationUnsupported: z.number().int().nonnegative(),
});

export const SetTenantSchema = z.strictObject({ tenant: OptionValueSchema });

/** One option of a built-in provider; the value is checked by the provider's file in the core. */
export const SetProviderOptionSchema = z.strictObject({ providerId: BuiltinIdSchema, name: OptionNameSchema, value: plainText(253) });

/**
 * A field as it is being typed. Values are bounded but otherwise unchecked (saying what is
 * wrong with them is the point); the answer never repeats the value.
 */
const Typed = z.string().max(4096).regex(WITHOUT_UNSAFE_TEXT, 'must not contain control characters or bidirectional overrides');
/** A built-in provider's id, or `custom` for a custom provider's fields. */
const ClientKind = ProviderIdSchema;
export const FieldCheckRequestSchema = z.discriminatedUnion('field', [
  z.strictObject({ field: z.literal('client-id'), provider: ClientKind, value: Typed }),
  z.strictObject({ field: z.literal('client-secret'), provider: ClientKind, value: Typed }),
  z.strictObject({ field: z.literal('tenant'), value: Typed }),
  z.strictObject({ field: z.literal('option'), provider: ProviderIdSchema, name: OptionNameSchema, value: Typed }),
  z.strictObject({ field: z.literal('issuer'), value: Typed }),
  z.strictObject({ field: z.literal('provider-id'), value: Typed }),
  z.strictObject({ field: z.literal('scopes'), value: Typed }),
]);
export type FieldCheckRequest = z.infer<typeof FieldCheckRequestSchema>;

export const FieldCheckDtoSchema = z.strictObject({
  status: z.enum(['ok', 'warn', 'error']),
  message: z.string().max(1024),
  fix: z.string().max(1024).optional(),
});
export type FieldCheckDto = z.infer<typeof FieldCheckDtoSchema>;

/** Whether "Sign in on another device" can be offered, and why not. */
export const DeviceSupportDtoSchema = z.strictObject({
  supported: z.boolean(),
  code: z.string().max(64).optional(),
  reason: z.string().max(1024).optional(),
});
export type DeviceSupportDto = z.infer<typeof DeviceSupportDtoSchema>;
