/**
 * The sandboxed preload: exposes `window.osmen`, one function per channel of
 * the shared contract and one subscription per event. No ipcRenderer, no
 * generic invoke, no Node: the renderer can only ask for what the contract
 * names, and event callbacks receive the payload, never the IpcRendererEvent
 * (which would hand back `sender`, i.e. ipcRenderer itself).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { buildOsmenApi, type BridgeTransport } from './bridge.js';

const transport: BridgeTransport = {
  invoke: (channel, payload) => ipcRenderer.invoke(channel, payload),
  subscribe: (channel, listener) => {
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('osmen', buildOsmenApi(transport));
