/**
 * Electron fuses for packaged builds (docs/electronegativity.md explains each).
 * Run on the packaged Electron binary, e.g. from electron-builder's afterPack:
 *   npm run fuses -- "dist/linux-unpacked/osmen-credential-manager"
 * Never on node_modules/electron: the e2e runs and `npm start` use the unfused dev build,
 * because Playwright attaches with --inspect.
 */
import { FuseV1Options, FuseVersion, flipFuses, type FuseV1Config } from '@electron/fuses';

export const PACKAGED_FUSES: FuseV1Config = {
  version: FuseVersion.V1,
  strictlyRequireAllFuses: true,
  // Kept ON: the osmen-cred CLI runs as ELECTRON_RUN_AS_NODE=1 <app> out/main/osmen-cred.js,
  // so the native modules match the app's runtime.
  [FuseV1Options.RunAsNode]: true,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  [FuseV1Options.WasmTrapHandlers]: true,
};

/**
 * Flips the fuses of one packaged Electron binary (or .app); returns how many wires were written.
 * `resetAdHocDarwinSignature`: on Apple Silicon, re-sign ad hoc after the flip, for builds
 * that are not signed afterwards (an arm64 binary with a broken signature does not start).
 */
export function applyPackagedFuses(pathToElectron: string, options: { resetAdHocDarwinSignature?: boolean } = {}): Promise<number> {
  return flipFuses(pathToElectron, { ...PACKAGED_FUSES, resetAdHocDarwinSignature: options.resetAdHocDarwinSignature ?? false });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = process.argv[2];
  if (!target) {
    process.stderr.write('usage: npm run fuses -- <path to the packaged Electron binary or .app>\n');
    process.exit(64);
  }
  applyPackagedFuses(target).then(
    (n) => process.stdout.write(`fuses set on ${target} (${n} wire${n === 1 ? '' : 's'})\n`),
    (err: Error) => {
      process.stderr.write(`fuses: ${err.message}\n`);
      process.exit(1);
    },
  );
}
