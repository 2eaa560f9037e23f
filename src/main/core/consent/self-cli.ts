/**
 * Recognising osmen-cred itself among a peer's processes, so the program that asked is the one
 * that ran the CLI, not the CLI. Only by resolved path, never by name: the bundle
 * (out/main/osmen-cred.js), the launcher (bin/osmen-cred.js) and the sources under tsx
 * (src/main/cli/osmen-cred.ts) of this installation, run by Node (or by this app's own
 * executable as Node). A copy elsewhere, or another program named osmen-cred, is a program.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interpreterFamily, scriptArg } from './interpreters.js';
import type { ProcessInfo } from './process-info.js';

const PACKAGE_NAME = 'osmen-credential-manager';

/** The installation's root folder: the nearest folder above this module with our package.json. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string | null {
  let dir = dirname(from);
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
      } catch {
        // not ours
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export interface SelfCli {
  /** Resolved paths that are osmen-cred's entry points. */
  readonly files: ReadonlySet<string>;
  /** Executables that run it besides Node (the packaged app's own, in ELECTRON_RUN_AS_NODE mode). */
  readonly runners: ReadonlySet<string>;
}

export function selfCli(root: string | null = packageRoot(), execPath: string = process.execPath): SelfCli {
  const files = new Set<string>();
  if (root) {
    for (const rel of ['out/main/osmen-cred.js', 'bin/osmen-cred.js', 'src/main/cli/osmen-cred.ts']) {
      files.add(resolve(root, rel));
      files.add(real(resolve(root, rel)));
    }
  }
  return { files, runners: new Set([execPath, real(execPath)]) };
}

function resolveIn(cwd: string | null, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd ?? '/', path);
}

/**
 * The CLI's own arguments when this process is osmen-cred (`['token', 'google', 'me']`), else
 * null. tsx's launcher (`tsx src/main/cli/osmen-cred.ts`) counts as the CLI too.
 */
export function cliArguments(info: ProcessInfo, self: SelfCli): string[] | null {
  if (!info.exePath) return null;
  const family = interpreterFamily(info.exePath);
  const isNode = family === 'node' || family === 'nodejs' || self.runners.has(info.exePath);
  if (!isNode) return null;
  let arg = scriptArg('node', info.argv.slice(1));
  if (arg.kind !== 'file') return null;
  let path = real(resolveIn(info.cwd, arg.path));
  if (/[/\\]tsx[/\\]dist[/\\]cli\.m?js$/.test(path)) {
    arg = scriptArg('node', arg.rest);
    if (arg.kind !== 'file') return null;
    path = real(resolveIn(info.cwd, arg.path));
  }
  return self.files.has(path) ? arg.rest : null;
}

/** `run … -- <command> [args…]`: the command and its arguments, or null for any other CLI call. */
export function runCommandOf(cliArgs: readonly string[]): string[] | null {
  const sep = cliArgs.indexOf('--');
  if (sep < 0 || sep + 1 >= cliArgs.length) return null;
  // The first operand before `--` is the command name; run's options all take a value.
  for (let i = 0; i < sep; i++) {
    const a = cliArgs[i]!;
    if (a.startsWith('--')) {
      if (!a.includes('=')) i++;
      continue;
    }
    return a === 'run' ? cliArgs.slice(sep + 1) : null;
  }
  return null;
}
