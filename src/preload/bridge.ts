/**
 * Builds the `window.osmen` object from the shared contract over a transport.
 * The preload passes an ipcRenderer transport; the e2e harness builds the same
 * object in the page over page.exposeBinding. Only known channels are ever
 * invoked; a transport failure resolves to a typed error instead of throwing.
 */
import { INVOKE_METHODS, SUBSCRIBE_METHODS, isChannel, isEventChannel, type Channel, type EventChannel } from '../shared/channels.js';
import type { IpcResult, OsmenApi } from '../shared/ipc-contract.js';

export interface BridgeTransport {
  invoke(channel: Channel, payload: unknown): Promise<unknown>;
  subscribe(channel: EventChannel, listener: (payload: unknown) => void): () => void;
}

function isResult(value: unknown): value is IpcResult<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; error?: unknown };
  return v.ok === true || (v.ok === false && typeof v.error === 'object' && v.error !== null);
}

export function buildOsmenApi(transport: BridgeTransport): OsmenApi {
  const api: Record<string, unknown> = {};
  for (const [method, channel] of Object.entries(INVOKE_METHODS)) {
    if (!isChannel(channel)) throw new Error(`contract error: ${channel}`);
    api[method] = async (payload?: unknown): Promise<IpcResult<unknown>> => {
      try {
        const result = await transport.invoke(channel, payload === undefined ? {} : payload);
        return isResult(result) ? result : { ok: false, error: { code: 'INTERNAL', message: 'Malformed reply from the main process.' } };
      } catch {
        return { ok: false, error: { code: 'IPC_UNAVAILABLE', message: 'The main process did not answer.' } };
      }
    };
  }
  for (const [method, channel] of Object.entries(SUBSCRIBE_METHODS)) {
    if (!isEventChannel(channel)) throw new Error(`contract error: ${channel}`);
    api[method] = (cb: unknown): (() => void) => {
      if (typeof cb !== 'function') throw new TypeError(`${method} needs a callback`);
      const unsubscribe = transport.subscribe(channel, (payload) => {
        if (channel === 'osmen:event:accounts-changed') (cb as () => void)();
        else (cb as (p: unknown) => void)(payload);
      });
      let active = true;
      return () => {
        if (active) {
          active = false;
          unsubscribe();
        }
      };
    };
  }
  return Object.freeze(api) as unknown as OsmenApi;
}
