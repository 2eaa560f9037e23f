/**
 * Is there an OS keychain the integration suites can use, and if not, can `npm test` start one?
 * The suites keep the master key in a real keychain (the Secret Service on Linux, through
 * @napi-rs/keyring pinned to it exactly as key-custody.ts does); without one 11 tests fail with
 * the app's own advice ("set OAUTH_ENCRYPTION_KEY"), which is right for the app and wrong for
 * these tests. The probe writes, reads back and deletes one entry under a service name of its
 * own, in a child process, so a D-Bus call that hangs cannot hang the test runner.
 *
 * Plain Node ESM: scripts/test.mjs (`npm test`) uses it before any TypeScript loader runs.
 */
import { spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { accessSync, constants } from 'node:fs';

export const HEADLESS_TEST_COMMAND =
  "XDG_DATA_HOME=$(mktemp -d) dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; npm test'";

/** What a private Secret Service needs on Linux. */
export const SECRET_SERVICE_TOOLS = ['dbus-run-session', 'gnome-keyring-daemon'];

const ROOT = join(import.meta.dirname, '..');
const PROBE_TIMEOUT_MS = 30_000;

// Runs in the child: the same Entry options as src/main/core/vault/key-custody.ts.
const PROBE_SOURCE = `
import { Entry } from '@napi-rs/keyring';
const options = process.platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;
try {
  const entry = new Entry('OsMEN Credential Manager (test probe)', 'probe-' + process.pid, options);
  entry.setPassword('probe');
  if (entry.getPassword() !== 'probe') throw new Error('the keychain did not return what was stored');
  entry.deletePassword();
} catch (err) {
  process.stderr.write(String(err && err.message ? err.message : err));
  process.exit(1);
}
`;

/** @returns {{ ok: true } | { ok: false; reason: string }} */
export function probeKeychain(env = process.env) {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE_SOURCE], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: PROBE_TIMEOUT_MS,
  });
  if (result.error) return { ok: false, reason: `the keychain probe could not run: ${result.error.message}` };
  if (result.signal) return { ok: false, reason: `the keychain did not answer within ${PROBE_TIMEOUT_MS / 1000} s` };
  if (result.status !== 0) {
    const firstLine = result.stderr.split('\n').find((l) => l.trim()) ?? '';
    return { ok: false, reason: firstLine.trim() || `the keychain probe exited with ${result.status}` };
  }
  return { ok: true };
}

/** The first executable named `name` on the PATH of `env`, or null. */
export function onPath(name, env = process.env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

/** The tools a private Secret Service needs that this machine lacks (all of them off Linux). */
export function missingSecretServiceTools(env = process.env, platform = process.platform) {
  if (platform !== 'linux') return [...SECRET_SERVICE_TOOLS];
  return SECRET_SERVICE_TOOLS.filter((t) => onPath(t, env) === null);
}

/** The one message for a run that has no keychain and cannot start one (`missing`: the tools it lacks). */
export function noKeychainMessage(reason, platform = process.platform, missing = []) {
  const lines = [
    'The integration tests need the OS keychain, and there is none here:',
    `  ${reason}`,
    '',
    'They store the master key in a real keychain, so OAUTH_ENCRYPTION_KEY does not stand in for it.',
  ];
  if (platform === 'linux') {
    lines.push(
      'On a headless Linux machine, npm test starts a Secret Service of its own when dbus-run-session',
      `and gnome-keyring-daemon are installed${missing.length ? ` (missing here: ${missing.join(', ')})` : ''} (README, "Test"):`,
      '',
      '  apt-get install -y gnome-keyring dbus libsecret-tools chromium',
      '',
      'or run the tests inside one yourself:',
      '',
      `  ${HEADLESS_TEST_COMMAND}`,
      '',
      'On a desktop, unlock your keyring (GNOME Keyring or KWallet) and run npm test again.',
    );
  } else {
    lines.push('Unlock your keychain and run npm test again.');
  }
  lines.push('The unit tests alone need no keychain: npx vitest run --project unit');
  return lines.join('\n');
}
