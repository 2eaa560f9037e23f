/**
 * The BUILT preload (out/preload/index.cjs) in a stand-in of Electron's
 * sandboxed preload environment: it must be CommonJS, require nothing but
 * 'electron', expose exactly `window.osmen`, invoke only contract channels,
 * and hand event callbacks the payload without the IpcRendererEvent.
 */
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CHANNEL_NAMES, EVENT_NAMES, INVOKE_METHODS, SUBSCRIBE_METHODS } from '../../src/shared/channels.js';
import { PRELOAD_FILE } from './harness.js';

function loadPreload() {
  const exposed: Record<string, unknown> = {};
  const required: string[] = [];
  const invoked: Array<{ channel: string; payload: unknown }> = [];
  const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
  const ipcRenderer = {
    invoke: async (channel: string, payload: unknown) => {
      invoked.push({ channel, payload });
      return { ok: true, value: null };
    },
    on(channel: string, l: (event: unknown, payload: unknown) => void) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
      return ipcRenderer;
    },
    removeListener(channel: string, l: (event: unknown, payload: unknown) => void) {
      listeners.get(channel)?.delete(l);
      return ipcRenderer;
    },
    send: () => {
      throw new Error('the preload must not use send');
    },
  };
  const contextBridge = { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) };
  const module = { exports: {} };
  const require = (name: string): unknown => {
    required.push(name);
    if (name === 'electron') return { contextBridge, ipcRenderer };
    throw new Error(`module not found: ${name}`);
  };
  // Only the globals a sandboxed preload has; no process, no Buffer, no real require.
  runInNewContext(readFileSync(PRELOAD_FILE, 'utf8'), {
    module,
    exports: module.exports,
    require,
    console,
    Object,
    Promise,
    Set,
    Map,
    Error,
    TypeError,
  });
  const emit = (channel: string, payload: unknown): void =>
    listeners.get(channel)?.forEach((l) => l({ sender: ipcRenderer, senderId: 0, ports: [] }, payload));
  return { exposed, required, invoked, listeners, emit };
}

describe('built preload bundle', () => {
  it('is CommonJS, self-contained and requires only electron', () => {
    const source = readFileSync(PRELOAD_FILE, 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/\bexport\s/);
    const { required, exposed } = loadPreload();
    expect([...new Set(required)]).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['osmen']);
  });

  it('exposes one function per contract channel and event, and no generic IPC', async () => {
    const { exposed, invoked } = loadPreload();
    const api = exposed['osmen'] as Record<string, (...args: unknown[]) => unknown>;
    expect(Object.keys(api).sort()).toEqual([...Object.keys(INVOKE_METHODS), ...Object.keys(SUBSCRIBE_METHODS)].sort());
    for (const name of ['invoke', 'send', 'on', 'ipcRenderer', 'require']) expect(api).not.toHaveProperty(name);
    for (const method of Object.keys(INVOKE_METHODS)) await api[method]!({});
    expect(invoked.map((c) => c.channel).sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  it('strips the IpcRendererEvent: callbacks get the payload only', () => {
    const { exposed, emit, listeners } = loadPreload();
    const api = exposed['osmen'] as Record<string, (cb: (...args: unknown[]) => void) => () => void>;
    const seen: unknown[][] = [];
    const off = api['onLogAppended']!((...args) => seen.push(args));
    emit('osmen:event:log-appended', { seq: 1 });
    expect(seen).toEqual([[{ seq: 1 }]]);
    off();
    expect([...listeners.values()].every((set) => set.size === 0)).toBe(true);
    expect(EVENT_NAMES).toContain('osmen:event:log-appended');
  });
});
