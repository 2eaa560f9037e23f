/**
 * The ONE IPC contract between the renderer (through the preload bridge) and
 * the main process. Every request and every response has a zod schema; the
 * main process parses requests before it calls the core and parses responses
 * before they leave, so a field that is not in a schema (a token, a secret)
 * cannot cross. Dates are epoch milliseconds. This module imports only zod, so
 * the preload (sandboxed, fully bundled) and the renderer can use it.
 */
import { z } from 'zod';
import { SETTINGS_LIMITS, type Channel, type EventChannel, type INVOKE_METHODS, type SUBSCRIBE_METHODS } from './channels.js';
import {
  CustomProviderIdSchema,
  Empty,
  EpochMs,
  IssuerSchema,
  NullableEpochMs,
  ProviderIdSchema,
  ScopeSchema,
  ProviderOptionsSchema,
  OptionValueSchema,
  UserIdSchema,
  plainText,
} from './contract-primitives.js';
import { DeviceSignInStateDtoSchema, LogExportDtoSchema } from './device-sign-in-contract.js';
import * as P from './provider-contract.js';
import * as C from './consent-contract.js';
import { SdkEndpointIdSchema, SdkEndpointListSchema, SdkEndpointDtoSchema, StartSdkEndpointSchema } from './sdk-contract.js';

export * from './channels.js';

// ---------------------------------------------------------------- primitives

export * from './contract-primitives.js';
export * from './device-sign-in-contract.js';
export * from './provider-contract.js';
export * from './consent-contract.js';
export * from './sdk-contract.js';

const ShortText = z.string().max(2048);

/** The most entries the Log view reads and shows (and so can ask to save). */
export const LOG_VIEW_LIMIT = 1000;

// ------------------------------------------------------------------- DTOs

export const AccountStatusSchema = z.enum(['active', 'needs_reauth', 'refresh_failing']);

