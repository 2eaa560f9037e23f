/**
 * The Electron runtime (the ~100 MB binary in node_modules/electron/dist) for
 * `npm start` / `npm run dev`.
 *
 * Electron 45 no longer downloads its runtime at `npm install`: it does so when
 * `require('electron')` first resolves, or through its `install-electron` bin.
 * electron-vite reads node_modules/electron/path.txt itself and never triggers
 * that download, so a fresh clone stopped with "Electron uninstall". This module
 * finds the runtime the way Electron's install.js does, runs Electron's own
 * installer when it is missing (no second downloader here: @electron/get stays
 * the only one), and, when the installer fails, turns what it saw into one
 * message that names the cause and the command to run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Exit status when the runtime cannot be had (sysexits EX_UNAVAILABLE). */
export const EXIT_RUNTIME_UNAVAILABLE = 69;

const DIAGNOSTICS_PRELOAD = join(import.meta.dirname, 'electron-runtime-diagnostics.cjs');
const DEFAULT_HOST = 'github.com';

/** node_modules/electron as the project at `root` resolves it. */
export function electronPackageDir(root) {
  return dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'));
}

/** The executable's path inside dist/, as install.js writes it to path.txt. */
export function platformExecutable(platform = process.platform) {
  if (platform === 'darwin' || platform === 'mas') return 'Electron.app/Contents/MacOS/Electron';
  if (platform === 'win32') return 'electron.exe';
  return 'electron';
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Where the runtime is, or why it is not there. `fatal` means the user pointed
 * at a runtime of their own that does not exist: downloading would not help.
 * @returns {{ ok: true, executable: string } | { ok: false, fatal: boolean, reason: string }}
 */
export function findRuntime(electronDir, env = process.env) {
  if (env.ELECTRON_EXEC_PATH) {
    return existsSync(env.ELECTRON_EXEC_PATH)
      ? { ok: true, executable: env.ELECTRON_EXEC_PATH }
      : { ok: false, fatal: true, reason: `ELECTRON_EXEC_PATH points to ${env.ELECTRON_EXEC_PATH}, which does not exist.` };
  }
  const relative = readText(join(electronDir, 'path.txt'));
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const executable = join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || platformExecutable());
    return existsSync(executable)
      ? { ok: true, executable }
      : { ok: false, fatal: true, reason: `ELECTRON_OVERRIDE_DIST_PATH is set, but ${executable} does not exist.` };
  }
  const { version } = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8'));
  if (!relative) return { ok: false, fatal: false, reason: `The Electron ${version} runtime has not been downloaded yet` };
  const executable = join(electronDir, 'dist', relative);
  if (!existsSync(executable)) return { ok: false, fatal: false, reason: `The Electron runtime is missing from ${dirname(executable)}` };
  const installed = (readText(join(electronDir, 'dist', 'version')) ?? '').trim().replace(/^v/, '');
  if (installed !== version) {
    return {
      ok: false,
      fatal: false,
      reason: `node_modules/electron/dist holds Electron ${installed || 'of unknown version'}; the project needs ${version}`,
    };
  }
  return { ok: true, executable };
}

/** A URL or proxy setting as it may be shown: without user name and password. */
export function redactUrl(value) {
  try {
    const url = new URL(value);
    if (!url.username && !url.password) return value;
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return value;
  }
}

function proxySetting(env) {
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) {
    if (env[name]) return { name, value: redactUrl(env[name]) };
  }
  return null;
}

