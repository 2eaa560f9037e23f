import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

/**
 * The dev server (React refresh) needs an inline preamble, which the
 * production CSP <meta> in index.html forbids: drop the tag in `serve` only.
 * The main process sends the dev policy as a header for the dev server origin.
 */
function stripCspMetaInDev(): Plugin {
  return {
    name: 'osmen:strip-csp-meta-in-dev',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace(/<meta\s+http-equiv="Content-Security-Policy"[\s\S]*?\/>/, '');
    },
  };
}

/**
 * Bundles (main also carries the osmen-cred CLI entry):
 * - main: ESM. The native Node-API modules (better-sqlite3, @napi-rs/keyring) stay
 *   external; zod, openid-client and electron-log are bundled (tree-shaken, one file):
 *   loading them from node_modules cost `osmen-cred token` ~80 ms of its start-up (zod
 *   alone ~40 ms). The CLI entry loads none of them until no agent answers.
 * - preload: runs in a sandboxed renderer, which can neither import ESM nor
 *   require node_modules, so it is fully bundled into one CommonJS file
 *   (out/preload/index.cjs).
 * - renderer: React, served from app:// in production.
 */
export default defineConfig({
  main: {
    build: {
      externalizeDeps: { exclude: ['zod', 'openid-client', 'electron-log'] }, // bundled: start-up time
      rolldownOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src/main/index.ts'),
          // The CLI as a fourth bundle: the packaged app runs it with ELECTRON_RUN_AS_NODE=1.
          'osmen-cred': resolve(import.meta.dirname, 'src/main/cli/osmen-cred.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    plugins: [react(), stripCspMetaInDev()],
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
