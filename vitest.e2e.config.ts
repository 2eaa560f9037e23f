import { defineConfig } from 'vitest/config';

// End-to-end: the built renderer (out/renderer) in Chromium via Playwright, the real
// core and IPC handlers in Node, a real OpenID Provider on loopback. The global setup
// runs `electron-vite build` first so the suite always tests the current sources.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
