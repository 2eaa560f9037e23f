/**
 * `npm start` / `npm run dev` on a fresh clone: scripts/electron-vite.mjs finds
 * no Electron runtime, runs Electron's own installer (node_modules/electron/
 * install.js with @electron/get) against a loopback mirror that serves a
 * stand-in runtime, then hands over to electron-vite, which launches it. Each
 * test works on a copy of node_modules/electron in a temporary project.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { explainInstallFailure, findRuntime } from '../../scripts/electron-runtime.mjs';
import { makeStartProject, mirrorFilesFor, standInRuntimeZip, startMirror, type Mirror } from '../helpers/electron-standin.js';
import { makeTmpHome } from '../helpers/tmp.js';

const VERSION = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'node_modules', 'electron', 'package.json'), 'utf8'))
  .version as string;
const isPosix = process.platform !== 'win32';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a person's shell: no CI's skip flag, no proxy, no mirror of the machine's own. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(ELECTRON_|npm_config_electron|electron_)|^(https?|no|all)_proxy$/i.test(key)) delete env[key];
  }
  return { ...env, ELECTRON_GET_NO_PROGRESS: '1', ...extra };
}

function runStart(
  root: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onStdout?: (text: string) => void,
): Promise<Run> & { pid: () => number } {
  const child = spawn(process.execPath, [join(root, 'scripts', 'electron-vite.mjs'), ...args], { cwd: root, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    onStdout?.(stdout);
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return Object.assign(done, { pid: () => child.pid! });
}

/** A loopback port that nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.runIf(isPosix)('npm start on a fresh clone (scripts/electron-vite.mjs)', () => {
  let tmp: { dir: string; cleanup: () => void };
  let mirror: Mirror | null = null;

  beforeEach(() => {
    tmp = makeTmpHome('osmen-start-');
  });
  afterEach(async () => {
    await mirror?.close();
    mirror = null;
    tmp.cleanup();
  });

  it('downloads the missing runtime through Electron’s installer, writes path.txt, then launches it with the same exit status', async () => {
    const { root, electronDir } = makeStartProject(tmp.dir);
    expect(findRuntime(electronDir, {})).toMatchObject({ ok: false, fatal: false });
    mirror = await startMirror(mirrorFilesFor(VERSION, standInRuntimeZip(VERSION)));
    const log = join(tmp.dir, 'launch.log');
    const env = cleanEnv({
      ELECTRON_MIRROR: mirror.url,
      // The stand-in is not Electron's release, so check it against the mirror's SHASUMS256.txt.
      electron_use_remote_checksums: '1',
      electron_config_cache: join(tmp.dir, 'cache'),
      STANDIN_LOG: log,
      STANDIN_EXIT: '7',
    });

    const run = await runStart(root, ['preview', '--skipBuild'], env);

    expect(run.stderr).toContain('has not been downloaded yet; downloading it once');
    expect(mirror.requests).toEqual([
      `/v${VERSION}/electron-v${VERSION}-${process.platform}-${process.arch}.zip`,
      `/v${VERSION}/SHASUMS256.txt`,
    ]);
    expect(readFileSync(join(electronDir, 'path.txt'), 'utf8')).toBe('electron');
    expect(readFileSync(join(electronDir, 'dist', 'version'), 'utf8')).toBe(VERSION);
    expect(findRuntime(electronDir, {})).toEqual({ ok: true, executable: join(electronDir, 'dist', 'electron') });
    // electron-vite launched the downloaded runtime on the project, and its status came back.
    expect(readFileSync(log, 'utf8')).toBe(`argv: .\ncwd: ${root}\n`);
    expect(run.code).toBe(7);

    // A second start finds the runtime and downloads nothing.
    const again = await runStart(root, ['preview', '--skipBuild'], { ...env, STANDIN_EXIT: '0' });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('downloading');
    expect(mirror.requests).toHaveLength(2);
  });

  it('passes SIGTERM on to Electron and exits as Electron did', async () => {
    const { root, electronDir } = makeStartProject(tmp.dir);
    mirror = await startMirror(mirrorFilesFor(VERSION, standInRuntimeZip(VERSION)));
    const log = join(tmp.dir, 'launch.log');
    const env = cleanEnv({
      ELECTRON_MIRROR: mirror.url,
      electron_use_remote_checksums: '1',
      electron_config_cache: join(tmp.dir, 'cache'),
      STANDIN_LOG: log,
      STANDIN_WAIT: '1',
    });
    const run = runStart(root, ['preview', '--skipBuild'], env);
    await expect.poll(() => existsSync(log) && readFileSync(log, 'utf8').includes('ready'), { timeout: 30_000 }).toBe(true);
    process.kill(run.pid(), 'SIGTERM');
    const result = await run;
    expect(readFileSync(log, 'utf8')).toContain('signal: TERM');
    expect(result.code).toBe(143);
    expect(existsSync(join(electronDir, 'path.txt'))).toBe(true);
  });

  it('stops with one message naming the unreachable mirror and what to run, and exit status 69', async () => {
    const { root, electronDir } = makeStartProject(tmp.dir);
    const mirrorUrl = `http://127.0.0.1:${await closedPort()}/`;
    const run = await runStart(
      root,
      ['preview', '--skipBuild'],
      cleanEnv({ ELECTRON_MIRROR: mirrorUrl, electron_config_cache: join(tmp.dir, 'cache') }),
    );

    expect(run.code).toBe(69);
    expect(run.stderr).toContain(`Cannot start: the Electron ${VERSION} runtime is not installed, and downloading it failed.`);
    expect(run.stderr).toContain(`Could not reach the mirror ELECTRON_MIRROR=${mirrorUrl}: the connection failed (ECONNREFUSED`);
    expect(run.stderr).toContain('What to run:');
    expect(run.stderr).toContain('ELECTRON_GET_USE_PROXY=1');
    expect(run.stderr).toContain('npx install-electron');
    // One message, not the installer's stack trace and not electron-vite's "Electron uninstall".
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr).not.toContain('Electron uninstall');
    expect(run.stderr.match(/Cannot start/g)).toHaveLength(1);
    expect(existsSync(join(electronDir, 'path.txt'))).toBe(false);
  });

  it('names a proxy that the downloader ignores, and the flag that makes it use it', async () => {
    const { root } = makeStartProject(tmp.dir);
    const port = await closedPort();
    const run = await runStart(
      root,
      ['dev'],
      cleanEnv({
        ELECTRON_MIRROR: `http://127.0.0.1:${port}/`,
        HTTPS_PROXY: 'http://user:s3cret@127.0.0.1:3128',
        electron_config_cache: join(tmp.dir, 'cache'),
      }),
    );
    expect(run.code).toBe(69);
    expect(run.stderr).toContain(
      "HTTPS_PROXY=http://127.0.0.1:3128/ is set, but Electron's downloader ignores proxies unless ELECTRON_GET_USE_PROXY=1 is set too.",
    );
    expect(run.stderr).toContain('ELECTRON_GET_USE_PROXY=1 npm start');
    expect(run.stderr).not.toContain('s3cret');
  });

  it('a mirror without this version: says which URL answered 404', async () => {
    const { root } = makeStartProject(tmp.dir);
    mirror = await startMirror({});
    const run = await runStart(
      root,
      ['preview', '--skipBuild'],
      cleanEnv({ ELECTRON_MIRROR: mirror.url, electron_config_cache: join(tmp.dir, 'cache') }),
    );
    expect(run.code).toBe(69);
    expect(run.stderr).toContain(`The mirror ELECTRON_MIRROR=${mirror.url} has no Electron ${VERSION} for this platform (HTTP 404`);
  });

  it('a runtime that does not match the checksum is refused and not installed', async () => {
    const { root, electronDir } = makeStartProject(tmp.dir);
    const files = mirrorFilesFor(VERSION, standInRuntimeZip(VERSION));
    const zipPath = Object.keys(files).find((p) => p.endsWith('.zip'))!;
    files[zipPath] = Buffer.concat([files[zipPath] as Buffer, Buffer.from('tampered')]);
    mirror = await startMirror(files);
    const run = await runStart(
      root,
      ['preview', '--skipBuild'],
      cleanEnv({ ELECTRON_MIRROR: mirror.url, electron_use_remote_checksums: '1', electron_config_cache: join(tmp.dir, 'cache') }),
    );
    expect(run.code).toBe(69);
    expect(run.stderr).toContain("did not match Electron's published checksum");
    expect(existsSync(join(electronDir, 'path.txt'))).toBe(false);
  });

  it('with ELECTRON_SKIP_BINARY_DOWNLOAD set, says so instead of downloading', async () => {
    const { root } = makeStartProject(tmp.dir);
    mirror = await startMirror(mirrorFilesFor(VERSION, standInRuntimeZip(VERSION)));
    const run = await runStart(
      root,
      ['preview', '--skipBuild'],
      cleanEnv({ ELECTRON_MIRROR: mirror.url, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }),
    );
    expect(run.code).toBe(69);
    expect(run.stderr).toContain('ELECTRON_SKIP_BINARY_DOWNLOAD is set');
    expect(mirror.requests).toEqual([]);
  });

  it('without the electron package at all: says to run npm install', async () => {
    const { root, electronDir } = makeStartProject(tmp.dir);
    rmSync(electronDir, { recursive: true });
    const run = await runStart(root, ['preview', '--skipBuild'], cleanEnv({}));
    expect(run.code).toBe(69);
    expect(run.stderr).toContain('Cannot start: the electron package is not installed.');
    expect(run.stderr).toContain('npm install, then npm start again.');
  });

  it('`build` and `--version` need no runtime and download nothing', async () => {
    const { root } = makeStartProject(tmp.dir);
    mirror = await startMirror({});
    const env = cleanEnv({ ELECTRON_MIRROR: mirror.url });
    const version = await runStart(root, ['--version'], env);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/electron-vite\/\d/);
    // The project has no electron.vite.config: electron-vite itself fails, after no download.
    const build = await runStart(root, ['build'], env);
    expect(build.stderr).not.toContain('downloading');
    expect(build.stderr).not.toContain('Cannot start');
    expect(mirror.requests).toEqual([]);
  });
});

describe('explainInstallFailure', () => {
  it('an offline machine: DNS failure for the default host', () => {
    const message = explainInstallFailure({
      version: '45.5.0',
      exitCode: 1,
      env: {},
      records: [
        {
          kind: 'network',
          url: 'https://github.com/electron/electron/releases/download/v45.5.0/x.zip',
          code: 'ENOTFOUND',
          message: 'getaddrinfo ENOTFOUND github.com',
        },
        { kind: 'error', text: 'TypeError: fetch failed\n    at node:internal/deps/undici' },
      ],
    });
    expect(message).toContain('Could not reach github.com: its name does not resolve (ENOTFOUND');
    expect(message).toContain('looks offline, or it needs a proxy');
    expect(message).toContain('HTTPS_PROXY=http://<proxy>:<port> ELECTRON_GET_USE_PROXY=1 npm start');
    expect(message).toContain('ELECTRON_MIRROR=');
  });

  it('a proxy that inspects TLS: names NODE_EXTRA_CA_CERTS', () => {
    const message = explainInstallFailure({
      version: '45.5.0',
      exitCode: 1,
      env: { HTTPS_PROXY: 'http://proxy:3128', ELECTRON_GET_USE_PROXY: '1' },
      records: [
        {
          kind: 'network',
          url: 'https://github.com/x.zip',
          code: 'SELF_SIGNED_CERT_IN_CHAIN',
          message: 'self-signed certificate in certificate chain',
        },
      ],
    });
    expect(message).toContain('The TLS certificate of github.com is not trusted');
    expect(message).toContain('NODE_EXTRA_CA_CERTS=');
  });

  it('a proxy asking for credentials (407)', () => {
    const message = explainInstallFailure({
      version: '45.5.0',
      exitCode: 1,
      env: { HTTPS_PROXY: 'http://proxy:3128', ELECTRON_GET_USE_PROXY: '1' },
      records: [{ kind: 'http', url: 'https://github.com/x.zip', status: 407, statusText: 'Proxy Authentication Required' }],
    });
    expect(message).toContain('The proxy HTTPS_PROXY=http://proxy:3128 wants credentials (HTTP 407');
  });
});
