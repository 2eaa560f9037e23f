import type { OsmenApi } from '../shared/ipc-contract';

declare global {
  interface Window {
    /** The preload bridge (src/preload/index.ts); the renderer's only way to the main process. */
    readonly osmen: OsmenApi;
  }
}

export {};
