/**
 * The IPC handler table, free of Electron so it runs in unit tests and in the
 * e2e harness exactly as in the app. Every call: channel checked against the
 * contract, payload parsed (strict objects, bounded sizes), core called,
 * response mapped to a DTO and parsed again before it leaves, errors turned
 * into the typed error DTO. A call never throws and never rejects.
 */
import { type z } from 'zod';
import {
  CHANNELS,
  EVENTS,
  type AccountDto,
  type AppStatusDto,
  type Channel,
  type IpcErrorDto,
  type IpcResult,
  isChannel,
} from '../../shared/ipc-contract.js';
import { tokenCommand } from '../../shared/token-command.js';
import type { TokenMetadata } from '../core/vault/token-store.js';
import type { CredentialCore } from '../core/api.js';
import {
  toAccountDto,
  toDisconnectDto,
  toHealthDto,
  toLogEntryDto,
  toLogVerifyDto,
  toProviderDto,
  toRefreshSummaryDto,
  toSchedulerDto,
  toSettingsDto,
} from './dto.js';
import { IpcFailure, toErrorDto } from './errors.js';
import { isAllowedExternalUrl } from './external-links.js';
import type { EventSend } from './events-bridge.js';
import { type RejectionReporter } from './rejections.js';
import { SignInLinks } from './sign-in-link.js';
import { DeviceSignIns } from './device-sign-ins.js';
import { deviceHandlers } from './device-handlers.js';
import { providerHandlers } from './provider-handlers.js';

export interface HandlerDeps {
  /** The opened core, or null while the vault is locked (no key / no keychain). */
  getCore(): CredentialCore | null;
  /** Why the vault is locked (shown by the locked-vault screen). */
  vaultError(): IpcErrorDto | null;
  appInfo: { version: string; platform: string };
  /** Opens an already allow-listed https URL in the system browser. */
  openExternal(url: string): Promise<void> | void;
  /** Where rejected calls are reported (the security log); rate-limited by the table. */
  reportRejection?: RejectionReporter;
  /**
   * Opens a provider's sign-in page in the system browser (the connect flow's opener). With it
   * the table knows the waiting sign-in's link (copy / open again); without it the core's own
   * opener runs and no link is offered.
   */
  openSignInPage?(url: string): void | Promise<void>;
  /** Puts text that main built on the clipboard (the renderer may not write it itself). */
  /** Electron's clipboard.writeText resolves once the text is on the clipboard. */
  writeClipboard?(text: string): Promise<void> | void;
  /** Asks where to save a file (a save dialog); null when the person cancelled. */
  chooseSavePath?(suggestedName: string): Promise<string | null>;
  /** The locked screen's Retry: open the vault again; afterwards getCore() has it or vaultError() says why not. */
  retryOpenVault?(): Promise<void>;
  /** The locked screen's Quit. */
  quit?(): void;
}

type Impl<C extends Channel> = (request: z.output<(typeof CHANNELS)[C]['request']>) => Promise<unknown> | unknown;
/** One implementation per channel (provider-handlers.ts and device-handlers.ts supply some). */
export type ImplTable = { [C in Channel]: Impl<C> };

export type Handler = (payload: unknown) => Promise<IpcResult<unknown>>;

export interface HandlerTable {
  /** Runs one call; unknown channels resolve to UNKNOWN_CHANNEL. */
  invoke(channel: unknown, payload: unknown): Promise<IpcResult<unknown>>;
  readonly channels: readonly Channel[];
  /** Events the table itself produces (the sign-in state), checked against the contract. */
  subscribe(send: EventSend): () => void;
}

function requirePort<T>(port: T | undefined, what: string): T {
  if (port === undefined) throw new IpcFailure('NOT_AVAILABLE', `${what} is not available here.`);
  return port;
}

/** Account DTOs with what the row lacks: the log's user hash, the provider's issuer. */
function accountDtos(core: CredentialCore, accounts: TokenMetadata[]): AccountDto[] {
  const issuers = new Map(core.listProviders().map((p) => [p.id, p.issuer ?? null]));
  return accounts.map((m) => toAccountDto(m, { userHash: core.userHash(m.userId), providerIssuer: issuers.get(m.provider) ?? null }));
}

function requireCore(deps: HandlerDeps): CredentialCore {
  const core = deps.getCore();
  if (!core) {
    const why = deps.vaultError();
    throw new IpcFailure('VAULT_LOCKED', why?.message ?? 'The credential vault is not open.');
  }
  return core;
}

