/**
 * Packaging (`npm run dist`): AppImage and deb on Linux, dmg on macOS, an NSIS
 * installer on Windows. electron-builder loads this file itself (through jiti).
 *
 * - Only the built bundles (out/), the tray and window icons and package.json go
 *   into app.asar, plus the production node_modules electron-builder collects;
 *   no sources, tests, .env or source maps.
 * - The native Node-API modules (better-sqlite3's prebuild, @napi-rs/keyring's
 *   platform package) are unpacked next to the asar: the OS loader needs real files.
 *   They are prebuilt for Node-API, so nothing is rebuilt for Electron (npmRebuild
 *   off; a rebuild would also fetch Electron's headers).
 * - afterPack flips the fuses with scripts/fuses.ts (the one fuse table), before
 *   electron-builder signs the app. RunAsNode stays on: osmen-cred runs as
 *   ELECTRON_RUN_AS_NODE=1 <app> resources/app.asar/out/main/osmen-cred.js.
 */
import { join } from 'node:path';
import { Arch, type AfterPackContext, type Configuration } from 'electron-builder';
import { applyPackagedFuses } from './scripts/fuses';

/** The packaged Electron executable (a .app bundle on macOS), as electron-builder names it. */
export function packagedExecutable(context: AfterPackContext): string {
  const { appOutDir, electronPlatformName, packager } = context;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas')
    return join(appOutDir, `${packager.appInfo.productFilename}.app`);
  if (electronPlatformName === 'win32') return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
  return join(appOutDir, (packager as unknown as { executableName: string }).executableName);
}

export async function afterPack(context: AfterPackContext): Promise<void> {
  const target = packagedExecutable(context);
  // Not signed later on an unsigned arm64 mac build: re-sign ad hoc so it still starts.
  const resetAdHocDarwinSignature = context.electronPlatformName === 'darwin' && context.arch === Arch.arm64;
  const wires = await applyPackagedFuses(target, { resetAdHocDarwinSignature });
  if (wires < 1) throw new Error(`no Electron fuse wire found in ${target}`);
}

const config: Configuration = {
  appId: 'org.osmen.credential-manager',
  productName: 'OsMEN Credential Manager',
  executableName: 'osmen-credential-manager',
  copyright: 'OsMEN',
  directories: { output: 'dist', buildResources: 'build-resources' },
  files: [
    'package.json',
    'out/**/*',
    '!**/*.map',
    'resources/*.png',
    // better-sqlite3 ships its C sources and every platform's prebuild; keep this platform's.
    '!node_modules/better-sqlite3/{src,deps,build}/**',
    '!node_modules/better-sqlite3/binding.gyp',
    '!node_modules/better-sqlite3/prebuilds/!(${platform}-${arch}.node)',
  ],
  asar: true,
  asarUnpack: ['node_modules/better-sqlite3/prebuilds/*.node', 'node_modules/@napi-rs/keyring-*/**/*.node'],
  npmRebuild: false,
  nodeGypRebuild: false,
  afterPack,
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Utility',
    icon: 'resources/icon.png',
    maintainer: 'OsMEN Credential Manager maintainers',
    synopsis: 'OAuth 2.0 / OpenID Connect credentials with encrypted tokens',
  },
  deb: {
    // The master key lives in a Secret Service (@napi-rs/keyring speaks D-Bus itself, no libsecret).
    recommends: ['gnome-keyring | kwalletmanager'],
  },
  mac: {
    target: ['dmg'],
    category: 'public.app-category.utilities',
    icon: 'resources/icon.png',
    hardenedRuntime: true,
  },
  win: {
    target: ['nsis'],
    icon: 'resources/icon.png',
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
  },
};

export default config;
