/**
 * koffi (a prebuilt FFI module) loaded on first use, and only by the agent: the one-shot CLI
 * client never pays for it. Node has no API for a socket's peer credentials, so the agent calls
 * the C library's getsockopt() through koffi on the socket's file descriptor.
 *
 * Nothing here throws: a machine where koffi or the C library cannot be loaded gets null, and
 * the callers fail closed (in `ask` mode only client keys are then accepted).
 */
import { createRequire } from 'node:module';
import type * as KoffiModule from 'koffi';

export type Koffi = typeof KoffiModule;

let loaded: { koffi: Koffi | null; error: string | null } | null = null;

/** koffi, or null with the reason it could not be loaded. */
export function loadKoffi(): { koffi: Koffi | null; error: string | null } {
  if (loaded) return loaded;
  try {
    const require = createRequire(import.meta.url);
    loaded = { koffi: require('koffi') as Koffi, error: null };
  } catch (err) {
    loaded = { koffi: null, error: `koffi could not be loaded (${(err as Error).message?.split('\n')[0] ?? 'unknown error'})` };
  }
  return loaded;
}

/** The C library of this platform, as koffi names it. */
export function libcName(platform: NodeJS.Platform = process.platform): string | null {
  switch (platform) {
    case 'linux':
      return 'libc.so.6';
    case 'darwin':
      return 'libSystem.B.dylib';
    case 'freebsd':
      return 'libc.so.7';
    default:
      return null;
  }
}
