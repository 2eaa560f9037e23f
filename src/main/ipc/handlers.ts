/**
 * The IPC handler table, free of Electron so it runs in unit tests and in the
 * e2e harness exactly as in the app. Every call: channel checked against the
 * contract, payload parsed (strict objects, bounded sizes), core called,
 * response mapped to a DTO and parsed again before it leaves, errors turned
 * into the typed error DTO. A call never throws and never rejects.
 */
import { CHANNELS, EVENTS, type Channel, type IpcResult, isChannel } from '../../shared/ipc-contract.js';
import { accountHandlers } from './account-handlers.js';
import { appHandlers } from './app-handlers.js';
import { deviceHandlers } from './device-handlers.js';
import { DeviceSignIns } from './device-sign-ins.js';
import { toErrorDto } from './errors.js';
import type { EventSend } from './events-bridge.js';
import { accountDtos, requireCore, type HandlerContext, type HandlerDeps, type ImplTable } from './handler-context.js';
import { logHandlers } from './log-handlers.js';
import { consentHandlers } from './consent-handlers.js';
import { providerHandlers } from './provider-handlers.js';
import { SdkEndpointService } from '../core/index.js';
import { sdkHandlers, toSdkEndpointDto } from './sdk-handlers.js';
import { SignInLinks } from './sign-in-link.js';

export type { HandlerDeps, ImplTable } from './handler-context.js';

export type Handler = (payload: unknown) => Promise<IpcResult<unknown>>;

export interface HandlerTable {
  /** Runs one call; unknown channels resolve to UNKNOWN_CHANNEL. */
  invoke(channel: unknown, payload: unknown): Promise<IpcResult<unknown>>;
  readonly channels: readonly Channel[];
  /** Events the table itself produces (the sign-in state), checked against the contract. */
  subscribe(send: EventSend): () => void;
  /** Stops what the table serves itself (SDK endpoints); call before the vault closes. */
  close(): Promise<void>;
}

/** Plain data only: a payload with a non-plain prototype (or a getter trick) is refused before zod. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function createHandlerTable(deps: HandlerDeps): HandlerTable {
  const ctx: HandlerContext = {
    deps,
    signIns: new SignInLinks(),
    devices: new DeviceSignIns(),
    sdk: new SdkEndpointService(() => requireCore(deps)),
  };
  const { signIns, devices, sdk } = ctx;
  // One module per feature, each supplying its channels; ImplTable makes a missing channel a compile error.
  const impl: ImplTable = {
    ...appHandlers(ctx),
    ...accountHandlers(ctx),
    ...deviceHandlers({
      core: () => requireCore(deps),
      devices,
      openPage: deps.openSignInPage ? (url) => deps.openSignInPage!(url) : undefined,
      accountDto: (core, account) => accountDtos(core, [account])[0]!,
    }),
    ...providerHandlers(() => requireCore(deps)),
    ...logHandlers(ctx),
    ...consentHandlers(ctx),
    ...sdkHandlers(() => sdk),
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
      raw = await (impl[channel] as (request: unknown) => unknown)(parsed.data);
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
    const offSdk = sdk.subscribe(() => {
      const parsed = EVENTS['osmen:event:sdk-endpoints'].safeParse(sdk.list().map(toSdkEndpointDto));
      if (parsed.success) send('osmen:event:sdk-endpoints', parsed.data);
    });
    return () => {
      offLinks();
      offDevices();
      offSdk();
    };
  };

  return { invoke, channels: Object.keys(impl) as Channel[], subscribe, close: () => sdk.close() };
}
