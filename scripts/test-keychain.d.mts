// Types for test-keychain.mjs (plain Node ESM so `npm test` needs no TypeScript loader to start).
export declare const HEADLESS_TEST_COMMAND: string;
export declare const SECRET_SERVICE_TOOLS: readonly string[];

export type KeychainProbe = { ok: true } | { ok: false; reason: string };

export declare function probeKeychain(env?: NodeJS.ProcessEnv): KeychainProbe;
export declare function onPath(name: string, env?: NodeJS.ProcessEnv): string | null;
export declare function missingSecretServiceTools(env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform): string[];
export declare function noKeychainMessage(reason: string, platform?: NodeJS.Platform, missing?: readonly string[]): string;