function mirrorSetting(env) {
  for (const name of ['ELECTRON_MIRROR', 'npm_config_electron_mirror', 'NPM_CONFIG_ELECTRON_MIRROR']) {
    if (env[name]) return { name, value: redactUrl(env[name]) };
  }
  return null;
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/;

/**
 * The one message for a failed download: what happened, then what to run.
 * `records` are what the diagnostics preload saw inside Electron's installer.
 */
export function explainInstallFailure({ version, records, exitCode, env = process.env }) {
  const network = records.find((r) => r.kind === 'network');
  const http = records.find((r) => r.kind === 'http');
  const errorText = records
    .filter((r) => r.kind === 'error')
    .map((r) => r.text)
    .join('\n');
  const firstErrorLine = errorText.split('\n').find((l) => l.trim()) ?? `the installer exited with status ${exitCode}`;
  const proxy = proxySetting(env);
  const mirror = mirrorSetting(env);
  const useProxy = Boolean(env.ELECTRON_GET_USE_PROXY);
  const host = hostOf(network?.url ?? http?.url ?? '') ?? (mirror ? hostOf(mirror.value) : null) ?? DEFAULT_HOST;
  const retry = 'npm start (or npm run dev) again';
  const start = 'npm start';
  const what = [];
  const todo = [];

  if (network) {
    const detail = `${network.code ?? 'network error'}: ${network.message}`;
    if (TLS_CODE.test(network.code ?? '')) {
      what.push(`The TLS certificate of ${host} is not trusted (${detail}). A proxy that inspects HTTPS does this.`);
      todo.push(`Give Node your proxy's CA certificate: NODE_EXTRA_CA_CERTS=/path/to/proxy-ca.pem ${start}`);
    } else if (proxy && useProxy) {
      what.push(`The download through the proxy ${proxy.name}=${proxy.value} failed (${detail}).`);
      todo.push(`Check the proxy address in ${proxy.name} (and NO_PROXY), then run ${retry}.`);
    } else {
      const where = mirror ? `the mirror ${mirror.name}=${mirror.value}` : host;
      const why = DNS_CODES.has(network.code) ? 'its name does not resolve' : 'the connection failed';
      what.push(`Could not reach ${where}: ${why} (${detail}). This machine looks offline${proxy ? '' : ', or it needs a proxy'}.`);
      if (proxy && !useProxy) {
        what.push(
          `${proxy.name}=${proxy.value} is set, but Electron's downloader ignores proxies unless ELECTRON_GET_USE_PROXY=1 is set too.`,
        );
        todo.push(`Use the proxy: ELECTRON_GET_USE_PROXY=1 ${start}`);
      } else {
        todo.push(`Once online, run ${retry}.`);
        todo.push('Behind a proxy: HTTPS_PROXY=http://<proxy>:<port> ELECTRON_GET_USE_PROXY=1 npm start');
      }
      if (!mirror) todo.push('From a mirror: ELECTRON_MIRROR=<mirror URL ending in /> npm start');
    }
  } else if (http) {
    const status = `HTTP ${http.status}${http.statusText ? ` ${http.statusText}` : ''}`;
    const url = redactUrl(http.url);
    if (http.status === 407) {
      what.push(`The proxy ${proxy ? `${proxy.name}=${proxy.value} ` : ''}wants credentials (${status}).`);
      todo.push('Put them in the proxy URL (HTTPS_PROXY=http://user:password@<proxy>:<port>) and run ' + retry + '.');
    } else if (http.status === 404 && mirror) {
      what.push(`The mirror ${mirror.name}=${mirror.value} has no Electron ${version} for this platform (${status} for ${url}).`);
      todo.push(`Fix ${mirror.name} (it must end in / and hold v${version}/), or unset it, then run ${retry}.`);
    } else {
      what.push(`The download server answered ${status} for ${url}.`);
      todo.push(`Run ${retry} later${mirror ? `, or check ${mirror.name}` : ''}.`);
    }
  } else if (/checksum|sha256|did not match/i.test(errorText)) {
    what.push(
      `The downloaded runtime did not match Electron's published checksum (${firstErrorLine.trim()}). A proxy or mirror served something else.`,
    );
    todo.push(`Run ${retry}${mirror ? `, or check ${mirror.name}` : ''}; never skip the checksum.`);
  } else if (/\b(EACCES|EPERM|EROFS)\b/.test(errorText)) {
    what.push(`The runtime could not be written into node_modules/electron (${firstErrorLine.trim()}).`);
    todo.push('Make node_modules writable for your user (or reinstall with npm install), then run ' + retry + '.');
  } else if (/\bENOSPC\b/.test(errorText)) {
    what.push(`The disk is full (${firstErrorLine.trim()}).`);
    todo.push(`Free about 300 MB, then run ${retry}.`);
  } else {
    what.push(`Electron's installer failed: ${firstErrorLine.trim()}`);
    todo.push(`Run npx install-electron to see its full output, then ${retry}.`);
  }
  todo.push('To retry the download on its own: npx install-electron');

  return [
    `Cannot start: the Electron ${version} runtime is not installed, and downloading it failed.`,
    ...what.map((l) => `  ${l}`),
    'What to run:',
    ...todo.map((l) => `  ${l}`),
  ].join('\n');
}

function lowerFirst(text) {
  return /^[A-Z][a-z]/.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
}

function readRecords(file) {
  const text = readText(file) ?? '';
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return { kind: 'error', text: line };
      }
    });
}

