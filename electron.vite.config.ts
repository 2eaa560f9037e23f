import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

/**
 * Three bundles:
 * - main: ESM, dependencies stay external (better-sqlite3 and @napi-rs/keyring
 *   are native Node-API modules; openid-client, zod, electron-log load from
 *   node_modules at run time).
 * - preload: runs in a sandboxed renderer, which can neither import ESM nor
 *   require node_modules, so it is fully bundled into one CommonJS file
 *   (out/preload/index.cjs).
 * - renderer: React, served from app:// in production.
 */
export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'src/main/index.ts') },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: "cjs", entryFileNames: "[name].cjs" },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      // No inline <script>/<style> and no data: URLs: everything is a file the CSP allows as 'self'.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') },
      },
    },
  },
});
