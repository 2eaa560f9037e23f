import { defineConfig } from 'vitest/config';

// Unit and integration tests run in plain Node against the real parts:
// SQLite files, the Secret Service, an OpenID Provider on loopback.
// Two projects so that only the integration suites, which keep the master key
// in the real OS keychain, check for one first (test/setup/keychain.ts).
export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/integration/**', 'node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/keychain.ts'],
        },
      },
    ],
  },
});