/** Plain data only: a payload with a non-plain prototype (or a getter trick) is refused before zod. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function createHandlerTable(deps: HandlerDeps): HandlerTable {
  const signIns = new SignInLinks();
  const devices = new DeviceSignIns();
  let reopening: Promise<void> | null = null;

  const status = (): AppStatusDto => {
    const core = deps.getCore();
    return {
      vault: core ? 'ready' : 'locked',
      keySource: core ? core.keySource : null,
      error: core ? null : (deps.vaultError() ?? { code: 'VAULT_LOCKED', message: 'The credential vault is not open.' }),
      version: deps.appInfo.version,
      platform: deps.appInfo.platform,
    };
  };

  const impl: ImplTable = {
    'osmen:app:status': status,
    'osmen:app:retry-open-vault': async () => {
      if (!deps.getCore()) {
        const retry = requirePort(deps.retryOpenVault, 'Opening the vault again');
        // One attempt at a time: a double click must not open the vault twice.
        reopening ??= retry().finally(() => (reopening = null));
        await reopening;
      }
      return status();
    },
    'osmen:app:quit': () => {
      requirePort(deps.quit, 'Quitting from the window')();
      return { quitting: true as const };
    },
    'osmen:app:copy': async (req) => {
      const write = requirePort(deps.writeClipboard, 'The clipboard');
      let text: string;
      if (req.what === 'sign-in-link') {
        const link = signIns.link();
        if (link === null) throw new IpcFailure('NOT_FOUND', 'No sign-in is waiting; start one from Connect.');
        text = link;
      } else if (req.what === 'device-user-code') {
        const code = devices.userCode();
        if (code === null) throw new IpcFailure('NOT_FOUND', 'No sign-in code is waiting; start “Sign in on another device” from Connect.');
        text = code;
      } else {
        const known = requireCore(deps).listAccounts().some((a) => a.provider === req.providerId && a.userId === req.userId);
        if (!known) throw new IpcFailure('NOT_FOUND', 'That account is not connected.');
        text = tokenCommand(req.providerId, req.userId);
      }
      await write(text);
      return { copied: true as const };
    },
    'osmen:accounts:list': () => {
      const core = requireCore(deps);
      return accountDtos(core, core.listAccounts());
    },
    'osmen:accounts:connect': async (req) => {
      const core = requireCore(deps);
      const attempt = deps.openSignInPage ? signIns.begin(req.providerId, deps.openSignInPage) : null;
      const opts: Parameters<CredentialCore['connectAccount']>[1] = {};
      if (req.tenant !== undefined) opts.tenant = req.tenant;
      if (req.reconnectUserId !== undefined) opts.reconnect = { userId: req.reconnectUserId };
      if (attempt) opts.openUrl = attempt.openUrl;
      try {
        return accountDtos(core, [await core.connectAccount(req.providerId, opts)])[0];
      } finally {
        attempt?.end();
      }
    },
    'osmen:accounts:cancel-connect': () => ({ cancelled: requireCore(deps).cancelConnect() }),
    'osmen:accounts:sign-in-state': () => signIns.state(),
    'osmen:accounts:reopen-sign-in': async () => ({ opened: await signIns.reopen() }),
    'osmen:accounts:disconnect': async (req) =>
      toDisconnectDto(await requireCore(deps).disconnectAccount(req.providerId, req.userId)),
    'osmen:accounts:refresh': async (req) => {
      const core = requireCore(deps);
      return accountDtos(core, [await core.refreshAccount(req.providerId, req.userId)])[0];
    },
    'osmen:accounts:refresh-all': async (req) => {
      const core = requireCore(deps);
      return toRefreshSummaryDto(req.force ? await core.refreshEveryAccount() : await core.refreshAll());
    },
    'osmen:providers:list': () => requireCore(deps).listProviders().map(toProviderDto),
    ...providerHandlers(() => requireCore(deps)),
    ...deviceHandlers({
      core: () => requireCore(deps),
      devices,
      openPage: deps.openSignInPage ? (url) => deps.openSignInPage!(url) : undefined,
      accountDto: (core, account) => accountDtos(core, [account])[0]!,
    }),
    'osmen:log:export': async () => {
      const core = requireCore(deps);
      const choose = requirePort(deps.chooseSavePath, 'Saving a file');
      const path = await choose(`osmen-security-log-${new Date().toISOString().slice(0, 10)}.jsonl`);
      if (path === null) return { saved: false as const };
      const written = await core.exportLog(path);
      return { saved: true as const, path: written.path, entries: written.entries };
    },
    // Never overwrites: an id that exists is refused (provider_exists); osmen:providers:update-custom edits.
    'osmen:providers:add-custom': async (req) => {
      const spec: Parameters<CredentialCore['addCustomProvider']>[0] = {
        id: req.id,
        issuer: req.issuer,
        clientId: req.clientId,
        scopes: req.scopes,
      };
      if (req.displayName !== undefined) spec.displayName = req.displayName;
      if (req.clientSecret !== undefined) spec.clientSecret = req.clientSecret;
      return toProviderDto(await requireCore(deps).createCustomProvider(spec));
    },
    'osmen:health:report': async () => toHealthDto(await requireCore(deps).healthReport()),
    'osmen:settings:get': () => toSettingsDto(requireCore(deps).getSettings()),
    'osmen:settings:update': (req) => {
      const patch: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(req)) if (value !== undefined) patch[key] = value;
      // The core announces the change (settings-changed): the tray, the login item and every window follow it.
      return toSettingsDto(requireCore(deps).updateSettings(patch));
    },
    'osmen:scheduler:state': () => toSchedulerDto(requireCore(deps).schedulerState()),
    'osmen:log:read': (req) => requireCore(deps).readLog(req.limit).map(toLogEntryDto),
    'osmen:log:verify': () => toLogVerifyDto(requireCore(deps).verifyLog()),
    'osmen:app:open-external': async (req) => {
      if (!isAllowedExternalUrl(req.url)) {
        throw new IpcFailure('NOT_ALLOWED', 'Only https pages of known provider consoles can be opened.');
      }
      await deps.openExternal(req.url); /* eng-disable OPEN_EXTERNAL_JS_CHECK */
      return { opened: true };
    },
  };

  const reject = (channel: string, reason: string): void => {
    try {
      deps.reportRejection?.report(channel, reason);
    } catch {
      // reporting a rejection must not turn it into a crash
    }
  };

  async function invoke(channel: unknown, payload: unknown): Promise<IpcResult<unknown>> {
    // Never throws, never rejects: a payload with throwing getters or a hostile proxy (its
    // prototype lookup, its property reads during parsing) ends as a typed error like any other.
    try {
      return await run(channel, payload);
    } catch {
      reject(typeof channel === 'string' && isChannel(channel) ? channel : '<unknown>', 'invalid_payload');
      return { ok: false, error: { code: 'INVALID_REQUEST', message: 'Invalid request — the payload could not be read.' } };
    }
  }

  async function run(channel: unknown, payload: unknown): Promise<IpcResult<unknown>> {
    if (!isChannel(channel)) {
      reject(typeof channel === 'string' ? channel : `<${typeof channel}>`, 'unknown_channel');
      return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'Unknown IPC channel.' } };
    }
    const spec = CHANNELS[channel];
    // An absent payload means "no parameters"; anything else must be a plain object.
    const input = payload === undefined ? {} : payload;
    if (!isPlainObject(input)) {
      reject(channel, 'invalid_payload');
      return { ok: false, error: { code: 'INVALID_REQUEST', message: 'Invalid request — the payload must be an object.' } };
    }
    const parsed = spec.request.safeParse(input);
    if (!parsed.success) {
      reject(channel, 'invalid_payload');
      return { ok: false, error: toErrorDto(parsed.error) };
    }
    let raw: unknown;
    try {
      raw = await (impl[channel] as Impl<Channel>)(parsed.data as never);
    } catch (err) {
      return { ok: false, error: toErrorDto(err) };
    }
    const checked = spec.response.safeParse(raw);
    if (!checked.success) {
      // The core produced something outside the contract: refuse to forward it.
      reject(channel, 'response_rejected');
      return {
        ok: false,
        error: { code: 'RESPONSE_REJECTED', message: 'The app produced a response outside the IPC contract; it was not sent.' },
      };
    }
    return { ok: true, value: checked.data };
  }

  const subscribe = (send: EventSend): (() => void) => {
    const offLinks = signIns.subscribe((state) => {
      const parsed = EVENTS['osmen:event:sign-in-state'].safeParse(state);
      if (parsed.success) send('osmen:event:sign-in-state', parsed.data);
    });
    const offDevices = devices.subscribe((state) => {
      const parsed = EVENTS['osmen:event:device-sign-in'].safeParse(state);
      if (parsed.success) send('osmen:event:device-sign-in', parsed.data);
    });
    return () => {
      offLinks();
      offDevices();
    };
  };

  return { invoke, channels: Object.keys(impl) as Channel[], subscribe };
}
