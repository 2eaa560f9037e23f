/**
 * "The program": which program is asking for a token, worked out by the agent from the peer's
 * pid (or by the CLI from its own), never taken from the client. From the peer pid it walks up
 * past osmen-cred itself and takes the first other process: its executable (path and SHA-256),
 * and for an interpreter the script (path, resolved against the process's working folder, and
 * SHA-256) or the inline code; its start time (re-checked before each answer); its parents (up
 * to 4 names); its session and terminal. For `osmen-cred run -- cmd`, the program is cmd: the
 * command the CLI is about to start (docs/cli.md explains why).
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';
import type { FileHashCache } from './file-hash.js';
import type { InterpreterFamily, ProgramFile, ProgramIdentity, SessionRef } from '../contracts/consent.js';
import { interpreterFamily, scriptArg } from './interpreters.js';
import type { ProcessInfo, ProcessSource } from './process-info.js';
import { cliArguments, runCommandOf, type SelfCli } from './self-cli.js';

export interface IdentifyDeps {
  source: ProcessSource;
  self: SelfCli;
  hashes: FileHashCache;
  home?: string;
  /** Hash a script's interpreter only when asked (hashExe()): the CLI, which hashes anew each run. */
  lazyInterpreter?: boolean;
}

const MAX_WALK = 32;
const MAX_PARENTS = 4;