/** One stored account as the UI sees it: metadata only, never a token. */
export const AccountDtoSchema = z.strictObject({
  provider: ProviderIdSchema,
  userId: z.string().max(512),
  displayName: z.string().max(512).nullable(),
  expiresAt: NullableEpochMs,
  scopes: z.array(z.string().max(256)).max(100),
  /** All scopes granted (the list above holds at most the first 100). */
  scopeCount: z.number().int().nonnegative(),
  tokenType: z.string().max(64),
  status: AccountStatusSchema,
  statusDetail: z.string().max(2048).nullable(),
  failureCount: z.number().int().nonnegative(),
  nextAttemptAt: NullableEpochMs,
  hasRefreshToken: z.boolean(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
  lastRefreshAt: NullableEpochMs,
  /**
   * The keyed hash the security log writes for this user id, so the Log view
   * can find an account's entries by e-mail; the HMAC key stays in main.
   */
  userHash: z.string().regex(/^[0-9a-f]{8,128}$/),
  /** The issuer the account signed in at (for now: its provider's issuer, when known). */
  issuer: z.string().max(2048).nullable(),
  /**
   * Before this the app does not refresh the token (the middle of its lifetime), whatever the
   * refresh window: with the window it says when a refresh is due, so a healthy token is not
   * shown as running out.
   */
  refreshNotBefore: NullableEpochMs,
});
export type AccountDto = z.infer<typeof AccountDtoSchema>;

export const ProviderDtoSchema = z.strictObject({
  id: ProviderIdSchema,
  displayName: z.string().max(256),
  /** The protocol: OpenID Connect or plain OAuth 2.0. */
  kind: z.enum(['oidc', 'oauth2']),
  /** One of the app's built-in providers (set up in Settings → Providers). */
  builtin: z.boolean(),
  configured: z.boolean(),
  issuer: z.string().max(2048).optional(),
  /** Why it is not configured, naming the environment variable too (the CLI's words). */
  configHint: z.string().max(2048).optional(),
  /** Why it is not configured, in the app's own terms: what Connect shows. */
  setupHint: z.string().max(2048).optional(),
  supportsRevocation: z.boolean(),
  /** Where a person revokes the app's access at the provider themselves. */
  revokeAt: z.string().max(2048).optional(),
  /** How to draw it (built-ins; from their file). */
  look: P.ProviderLookSchema.optional(),
  /** Its options as new sign-ins use them now (built-ins). */
  options: z.array(P.ProviderOptionSummarySchema).max(8).optional(),
});
export type ProviderDto = z.infer<typeof ProviderDtoSchema>;

export const DisconnectDtoSchema = z.strictObject({
  deleted: z.boolean(),
  revocation: z.enum(['revoked', 'unsupported', 'failed', 'none']),
});
export type DisconnectDto = z.infer<typeof DisconnectDtoSchema>;

const AccountRefFields = { provider: ProviderIdSchema, userId: z.string().max(512) };

export const RefreshSummaryDtoSchema = z.strictObject({
  due: z.number().int().nonnegative(),
  refreshed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Accounts a forced "Refresh all" left alone, and why (the scheduler's pass reports none). */
  skipped: z.array(z.strictObject({ ...AccountRefFields, reason: z.enum(['needs_reauth', 'no_refresh_token']) })).max(100_000),
  /** The accounts whose refresh failed, with the error code. */
  failures: z.array(z.strictObject({ ...AccountRefFields, code: z.string().max(128) })).max(100_000),
});
export type RefreshSummaryDto = z.infer<typeof RefreshSummaryDtoSchema>;

export const HealthCheckDtoSchema = z.strictObject({
  id: z.string().max(128),
  title: z.string().max(512),
  status: z.enum(['pass', 'warn', 'fail']),
  message: ShortText,
  fix: ShortText.optional(),
});
export const HealthReportDtoSchema = z.strictObject({
  ok: z.boolean(),
  checks: z.array(HealthCheckDtoSchema).max(500),
});
export type HealthReportDto = z.infer<typeof HealthReportDtoSchema>;
export type HealthCheckDto = z.infer<typeof HealthCheckDtoSchema>;

/** Settings as stored (the CLI or a test may have set values outside the UI's ranges). */
export const SettingsDtoSchema = z.strictObject({
  refreshWindowMs: z.number().int().nonnegative(),
  checkIntervalMs: z.number().int().nonnegative(),
  backgroundRefreshPaused: z.boolean(),
  startAtLogin: z.boolean(),
  agentEnabled: z.boolean(),
  keepAliveDays: z.number().int().positive(),
});
export type SettingsDto = z.infer<typeof SettingsDtoSchema>;

/** What the UI may set: bounded ranges, at least one field. */
export const SettingsPatchSchema = z
  .strictObject({
    refreshWindowMs: z.number().int().min(SETTINGS_LIMITS.refreshWindowMs.min).max(SETTINGS_LIMITS.refreshWindowMs.max).optional(),
    checkIntervalMs: z.number().int().min(SETTINGS_LIMITS.checkIntervalMs.min).max(SETTINGS_LIMITS.checkIntervalMs.max).optional(),
    backgroundRefreshPaused: z.boolean().optional(),
    startAtLogin: z.boolean().optional(),
    agentEnabled: z.boolean().optional(),
    keepAliveDays: z.number().int().min(SETTINGS_LIMITS.keepAliveDays.min).max(SETTINGS_LIMITS.keepAliveDays.max).optional(),
  })
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), 'settings patch is empty');

export const SchedulerStateDtoSchema = z.strictObject({
  running: z.boolean(),
  paused: z.boolean(),
  nextRunAt: NullableEpochMs,
});
export type SchedulerStateDto = z.infer<typeof SchedulerStateDtoSchema>;

const LogDetailValueSchema = z.union([z.string().max(4096), z.number(), z.boolean(), z.null()]);

export const LogEntryDtoSchema = z.strictObject({
  seq: z.number().int().nonnegative(),
  ts: z.string().max(64),
  level: z.enum(['info', 'warn', 'error']),
  category: z.enum(['oauth', 'token', 'security']),
  event: z.string().max(128),
  provider: z.string().max(128).optional(),
  userHash: z.string().max(128).optional(),
  success: z.boolean().optional(),
  details: z.record(z.string().max(128), LogDetailValueSchema),
  prev: z.string().max(128),
  hash: z.string().max(128),
});
export type LogEntryDto = z.infer<typeof LogEntryDtoSchema>;

