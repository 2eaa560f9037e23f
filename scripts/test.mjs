/**
 * `npm test`: the unit and integration suites (vitest.config.ts), then the end-to-end suite
 * (vitest.e2e.config.ts). `npm test -- <vitest arguments>` runs `vitest run <arguments>` with the
 * first config only (`npm run test:e2e -- <arguments>` for the other).
 *
 * The integration suites need a real OS keychain. When none answers on a Linux machine that has
 * dbus-run-session and gnome-keyring-daemon, the run goes inside a private Secret Service, as the
 * README's long command and .ci/run do: a D-Bus session of its own, a keyring folder of its own
 * (a temporary XDG_DATA_HOME, removed afterwards) unlocked with a throwaway password, so a
 * person's real keyring is never touched. Without those tools the integration project's global
 * setup (test/setup/keychain.ts) stops the run with one message saying what to install.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingSecretServiceTools, probeKeychain } from './test-keychain.mjs';

const ROOT = join(import.meta.dirname, '..');
const SELF = join(import.meta.dirname, 'test.mjs');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
/** Set inside the private session, so a keyring that still does not answer is reported, not retried. */
const INSIDE = 'OSMEN_TEST_PRIVATE_SECRET_SERVICE';
const PASSWORD = 'OSMEN_TEST_KEYRING_PASSWORD';

function exitCodeOf(result) {
  if (result.error) {
    process.stderr.write(`npm test: ${result.error.message}\n`);
    return 1;
  }
  if (result.signal) return 128 + (constants.signals[result.signal] ?? 0);
  return result.status ?? 1;
}

function run(args, env = process.env) {
  return exitCodeOf(spawnSync(process.execPath, args, { cwd: ROOT, env, stdio: 'inherit' }));
}

function runSuites(args) {
  if (args.length > 0) return run([VITEST, 'run', ...args]);
  const first = run([VITEST, 'run']);
  return first === 0 ? run([VITEST, 'run', '--config', 'vitest.e2e.config.ts']) : first;
}

function runInPrivateSecretService(reason, args) {
  const dataHome = mkdtempSync(join(tmpdir(), 'osmen-test-keyring-'));
  process.stderr.write(
    `npm test: no Secret Service answers (${reason}).\n` +
      `npm test: running the tests in a private one: dbus-run-session, gnome-keyring-daemon unlocked with a throwaway password, keyrings in ${dataHome} (removed afterwards).\n`,
  );
  // The password goes to the daemon on stdin and is unset before the tests start.
  const script = `printf %s "$${PASSWORD}" | gnome-keyring-daemon --unlock --components=secrets >/dev/null; unset ${PASSWORD}; exec "$@"`;
  try {
    return exitCodeOf(
      spawnSync('dbus-run-session', ['--', 'sh', '-c', script, 'sh', process.execPath, SELF, ...args], {
        cwd: ROOT,
        stdio: 'inherit',
        env: { ...process.env, XDG_DATA_HOME: dataHome, [INSIDE]: '1', [PASSWORD]: randomBytes(24).toString('base64url') },
      }),
    );
  } finally {
    rmSync(dataHome, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
const inside = process.env[INSIDE] === '1';
// The suites see the environment of any other machine: a test that runs `npm test` itself (the
// runner's own test does) must not be told it is already inside a private Secret Service.
delete process.env[INSIDE];
const probe = probeKeychain();
if (!probe.ok && !inside && missingSecretServiceTools().length === 0) {
  process.exit(runInPrivateSecretService(probe.reason, args));
}
process.exit(runSuites(args));