/**
 * Runs Electron's own installer (node_modules/electron/install.js, the
 * `install-electron` bin) with a preload that records why a download failed.
 * @returns {Promise<{ ok: true, executable: string } | { ok: false, message: string }>}
 */
export async function installRuntime(electronDir, { env = process.env, stdout = 'inherit' } = {}) {
  const { version } = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8'));
  const scratch = mkdtempSync(join(tmpdir(), 'osmen-electron-install-'));
  const diagnostics = join(scratch, 'records.jsonl');
  try {
    const { code, signal } = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--require', DIAGNOSTICS_PRELOAD, join(electronDir, 'install.js')], {
        cwd: electronDir,
        env: { ...env, OSMEN_ELECTRON_DIAGNOSTICS: diagnostics },
        // stderr stays the terminal's so @electron/get's progress bar shows on a slow line.
        stdio: ['ignore', stdout, 'inherit'],
      });
      child.on('error', reject);
      child.on('close', (c, s) => resolve({ code: c, signal: s }));
    });
    const found = findRuntime(electronDir, { ...env, ELECTRON_EXEC_PATH: '', ELECTRON_OVERRIDE_DIST_PATH: '' });
    if (code === 0 && found.ok) return found;
    const records = readRecords(diagnostics);
    if (signal) records.push({ kind: 'error', text: `the installer was stopped by ${signal}` });
    if (code === 0 && !found.ok) records.push({ kind: 'error', text: `the installer finished, but ${found.reason}` });
    return { ok: false, message: explainInstallFailure({ version, records, exitCode: code ?? 1, env }) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The runtime's executable, downloading it first when it is missing.
 * @returns {Promise<{ ok: true, executable: string } | { ok: false, message: string }>}
 */
export async function ensureRuntime(electronDir, { env = process.env, log = (line) => process.stderr.write(`${line}\n`), stdout } = {}) {
  const found = findRuntime(electronDir, env);
  if (found.ok) return found;
  const { version } = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8'));
  if (found.fatal) {
    return {
      ok: false,
      message: `Cannot start: ${lowerFirst(found.reason)}\nWhat to run:\n  Point it at an Electron ${version} executable, or unset it to use node_modules/electron, then run npm start again.`,
    };
  }
  if (env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    return {
      ok: false,
      message:
        `Cannot start: ${lowerFirst(found.reason)}, and ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it is not downloaded.\n` +
        'What to run:\n  Unset ELECTRON_SKIP_BINARY_DOWNLOAD and run npm start again (or run npx install-electron first).',
    };
  }
  log(`${found.reason}; downloading it once with Electron's installer (about 100 MB, into node_modules/electron/dist)...`);
  const installed = await installRuntime(electronDir, { env, stdout });
  if (installed.ok) log(`Electron ${version} runtime installed.`);
  return installed;
}
