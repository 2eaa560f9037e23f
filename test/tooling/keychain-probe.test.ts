/**
 * `npm test` without a Secret Service: where dbus-run-session and gnome-keyring-daemon are
 * installed it starts a private one (scripts/test.mjs); where they are not, the integration
 * project's global setup (test/setup/keychain.ts) probes the keychain once and stops the run with
 * one message saying what to install and giving the README's headless command, instead of 11
 * failures whose advice (set OAUTH_ENCRYPTION_KEY) does not apply to tests of the keychain.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEADLESS_TEST_COMMAND, probeKeychain } from '../helpers/keychain-probe.js';
import { makeTmpHome } from '../helpers/tmp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NO_BUS = 'unix:path=/nonexistent/osmen-test-bus';
const onLinux = process.platform === 'linux';
const hasDbus = onLinux && spawnSync('sh', ['-c', 'command -v dbus-run-session && command -v gnome-keyring-daemon']).status === 0;

describe.runIf(onLinux)('keychain probe', () => {
  it('reports a D-Bus session that is not there', () => {
    const probe = probeKeychain({ ...process.env, DBUS_SESSION_BUS_ADDRESS: NO_BUS });
    expect(probe.ok).toBe(false);
    expect(probe.ok ? '' : probe.reason).toMatch(/DBus|D-Bus/);
  });

  it('stops `vitest run` before any suite, with one message and the README command', () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'integration', 'test/integration/key-custody.test.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: NO_BUS, NO_COLOR: '1', FORCE_COLOR: '0' },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    const out = run.stdout + run.stderr;
    expect(run.status).toBe(1);
    expect(out).toContain('The integration tests need the OS keychain, and there is none here:');
    expect(out).toContain(HEADLESS_TEST_COMMAND);
    expect(out).toContain('OAUTH_ENCRYPTION_KEY does not stand in for it');
    // No suite ran: no test results, no failures to read through.
    expect(out).not.toMatch(/Tests\s+\d/);
    expect(out).not.toMatch(/FAIL|×/);
    expect(out.match(/need the OS keychain/g)).toHaveLength(1);
  });

  it.runIf(hasDbus)('passes inside a Secret Service started the README way', () => {
    const home = makeTmpHome('osmen-keyring-');
    try {
      const script =
        'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; ' +
        `exec "${process.execPath}" --import tsx -e "import('./test/helpers/keychain-probe.ts').then((m) => console.log(JSON.stringify(m.probeKeychain())))"`;
      const run = spawnSync('dbus-run-session', ['--', 'sh', '-c', script], {
        cwd: ROOT,
        env: { ...process.env, XDG_DATA_HOME: home.dir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ ok: true });
    } finally {
      home.cleanup();
    }
  });

  /** `npm test -- <args>` as a real process, with no session bus where the tests look for one. */
  const npmTest = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [join(ROOT, 'scripts', 'test.mjs'), '--project', 'integration', 'test/integration/key-custody.test.ts'], {
      cwd: ROOT,
      env: { ...env, DBUS_SESSION_BUS_ADDRESS: NO_BUS, NO_COLOR: '1', FORCE_COLOR: '0' },
      encoding: 'utf8',
      timeout: 120_000,
    });

  it.runIf(hasDbus)('npm test starts a private Secret Service when none answers and the tools are installed, and cleans up', () => {
    const run = npmTest(process.env);
    const out = run.stdout + run.stderr;
    expect(run.status, out).toBe(0);
    expect(out).toContain('npm test: no Secret Service answers (');
    const folder = /keyrings in (\S+) \(removed afterwards\)/.exec(out)?.[1];
    expect(folder).toBeDefined();
    expect(existsSync(folder!)).toBe(false);
    // The keychain tests ran, and passed, inside it.
    expect(out).toMatch(/Tests\s+\d+ passed/);
    expect(out).not.toContain('need the OS keychain');
  });

  it.runIf(hasDbus)('inside the private Secret Service the suites can run npm test themselves, as a plain npm test runs this file', () => {
    // This file's own "starts a private Secret Service" case, run by a plain `npm test` with no
    // session bus: the runner's marker must not reach the suites, or the nested run would take
    // itself for the private one and stop with the message instead of starting its own.
    const run = spawnSync(
      process.execPath,
      [
        join(ROOT, 'scripts', 'test.mjs'),
        '--project',
        'unit',
        'test/tooling/keychain-probe.test.ts',
        '-t',
        'npm test starts a private Secret Service',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: NO_BUS, NO_COLOR: '1', FORCE_COLOR: '0' },
        encoding: 'utf8',
        timeout: 240_000,
      },
    );
    const out = run.stdout + run.stderr;
    expect(run.status, out).toBe(0);
    expect(out).toContain('npm test: no Secret Service answers (');
    expect(out).toMatch(/Tests\s+1 passed/);
  });

  it('without dbus-run-session and gnome-keyring-daemon, npm test still stops with the message, naming what is missing', () => {
    const run = npmTest({ ...process.env, PATH: dirname(process.execPath) });
    const out = run.stdout + run.stderr;
    expect(run.status).toBe(1);
    expect(out).not.toContain('running the tests in a private one');
    expect(out).toContain('The integration tests need the OS keychain, and there is none here:');
    expect(out).toContain('(missing here: dbus-run-session, gnome-keyring-daemon)');
    expect(out).toContain(HEADLESS_TEST_COMMAND);
    expect(out).not.toMatch(/Tests\s+\d/);
  });
});
