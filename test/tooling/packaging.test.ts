/**
 * `npm run dist` as far as it goes without the Electron runtime: electron-builder
 * packs the real app (electron-builder.ts, the built out/ and the production
 * node_modules) for `--linux dir` around a stand-in runtime folder (the
 * electronDist option), whose `electron` carries Electron's fuse wire. Checked:
 * what app.asar holds and does not hold, the native modules unpacked beside it
 * (and loadable), and the fuses flipped by the afterPack hook on the packaged binary.
 * Not run here: the AppImage, deb, dmg and nsis targets, which need the real runtime
 * (and, for dmg and nsis, macOS and Windows).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { getRawHeader, listPackage } from '@electron/asar';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packagedExecutable } from '../../electron-builder.js';
import { PACKAGED_FUSES } from '../../scripts/fuses.js';
import { ROOT, SHIPPED_FUSES, standInElectron } from '../helpers/electron-standin.js';
import { makeTmpHome } from '../helpers/tmp.js';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe.runIf(linuxX64)('electron-builder --linux dir with a stand-in runtime', () => {
  let tmp: { dir: string; cleanup: () => void };
  let appDir: string;
  let entries: string[];
  let build: { status: number | null; output: string };

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'out', 'main', 'index.js'))) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
        cwd: ROOT,
        stdio: 'pipe',
      });
    }
    tmp = makeTmpHome('osmen-dist-');
    const dist = join(tmp.dir, 'electron-dist');
    mkdirSync(join(dist, 'resources'), { recursive: true });
    writeFileSync(join(dist, 'electron'), standInElectron());
    chmodSync(join(dist, 'electron'), 0o755);
    writeFileSync(join(dist, 'version'), '45.5.0');
    const run = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'electron-builder', 'cli.js'),
        '--linux',
        'dir',
        '--x64',
        '--publish',
        'never',
        `-c.electronDist=${dist}`,
        `-c.directories.output=${join(tmp.dir, 'out')}`,
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 180_000 },
    );
    build = { status: run.status, output: `${run.stdout}\n${run.stderr}` };
    appDir = join(tmp.dir, 'out', 'linux-unpacked');
    entries = build.status === 0 ? listPackage(join(appDir, 'resources', 'app.asar'), { isPack: false }) : [];
  }, 240_000);

  afterAll(() => tmp?.cleanup());

  it('builds', () => {
    expect(build.status, build.output).toBe(0);
    expect(readdirSync(appDir).sort()).toEqual(['osmen-credential-manager', 'resources', 'version']);
  });

  it('app.asar holds the bundles, icons, package.json and the production dependencies', () => {
    for (const file of [
      '/package.json',
      '/out/main/index.js',
      '/out/main/osmen-cred.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
      '/resources/icon.png',
      '/resources/tray-ok.png',
      '/resources/tray-attention.png',
      '/node_modules/openid-client/package.json',
      '/node_modules/zod/package.json',
      '/node_modules/electron-log/package.json',
      '/node_modules/better-sqlite3/lib/index.js',
      '/node_modules/@napi-rs/keyring/package.json',
    ]) {
      expect(entries, file).toContain(file);
    }
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).main).toBe('./out/main/index.js');
  });

  it('packs no sources, tests, env files, source maps, build tooling or dev dependencies', () => {
    const forbidden = entries.filter(
      (f) =>
        /^\/(src|test|scripts|bench|docs|bin|\.ci|\.git)(\/|$)/.test(f) ||
        /(^|\/)\.env(\.|$)/.test(f) ||
        /\.map$/.test(f) ||
        /^\/(electron-builder|electron\.vite\.config|vitest[.\w]*)\.ts$|^\/tsconfig/.test(f) ||
        /^\/node_modules\/(electron|electron-vite|electron-builder|vitest|vite|playwright|typescript|tsx|oidc-provider|react|@electron\/fuses)\//.test(
          f,
        ) ||
        /^\/node_modules\/better-sqlite3\/(src|deps|build)\//.test(f),
    );
    expect(forbidden).toEqual([]);
    // .env.example sits at the root of the checkout, and stays out.
    expect(existsSync(join(ROOT, '.env.example'))).toBe(true);
  });

  it('unpacks the native modules beside the asar, this platform’s only, and they load', () => {
    const unpacked = join(appDir, 'resources', 'app.asar.unpacked', 'node_modules');
    const sqlite = join(unpacked, 'better-sqlite3', 'prebuilds', 'linux-x64.node');
    const keyring = join(unpacked, '@napi-rs', 'keyring-linux-x64-gnu', 'keyring.linux-x64-gnu.node');
    expect(sha256(sqlite)).toBe(sha256(join(ROOT, 'node_modules', 'better-sqlite3', 'prebuilds', 'linux-x64.node')));
    expect(existsSync(keyring)).toBe(true);
    expect(readdirSync(join(unpacked, 'better-sqlite3', 'prebuilds'))).toEqual(['linux-x64.node']);
    expect(entries.filter((f) => f.startsWith('/node_modules/better-sqlite3/prebuilds/'))).toEqual([
      '/node_modules/better-sqlite3/prebuilds/linux-x64.node',
    ]);
    // The asar marks them unpacked, so Electron loads them from the real files.
    const header = getRawHeader(join(appDir, 'resources', 'app.asar')).header as { files: Record<string, any> };
    expect(header.files['node_modules'].files['better-sqlite3'].files['prebuilds'].files['linux-x64.node'].unpacked).toBe(true);
    // Real modules, loadable by the OS loader from where the packaged app finds them.
    const require = createRequire(import.meta.url);
    const Database = require(join(unpacked, 'better-sqlite3')) as new (f: string) => {
      prepare(s: string): { get(): unknown };
      close(): void;
    };
    const db = new Database(':memory:');
    expect(db.prepare('select 41 + 1 as n').get()).toEqual({ n: 42 });
    db.close();
    expect(typeof (require(keyring) as { Entry: unknown }).Entry).toBe('function');
  });

  it('afterPack flipped the fuses of the packaged binary to scripts/fuses.ts’s table (RunAsNode stays on)', async () => {
    const wire = await getCurrentFuseWire(join(appDir, 'osmen-credential-manager'));
    for (const option of Object.values(FuseV1Options).filter((v): v is FuseV1Options => typeof v === 'number')) {
      const wanted = PACKAGED_FUSES[option];
      expect(wire[option], FuseV1Options[option]).toBe(wanted ? FuseState.ENABLE : FuseState.DISABLE);
    }
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    // The runtime folder it was packed from keeps Electron's defaults.
    const source = await getCurrentFuseWire(join(tmp.dir, 'electron-dist', 'electron'));
    expect(
      Object.keys(source)
        .filter((k) => k !== 'version')
        .map((k) => String.fromCharCode(source[Number(k) as FuseV1Options] as number))
        .join(''),
    ).toBe(SHIPPED_FUSES);
  });
});

describe('packagedExecutable', () => {
  const packager = { appInfo: { productFilename: 'OsMEN Credential Manager' }, executableName: 'osmen-credential-manager' };
  const context = (electronPlatformName: string) =>
    ({ appOutDir: '/o', electronPlatformName, packager }) as unknown as Parameters<typeof packagedExecutable>[0];

  it('names the binary electron-builder wrote, per platform', () => {
    expect(packagedExecutable(context('linux'))).toBe('/o/osmen-credential-manager');
    expect(packagedExecutable(context('darwin'))).toBe('/o/OsMEN Credential Manager.app');
    expect(packagedExecutable(context('mas'))).toBe('/o/OsMEN Credential Manager.app');
    expect(packagedExecutable(context('win32'))).toBe('/o/OsMEN Credential Manager.exe');
  });
});
