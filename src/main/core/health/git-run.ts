/**
 * Runs git for the secret scan: through execFile (no shell, so paths and patterns are arguments,
 * never shell text), with the GIT_* environment removed and nothing in the scanned repository's
 * config allowed to run a program.
 */
import { execFile } from 'node:child_process';

export interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
  overflow: boolean;
}

export class GitMissingError extends Error {}

/** The environment without GIT_* variables (GIT_CONFIG_COUNT/KEY/VALUE can inject config that runs programs). */
function gitFreeEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
}

export function git(cwd: string, args: string[], opts: GitLimits): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      // core.fsmonitor runs a program on index reads; a scanned repo's config must not run anything.
      ['-c', 'core.quotePath=false', '-c', 'color.ui=false', '-c', 'core.fsmonitor=false', ...args],
      {
        cwd,
        maxBuffer: opts.maxBuffer,
        timeout: opts.timeoutMs,
        encoding: 'utf8',
        windowsHide: true,
        env: { ...gitFreeEnv(), GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C' },
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr, overflow: false });
        const e = err as NodeJS.ErrnoException & { code?: string | number };
        if (e.code === 'ENOENT') return reject(new GitMissingError('git is not installed or not on PATH'));
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return resolve({ code: 0, stdout, stderr, overflow: true });
        const killed = (err as { killed?: boolean; signal?: string | null }).killed;
        const why = killed ? `timed out after ${opts.timeoutMs} ms\n${stderr}` : stderr;
        resolve({ code: typeof e.code === 'number' ? e.code : 1, stdout, stderr: why, overflow: false });
      },
    );
  });
}

export interface GitLimits {
  maxBuffer: number;
  timeoutMs: number;
}