export const LogVerifyDtoSchema = z.strictObject({
  ok: z.boolean(),
  entries: z.number().int().nonnegative(),
  firstBad: z
    .strictObject({
      seq: z.number().int().nullable(),
      file: z.string().max(4096),
      line: z.number().int(),
      reason: z.string().max(2048),
      problem: z
        .enum([
          'malformed',
          'edited',
          'missing',
          'reordered',
          'truncated',
          'start_removed',
          'head_missing',
          'head_invalid',
          'rolled_back',
          'anchor_invalid',
        ])
        .optional(),
    })
    .optional(),
  /** Each time the chain was re-established (newest last; at most the newest 1000). */
  reanchors: z
    .array(z.strictObject({ seq: z.number().int().nonnegative(), ts: z.string().max(64), reason: z.string().max(2048) }))
    .max(1000)
    .optional(),
  /** The log against the monotonic anchor in the vault. */
  rollback: z
    .strictObject({
      status: z.enum(['ok', 'off', 'missing', 'behind', 'rolled_back', 'forked', 'invalid']),
      message: z.string().max(2048),
      anchorSeq: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /** The newest entry was cut off by an interrupted write (not tampering; the next entry completes it). */
  interrupted: z
    .strictObject({ seq: z.number().int().nonnegative(), file: z.string().max(4096), line: z.number().int(), reason: z.string().max(2048) })
    .optional(),
});
export type LogVerifyDto = z.infer<typeof LogVerifyDtoSchema>;

/** The typed error every failed call resolves to. Never a stack trace. */
export const IpcErrorDtoSchema = z.strictObject({
  code: z.string().min(1).max(64),
  message: z.string().max(2048),
  retryable: z.boolean().optional(),
  needsReauth: z.boolean().optional(),
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type IpcErrorDto = z.infer<typeof IpcErrorDtoSchema>;

/** Whether the vault opened; when not, why (a locked-vault screen shows it). */
export const AppStatusDtoSchema = z.strictObject({
  vault: z.enum(['ready', 'locked']),
  keySource: z.enum(['env', 'keychain', 'keychain-created', 'explicit']).nullable(),
  error: IpcErrorDtoSchema.nullable(),
  version: z.string().max(64),
  platform: z.string().max(32),
});
export type AppStatusDto = z.infer<typeof AppStatusDtoSchema>;

/**
 * A sign-in waiting in the system browser. The URL is the provider's
 * authorization request (state and a PKCE challenge, no secret) so the UI can
 * offer to copy it; "open again" re-opens it in main, never a URL from here.
 */
export const SignInStateDtoSchema = z.discriminatedUnion('active', [
  z.strictObject({ active: z.literal(false) }),
  z.strictObject({
    active: z.literal(true),
    providerId: ProviderIdSchema,
    url: z.string().min(1).max(8192),
    startedAt: EpochMs,
  }),
]);
export type SignInStateDto = z.infer<typeof SignInStateDtoSchema>;

// --------------------------------------------------------------- requests

export const CustomProviderInputSchema = z.strictObject({
  id: CustomProviderIdSchema,
  displayName: plainText(128).optional(),
  issuer: IssuerSchema,
  clientId: plainText(512),
  // The secret travels renderer -> main once, to be stored by the core; it is never returned.
  clientSecret: plainText(1024).optional(),
  scopes: z.array(ScopeSchema).min(1).max(50),
});
export type CustomProviderInput = z.infer<typeof CustomProviderInputSchema>;

const AccountRef = z.strictObject({ providerId: ProviderIdSchema, userId: UserIdSchema });

/** One allow-listed external page (provider consoles, docs); see app/external-links.ts. */
export const OpenExternalSchema = z.strictObject({ url: plainText(2048) });

/** What may be copied: main builds the text itself (the renderer never supplies it). */
export const CopyRequestSchema = z.discriminatedUnion('what', [
  z.strictObject({ what: z.literal('sign-in-link') }),
  // The user code of the device sign-in in progress.
  z.strictObject({ what: z.literal('device-user-code') }),
  z.strictObject({ what: z.literal('token-command'), providerId: ProviderIdSchema, userId: UserIdSchema }),
  // A running SDK endpoint's variables in `docker run -e` form (Azure's secret included: it stays in main).
  z.strictObject({ what: z.literal('sdk-variables'), id: SdkEndpointIdSchema }),
]);

// ---------------------------------------------------------------- channels

/**
 * Channel table: name -> request and response schema. The preload builds one
 * function per entry; the main process registers exactly these names.
 */
export const CHANNELS = {
  'osmen:app:status': { request: Empty, response: AppStatusDtoSchema },
  // The locked-vault screen: open the vault again (after the keychain was unlocked), or quit.
  'osmen:app:retry-open-vault': { request: Empty, response: AppStatusDtoSchema },
  'osmen:app:quit': { request: Empty, response: z.strictObject({ quitting: z.literal(true) }) },
  'osmen:app:copy': { request: CopyRequestSchema, response: z.strictObject({ copied: z.literal(true) }) },
  'osmen:accounts:list': { request: Empty, response: z.array(AccountDtoSchema).max(100_000) },
  'osmen:accounts:connect': {
    // reconnectUserId: sign this account in again; another identity is refused (account_mismatch).
    // options: provider options the person edited for this sign-in (saved for later ones); tenant is the older form of options.tenant.
    request: z.strictObject({
      providerId: ProviderIdSchema,
      tenant: OptionValueSchema.optional(),
      options: ProviderOptionsSchema.optional(),
      reconnectUserId: UserIdSchema.optional(),
    }),
    response: AccountDtoSchema,
  },
  'osmen:accounts:cancel-connect': { request: Empty, response: z.strictObject({ cancelled: z.boolean() }) },
  'osmen:accounts:sign-in-state': { request: Empty, response: SignInStateDtoSchema },
  'osmen:accounts:reopen-sign-in': { request: Empty, response: z.strictObject({ opened: z.boolean() }) },
  'osmen:accounts:disconnect': { request: AccountRef, response: DisconnectDtoSchema },
  'osmen:accounts:refresh': { request: AccountRef, response: AccountDtoSchema },
  // force: refresh every refreshable account now ("Refresh all now"); otherwise only those due.
  'osmen:accounts:refresh-all': {
    request: z.strictObject({ force: z.boolean().optional() }),
    response: RefreshSummaryDtoSchema,
  },
  'osmen:providers:list': { request: Empty, response: z.array(ProviderDtoSchema).max(1000) },
  'osmen:providers:add-custom': { request: CustomProviderInputSchema, response: ProviderDtoSchema },
  'osmen:health:report': { request: Empty, response: HealthReportDtoSchema },
  'osmen:settings:get': { request: Empty, response: SettingsDtoSchema },
  'osmen:settings:update': { request: SettingsPatchSchema, response: SettingsDtoSchema },
  'osmen:scheduler:state': { request: Empty, response: SchedulerStateDtoSchema },
  'osmen:log:read': {
    request: z.strictObject({ limit: z.number().int().min(1).max(5000) }),
    response: z.array(LogEntryDtoSchema).max(5000),
  },
  'osmen:log:verify': { request: Empty, response: LogVerifyDtoSchema },
  'osmen:app:open-external': { request: OpenExternalSchema, response: z.strictObject({ opened: z.boolean() }) },
  // Settings → Providers (provider-contract.ts). add-custom above refuses an id that exists; update-custom edits.
  'osmen:providers:config': { request: Empty, response: P.ProviderConfigDtoSchema },
  'osmen:providers:check-field': { request: P.FieldCheckRequestSchema, response: P.FieldCheckDtoSchema },
  'osmen:providers:set-builtin': { request: P.SetBuiltinClientSchema, response: P.BuiltinProviderConfigSchema },
  'osmen:providers:clear-builtin': { request: z.strictObject({ providerId: P.BuiltinIdSchema }), response: P.BuiltinProviderConfigSchema },
  // The option named tenant (the older form of set-option).
  'osmen:providers:set-tenant': { request: P.SetTenantSchema, response: P.BuiltinProviderConfigSchema },
  'osmen:providers:set-option': { request: P.SetProviderOptionSchema, response: P.BuiltinProviderConfigSchema },
  'osmen:providers:update-custom': { request: P.EditCustomProviderSchema, response: P.CustomProviderConfigSchema },
  'osmen:providers:remove-custom': { request: P.RemoveCustomProviderSchema, response: P.RemoveCustomProviderResultSchema },
  'osmen:providers:device-support': { request: z.strictObject({ providerId: ProviderIdSchema }), response: P.DeviceSupportDtoSchema },
  // Sign in on another device (device-sign-in-contract.ts): the code arrives as osmen:event:device-sign-in.
  'osmen:accounts:connect-device': {
    request: z.strictObject({
      providerId: ProviderIdSchema,
      tenant: OptionValueSchema.optional(),
      options: ProviderOptionsSchema.optional(),
      reconnectUserId: UserIdSchema.optional(),
    }),
    response: AccountDtoSchema,
  },
  'osmen:accounts:device-state': { request: Empty, response: DeviceSignInStateDtoSchema },
  'osmen:accounts:open-device-page': { request: Empty, response: z.strictObject({ opened: z.boolean() }) },
  // Main asks where to save (a save dialog), then writes the whole chain oldest first.
  'osmen:log:export': { request: Empty, response: LogExportDtoSchema },
  // Hand-off consent (consent-contract.ts): requests arrive as osmen:event:consent-request.
  'osmen:consent:pending': { request: Empty, response: z.array(C.ConsentRequestDtoSchema).max(100) },
  'osmen:consent:answer': { request: C.ConsentAnswerRequestSchema, response: z.strictObject({ answered: z.boolean() }) },
  'osmen:programs:list': { request: Empty, response: C.ProgramsDtoSchema },
  'osmen:programs:revoke': { request: z.strictObject({ id: C.GrantDtoSchema.shape.id }), response: C.ProgramsDtoSchema },
  'osmen:programs:set-mode': { request: z.strictObject({ mode: C.ConsentModeSchema }), response: C.ProgramsDtoSchema },
  'osmen:programs:dismiss-offer': { request: Empty, response: C.ProgramsDtoSchema },
  'osmen:accounts:programs': { request: AccountRef, response: z.array(C.AccountProgramDtoSchema).max(1000) },
  'osmen:sdk:list': { request: Empty, response: SdkEndpointListSchema },
  'osmen:sdk:start': { request: StartSdkEndpointSchema, response: SdkEndpointDtoSchema },
  'osmen:sdk:stop': { request: z.strictObject({ id: SdkEndpointIdSchema }), response: z.strictObject({ stopped: z.boolean() }) },
  // The entries the Log view shows (by seq, as it lists them), to a file the person chooses.
  'osmen:log:save-shown': {
    request: z.strictObject({ seqs: z.array(z.number().int().nonnegative()).min(1).max(LOG_VIEW_LIMIT) }),
    response: LogExportDtoSchema,
  },
} as const satisfies Record<Channel, { request: z.ZodType; response: z.ZodType }>;

export type RequestOf<C extends Channel> = z.input<(typeof CHANNELS)[C]['request']>;
export type ResponseOf<C extends Channel> = z.output<(typeof CHANNELS)[C]['response']>;

/** What every invoke resolves to: a value or a typed error (never a rejected promise). */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcErrorDto };

export const IpcResultSchema = z.union([
  z.strictObject({ ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: IpcErrorDtoSchema }),
]);

// ------------------------------------------------------------------ events

export const EVENTS = {
  'osmen:event:accounts-changed': z.strictObject({}),
  'osmen:event:log-appended': LogEntryDtoSchema,
  'osmen:event:refresh-state': z.strictObject({
    provider: ProviderIdSchema,
    userId: z.string().max(512),
    refreshing: z.boolean(),
  }),
  'osmen:event:needs-reauth': z.strictObject({
    provider: ProviderIdSchema,
    userId: z.string().max(512),
    reason: z.string().max(2048),
  }),
  'osmen:event:refresh-failed': z.strictObject({
    provider: ProviderIdSchema,
    userId: z.string().max(512),
    code: z.string().max(128),
    retryAt: NullableEpochMs,
  }),
  // Settings changed outside the window (the tray's Pause/Resume).
  'osmen:event:settings-changed': SettingsDtoSchema,
  'osmen:event:sign-in-state': SignInStateDtoSchema,
  'osmen:event:device-sign-in': DeviceSignInStateDtoSchema,
  'osmen:event:consent-request': C.ConsentRequestDtoSchema,
  'osmen:event:consent-resolved': z.strictObject({ id: C.ConsentRequestDtoSchema.shape.id }),
  'osmen:event:sdk-endpoints': SdkEndpointListSchema,
} as const satisfies Record<EventChannel, z.ZodType>;

export type EventPayload<E extends EventChannel> = z.output<(typeof EVENTS)[E]>;

// ------------------------------------------------------- the bridge's shape

/** A method without parameters may be called with none; the bridge then sends {}. */
type InvokeFn<C extends Channel> = [Record<never, never>] extends [RequestOf<C>]
  ? (request?: RequestOf<C>) => Promise<IpcResult<ResponseOf<C>>>
  : (request: RequestOf<C>) => Promise<IpcResult<ResponseOf<C>>>;

/** accounts-changed carries nothing, so its callback takes nothing. */
type SubscribeFn<E extends EventChannel> = E extends 'osmen:event:accounts-changed'
  ? (cb: () => void) => () => void
  : (cb: (payload: EventPayload<E>) => void) => () => void;

/**
 * `window.osmen`, derived from the method tables and the channel table: one
 * function per channel taking that channel's request, one subscription per
 * event. A channel added to the contract appears here with its own types.
 */
export type OsmenApi = {
  readonly [M in keyof typeof INVOKE_METHODS]: InvokeFn<(typeof INVOKE_METHODS)[M]>;
} & {
  readonly [M in keyof typeof SUBSCRIBE_METHODS]: SubscribeFn<(typeof SUBSCRIBE_METHODS)[M]>;
};
