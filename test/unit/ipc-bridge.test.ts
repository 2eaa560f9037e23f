/** The preload bridge built from the contract: one method per channel, events stripped, no generic invoke. */
import { describe, expect, it } from 'vitest';
import { buildOsmenApi, type BridgeTransport } from '../../src/preload/bridge.js';
import { CHANNEL_NAMES, EVENT_NAMES, INVOKE_METHODS, SUBSCRIBE_METHODS } from '../../src/shared/channels.js';

function recorder(reply: (channel: string, payload: unknown) => unknown = () => ({ ok: true, value: 1 })) {
  const calls: Array<{ channel: string; payload: unknown }> = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const transport: BridgeTransport = {
    invoke: async (channel, payload) => {
      calls.push({ channel, payload });
      return reply(channel, payload);
    },
    subscribe: (channel, listener) => {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
      return () => set.delete(listener);
    },
  };
  const emit = (channel: string, payload: unknown): void => listeners.get(channel)?.forEach((l) => l(payload));
  return { transport, calls, emit, listeners };
}

describe('preload bridge', () => {
  it('exposes exactly one function per channel and per event, and nothing else', () => {
    const api = buildOsmenApi(recorder().transport) as unknown as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...Object.keys(INVOKE_METHODS), ...Object.keys(SUBSCRIBE_METHODS)].sort());
    expect(Object.values(api).every((v) => typeof v === 'function')).toBe(true);
    expect(api).not.toHaveProperty('invoke');
    expect(api).not.toHaveProperty('ipcRenderer');
    expect(Object.isFrozen(api)).toBe(true);
    expect(new Set(Object.values(INVOKE_METHODS)).size).toBe(CHANNEL_NAMES.length);
    expect(new Set(Object.values(SUBSCRIBE_METHODS)).size).toBe(EVENT_NAMES.length);
  });

  it('invokes the method’s own channel, sending {} when there are no parameters', async () => {
    const r = recorder();
    const api = buildOsmenApi(r.transport);
    await api.listAccounts();
    await api.readLog({ limit: 5 });
    expect(r.calls).toEqual([
      { channel: 'osmen:accounts:list', payload: {} },
      { channel: 'osmen:log:read', payload: { limit: 5 } },
    ]);
  });

  it('turns transport failures and malformed replies into typed errors', async () => {
    const failing = buildOsmenApi({
      invoke: async () => {
        throw new Error('Error invoking remote method: boom');
      },
      subscribe: () => () => undefined,
    });
    expect(await failing.listAccounts()).toEqual({
      ok: false,
      error: { code: 'IPC_UNAVAILABLE', message: 'The main process did not answer.' },
    });
    const weird = buildOsmenApi(recorder(() => 'hello').transport);
    expect(await weird.listAccounts()).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('subscriptions deliver the payload only and unsubscribe once', () => {
    const r = recorder();
    const api = buildOsmenApi(r.transport);
    const seen: unknown[] = [];
    let changed = 0;
    const off = api.onRefreshState((s) => seen.push(s));
    const offChanged = api.onAccountsChanged(((...args: unknown[]) => {
      changed += 1;
      expect(args).toEqual([]);
    }) as () => void);
    r.emit('osmen:event:refresh-state', { provider: 'google', userId: 'a', refreshing: true });
    r.emit('osmen:event:accounts-changed', {});
    expect(seen).toEqual([{ provider: 'google', userId: 'a', refreshing: true }]);
    expect(changed).toBe(1);
    off();
    off();
    offChanged();
    r.emit('osmen:event:refresh-state', { provider: 'google', userId: 'a', refreshing: false });
    expect(seen).toHaveLength(1);
    expect(() => api.onLogAppended(42 as unknown as () => void)).toThrow(TypeError);
  });
});
