// Types for electron-runtime.mjs (plain Node ESM so `npm start` needs no TypeScript loader).
export declare const EXIT_RUNTIME_UNAVAILABLE: 69;

export type RuntimeLookup = { ok: true; executable: string } | { ok: false; fatal: boolean; reason: string };
export type RuntimeResult = { ok: true; executable: string } | { ok: false; message: string };

/** What the diagnostics preload records inside Electron's installer. */
export type InstallRecord =
  | { kind: 'network'; url: string; code: string | null; message: string }
  | { kind: 'http'; url: string; status: number; statusText?: string }
  | { kind: 'error'; text: string };

export declare function electronPackageDir(root: string): string;
export declare function platformExecutable(platform?: NodeJS.Platform | 'mas'): string;
export declare function findRuntime(electronDir: string, env?: NodeJS.ProcessEnv): RuntimeLookup;
export declare function redactUrl(value: string): string;
export declare function explainInstallFailure(input: {
  version: string;
  records: InstallRecord[];
  exitCode: number;
  env?: NodeJS.ProcessEnv;
}): string;
export declare function installRuntime(
  electronDir: string,
  options?: { env?: NodeJS.ProcessEnv; stdout?: 'inherit' | 'pipe' | 'ignore' },
): Promise<RuntimeResult>;
export declare function ensureRuntime(
  electronDir: string,
  options?: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; stdout?: 'inherit' | 'pipe' | 'ignore' },
): Promise<RuntimeResult>;