function tilde(path: string | null, home: string): string | null {
  if (!path) return null;
  if (home && (path === home || path.startsWith(`${home}/`))) return `~${path.slice(home.length)}`;
  return path;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** What a process is called in a sentence: `python3 sync.py`, `bash`, `curl`. */
function shortName(info: ProcessInfo): string {
  const exe = info.exePath ? basename(info.exePath) : info.comm;
  const family = info.exePath ? interpreterFamily(info.exePath) : null;
  if (!family) return exe || info.comm;
  const argv0 = basename(info.argv[0] ?? '');
  const shown = interpreterFamily(argv0) ? argv0 : exe;
  const arg = scriptArg(family, info.argv.slice(1));
  if (arg.kind === 'file') return `${shown} ${basename(arg.path)}`;
  if (arg.kind === 'module') return `${shown} -m ${arg.name}`;
  return shown;
}

/** A script is counted by its interpreter's path and the script itself; anything else by its executable's hash. */
export function programKey(p: Pick<ProgramIdentity, 'exe' | 'script' | 'code'>): string {
  const id = p.script
    ? [p.exe.path, p.script.path, p.script.sha256]
    : [p.exe.path, p.exe.sha256, p.code?.label ?? null, p.code?.sha256 ?? null];
  return sha256(JSON.stringify(id)).slice(0, 24);
}

function describe(name: string, parents: string[], cwd: string | null, home: string, viaRun: boolean): string {
  const from = parents[0];
  const where = tilde(cwd, home);
  let text = viaRun ? `${name} (started by osmen-cred run)` : name;
  if (from) text += `, started from ${from}`;
  if (where) text += ` in ${where}`;
  return text;
}

/** A file path looked up like execvp does: with a slash, against cwd; else in PATH. */
function findCommand(command: string, cwd: string | null, pathVar: string | null, source: ProcessSource, pid: number): string | null {
  const isFile = (p: string) => {
    try {
      const read = source.fileReadPath(pid, p);
      accessSync(read, constants.X_OK);
      return statSync(read).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) {
    const p = isAbsolute(command) ? command : resolve(cwd ?? '/', command);
    return isFile(p) ? p : null;
  }
  for (const dir of (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    const p = resolve(cwd ?? '/', dir, command);
    if (isFile(p)) return p;
  }
  return null;
}

/** `#!/usr/bin/env python3 -u` → ['/usr/bin/env', 'python3', '-u']; null for a binary. */
function shebang(readPath: string): string[] | null {
  try {
    const head = readFileSync(readPath, { encoding: 'latin1', flag: 'r' }).slice(0, 256);
    if (!head.startsWith('#!')) return null;
    return head.slice(2).split('\n')[0]!.trim().split(/\s+/).filter(Boolean);
  } catch {
    return null;
  }
}

interface Parts {
  exePath: string;
  exeRead: string;
  family: InterpreterFamily | null;
  args: string[];
  cwd: string | null;
  pid: number;
}

async function fileParts(parts: Parts, deps: IdentifyDeps) {
  const { source, hashes } = deps;
  const exe: ProgramFile = { path: parts.exePath, sha256: null };
  let hashExe: (() => Promise<string | null>) | undefined;
  let script: ProgramFile | null = null;
  let code: ProgramIdentity['code'] = null;
  if (parts.family) {
    const arg = scriptArg(parts.family, parts.args);
    if (arg.kind === 'file') {
      const path = isAbsolute(arg.path) ? arg.path : resolve(parts.cwd ?? '/', arg.path);
      const read = source.fileReadPath(parts.pid, path);
      script = { path: pinnedPath(read, path), sha256: await hashes.hash(path, read) };
    } else if (arg.kind === 'inline') code = { label: arg.flag, sha256: sha256(arg.code) };
    else if (arg.kind === 'module') code = { label: `-m ${arg.name}`, sha256: null };
    else code = { label: 'stdin', sha256: null };
  }
  const readExe = async () => (exe.sha256 = await hashes.hash(parts.exePath, parts.exeRead));
  if (script && deps.lazyInterpreter) hashExe = readExe;
  else await readExe();
  return { exe, script, code, hashExe };
}

/** A symlinked script is pinned by where it really is (when that can be seen from here). */
function pinnedPath(read: string, path: string): string {
  const r = real(read);
  return r !== read && !r.startsWith('/proc/') ? r : read === path ? r : path;
}

function sessionOf(info: ProcessInfo, source: ProcessSource): SessionRef | null {
  if (!info.sid) return null;
  const leaderStart = source.startTime(info.sid);
  if (!leaderStart) return null;
  return { sid: info.sid, leaderStart, bootId: source.bootId(), tty: info.tty };
}

/**
 * The program behind `peerPid`, or null when the process (or every process above osmen-cred) is
 * gone or unreadable. Never throws.
 */
export async function identifyProgram(peerPid: number, deps: IdentifyDeps): Promise<ProgramIdentity | null> {
  const { source, self } = deps;
  const home = deps.home ?? homedir();
  let pid = peerPid;
  let runOf: { info: ProcessInfo; command: string[] } | null = null;
  let info: ProcessInfo | null = null;
  for (let i = 0; i < MAX_WALK && pid > 0; i++) {
    info = source.info(pid);
    if (!info) return null;
    const cli = cliArguments(info, self);
    if (!cli) break;
    const command = runCommandOf(cli);
    if (command) {
      runOf = { info, command };
      break;
    }
    pid = info.ppid;
    info = null;
  }
  if (!info) return null;
  const parents: string[] = [];
  for (let p = info.ppid, i = 0; p > 0 && i < MAX_PARENTS; i++) {
    const up = source.info(p);
    if (!up) break;
    parents.push(shortName(up));
    p = up.ppid;
  }
  try {
    if (runOf) return await runProgram(runOf.info, runOf.command, parents, deps, home);
    if (!info.exePath) return null;
    const family = interpreterFamily(info.exePath);
    const { exe, script, code, hashExe } = await fileParts(
      {
        exePath: info.exePath,
        exeRead: source.exeReadPath(info.pid, info.exePath),
        family,
        args: info.argv.slice(1),
        cwd: info.cwd,
        pid: info.pid,
      },
      deps,
    );
    const name = shortName(info);
    const identity = { exe, script, code };
    return {
      pid: info.pid,
      startTime: info.startTime,
      ...identity,
      interpreter: family,
      name,
      cwd: info.cwd,
      parents,
      session: sessionOf(info, source),
      viaRun: false,
      description: describe(name, parents, info.cwd, home, false),
      key: programKey(identity),
      ...(hashExe ? { hashExe } : {}),
    };
  } catch {
    return null;
  }
}

/** `osmen-cred run -- cmd args`: cmd as execvp will find it, through its #! line when it is a script. */
async function runProgram(cli: ProcessInfo, command: string[], parents: string[], deps: IdentifyDeps, home: string) {
  const { source } = deps;
  const [cmd, ...args] = command as [string, ...string[]];
  const pathVar = source.envVar(cli.pid, 'PATH');
  const found = findCommand(cmd, cli.cwd, pathVar, source, cli.pid);
  if (!found) return null;
  let exePath = real(found);
  let argv = args;
  const interp = shebang(source.fileReadPath(cli.pid, found));
  if (interp && interp.length > 0) {
    // `#!/usr/bin/env python3`: the interpreter is looked up in PATH.
    let [first, ...more] = interp as [string, ...string[]];
    if (basename(first) === 'env' && more.length > 0) [first, ...more] = more as [string, ...string[]];
    const interpreter = findCommand(first, cli.cwd, pathVar, source, cli.pid);
    if (interpreter) {
      exePath = real(interpreter);
      argv = [...more, found, ...args];
    }
  }
  const family = interpreterFamily(exePath);
  const { exe, script, code, hashExe } = await fileParts(
    { exePath, exeRead: source.fileReadPath(cli.pid, exePath), family, args: argv, cwd: cli.cwd, pid: cli.pid },
    deps,
  );
  const name = family && script ? `${basename(exePath)} ${basename(script.path)}` : basename(found);
  const identity = { exe, script, code };
  return {
    pid: null,
    startTime: null,
    ...identity,
    interpreter: family,
    name,
    cwd: cli.cwd,
    parents,
    session: sessionOf(cli, source),
    viaRun: true,
    description: describe(name, parents, cli.cwd, home, true),
    key: programKey(identity),
    ...(hashExe ? { hashExe } : {}),
  } satisfies ProgramIdentity;
}

/** Executable formats (ELF, Mach-O, fat Mach-O, PE): anything else that runs is a script. */
function isBinary(path: string): boolean {
  try {
    const head = readFileSync(path).subarray(0, 4);
    const magic = head.toString('hex');
    return magic === '7f454c46' || ['feedface', 'feedfacf', 'cefaedfe', 'cffaedfe', 'cafebabe'].includes(magic) || magic.startsWith('4d5a');
  } catch {
    return false;
  }
}

/**
 * A program given by path (`osmen-cred allow --program PATH`). A script is pinned by its own
 * path and hash and runs under any of the known interpreters (a #! line through `env`, pyenv
 * shims or another install of the same language would otherwise never match).
 */
export async function programFromPath(
  path: string,
  deps: Pick<IdentifyDeps, 'hashes'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ exe: ProgramFile; script: ProgramFile | null; interpreter: InterpreterFamily | null; name: string } | null> {
  const full = real(resolve(path));
  try {
    if (!statSync(full).isFile()) return null;
  } catch {
    return null;
  }
  if (!isBinary(full)) {
    const interp = shebang(full);
    let first = interp?.[0] ?? null;
    if (first && basename(first) === 'env') first = interp?.[1] ?? null;
    const family = first ? interpreterFamily(first) : null;
    const found = first && !first.includes('/') ? findOnPath(first, env.PATH ?? null) : first;
    return {
      exe: { path: found ?? '', sha256: null },
      script: { path: full, sha256: await deps.hashes.hash(full, full) },
      interpreter: family,
      name: `${family ?? 'script'} ${basename(full)}`,
    };
  }
  return {
    exe: { path: full, sha256: await deps.hashes.hash(full, full) },
    script: null,
    interpreter: interpreterFamily(full),
    name: basename(full),
  };
}

function findOnPath(command: string, pathVar: string | null): string | null {
  for (const dir of (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, command);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // next
    }
  }
  return null;
}
