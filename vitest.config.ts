import { defineConfig } from 'vitest/config';

// Unit and integration tests run in plain Node against the real parts:
// SQLite files, the Secret Service, an OpenID Provider on loopback.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
