import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_VALUE_PATTERNS, findSecretValues, isSecretFileName, type SecretValueKind } from '../secret-patterns.js';

/**
 * Asks git — not .gitignore's text — whether secrets are or were committed.
 * A tracked file is committed whatever .gitignore says, and a secret removed
 * in a later commit is still in history, so this checks four things: files
 * tracked now, files ever added, secret files in the work tree that git would
 * pick up, and secret-looking values in tracked content and in history.
 *
 * git runs through execFile (no shell), so paths and patterns are arguments,
 * never shell text. Findings carry masked values only.
 */

export type SecretFindingKind =
  | 'tracked_secret_file'
  | 'secret_file_in_history'
  | 'secret_file_not_ignored'
  | 'env_not_ignored'
  | 'secret_value'
  | 'secret_value_in_history'
  | 'scan_incomplete';

export interface SecretFinding {
  kind: SecretFindingKind;
  severity: 'fail' | 'warn';
  /** Repository-relative path. */
  path: string;
  line?: number;
  /** Commit (abbreviated) for history findings. */
  commit?: string;
  /** For value findings: which kind of secret. */
  secretKind?: SecretValueKind;
  /** What is wrong; never contains the secret (values are masked). */
  message: string;
  /** What to do about it. */
  fix: string;
}

export interface SecretScanResult {
  /** False when any finding has severity 'fail', or the scan could not run. */
  ok: boolean;
  status: 'clean' | 'findings' | 'not_a_repo' | 'git_unavailable' | 'git_error';
  repoDir: string;
  /** The work tree root git reported (when a repository). */
  root?: string;
  findings: SecretFinding[];
  message: string;
}

export interface SecretScanOptions {
  /** Pathspecs left out of the content scans (fixtures with fake secrets). */
  exclude?: string[];
  /** Newest commits the history value scan looks at (git log -n). Default 2000. */
  maxHistoryCommits?: number;
  /** Output cap for one git command. Default 64 MiB. */
  maxBuffer?: number;
  /** Per-command time limit. Default 60 s. */
  timeoutMs?: number;
}

interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
  overflow: boolean;
}

class GitMissingError extends Error {}

/** The environment without GIT_* variables (GIT_CONFIG_COUNT/KEY/VALUE can inject config that runs programs). */
function gitFreeEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
}

function git(cwd: string, args: string[], opts: { maxBuffer: number; timeoutMs: number }): Promise<GitRun> {
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

const HISTORY_NOTE =
  'Removing it in a new commit does not remove it from history: treat the secret as exposed and rotate it. ' +
  'To purge history, rewrite it (git filter-repo --invert-paths --path <file>, or BFG), force-push, and have every clone re-clone.';

function ignoreFix(path: string): string {
  return `Add it to .gitignore (echo '${path}' >> .gitignore) so that git add cannot pick it up.`;
}

/** A git step that failed or was cut off makes the scan incomplete; say so instead of reporting "clean". */
function incomplete(step: string, r: GitRun, okCodes: number[] = [0]): SecretFinding | null {
  if (r.overflow) {
    return {
      kind: 'scan_incomplete',
      severity: 'warn',
      path: '.',
      message: `The ${step} produced more output than the limit; some findings may be missing.`,
      fix: 'Fix the listed findings and run the check again, or run a dedicated scanner (for example gitleaks) over the repository.',
    };
  }
  if (okCodes.includes(r.code)) return null;
  const why = r.stderr.trim().split('\n')[0] ?? '';
  return {
    kind: 'scan_incomplete',
    severity: 'warn',
    path: '.',
    message: `The ${step} failed (git exit ${r.code}${why ? `: ${why.slice(0, 200)}` : ''}); its findings are missing.`,
    fix: 'Run the git command by hand in the repository to see the error, fix it, and check again.',
  };
}

export async function checkSecretsNotCommitted(repoDir: string, options: SecretScanOptions = {}): Promise<SecretScanResult> {
  const run = { maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024, timeoutMs: options.timeoutMs ?? 60_000 };
  const maxCommits = Math.max(1, Math.floor(options.maxHistoryCommits ?? 2000));
  const excludes = (options.exclude ?? []).map((p) => `:(exclude)${p}`);
  const base = { repoDir, findings: [] as SecretFinding[] };

  if (!existsSync(repoDir) || !statSync(repoDir).isDirectory()) {
    return { ...base, ok: false, status: 'not_a_repo', message: `${repoDir} is not a folder.` };
  }
  let root: string;
  try {
    const top = await git(repoDir, ['rev-parse', '--show-toplevel'], run);
    if (top.code !== 0) {
      const notRepo = /not a git repository/i.test(top.stderr);
      return {
        ...base,
        ok: false,
        status: notRepo ? 'not_a_repo' : 'git_error',
        message: notRepo
          ? `${repoDir} is not a git repository, so there is nothing committed to check.`
          : `git could not read ${repoDir}: ${top.stderr.trim().split('\n')[0] ?? 'unknown error'}`,
      };
    }
    root = top.stdout.trim();
  } catch (err) {
    if (err instanceof GitMissingError) {
      return { ...base, ok: false, status: 'git_unavailable', message: 'git is not installed or not on PATH, so committed secrets cannot be checked.' };
    }
    throw err;
  }

  const findings: SecretFinding[] = [];

  // 1. Secret files tracked now.
  const lsTracked = await git(root, ['ls-files', '-z'], run);
  const tracked = lsTracked.stdout.split('\0').filter(Boolean);
  const trackedSecret = new Set(tracked.filter(isSecretFileName));
  for (const path of trackedSecret) {
    findings.push({
      kind: 'tracked_secret_file',
      severity: 'fail',
      path,
      message: `${path} holds secrets and is tracked by git (committed or staged).`,
      fix: `git rm --cached -- '${path}' && commit; ${ignoreFix(path)} ${HISTORY_NOTE}`,
    });
  }

  // 2. Secret files ever added in any commit of any branch.
  const added = await git(root, ['log', '--all', '--diff-filter=A', '--name-only', '--format=%x01%h'], run);
  const everAdded = new Map<string, string>(); // path -> oldest commit that added it
  let commit = '';
  for (const line of added.stdout.split('\n')) {
    if (line.startsWith('\x01')) commit = line.slice(1);
    else if (line && isSecretFileName(line)) everAdded.set(line, commit);
  }
  for (const [path, c] of everAdded) {
    if (trackedSecret.has(path)) continue; // reported above, with the history note
    findings.push({
      kind: 'secret_file_in_history',
      severity: 'fail',
      path,
      commit: c,
      message: `${path} was committed in ${c} and is still in the repository history.`,
      fix: `${HISTORY_NOTE} ${ignoreFix(path)}`,
    });
  }

  // 3. Secret files present in the work tree that git would add (not ignored).
  const others = await git(root, ['ls-files', '-z', '--others', '--exclude-standard'], run);
  const candidates = new Set(others.stdout.split('\0').filter((p) => p && isSecretFileName(p)));
  for (const name of ['.env', 'tokens.db', 'credentials.json']) {
    if (existsSync(join(root, name)) && !trackedSecret.has(name)) candidates.add(name);
  }
  for (const path of candidates) {
    const ig = await git(root, ['check-ignore', '-q', '--', path], run);
    if (ig.code === 0) continue; // ignored: fine
    findings.push({
      kind: 'secret_file_not_ignored',
      severity: 'fail',
      path,
      message: `${path} exists in the work tree and is not ignored by git; the next "git add ." commits it.`,
      fix: ignoreFix(path),
    });
  }
  if (!existsSync(join(root, '.env')) && !trackedSecret.has('.env')) {
    const ig = await git(root, ['check-ignore', '-q', '--no-index', '--', '.env'], run);
    if (ig.code !== 0) {
      findings.push({
        kind: 'env_not_ignored',
        severity: 'warn',
        path: '.env',
        message: '.gitignore does not ignore .env; a .env created later (the documented way to configure this app) would be committed.',
        fix: "Add .env and .env.* (with !.env.example) to .gitignore.",
      });
    }
  }

  // 4. Secret-looking values in tracked content.
  const patternArgs = SECRET_VALUE_PATTERNS.flatMap((p) => ['-e', p.ere]);
  const grep = await git(root, ['grep', '-z', '-n', '-I', '-E', ...patternArgs, '--', '.', ...excludes], run);
  const current = new Set<string>();
  for (const rec of grep.stdout.split('\n')) {
    if (!rec) continue;
    const [path, lineNo, ...rest] = rec.split('\0');
    if (!path || !lineNo) continue;
    const text = rest.join('\0');
    for (const hit of findSecretValues(text)) {
      current.add(`${path}\0${hit.kind}\0${hit.masked}`);
      findings.push({
        kind: 'secret_value',
        severity: 'fail',
        path,
        line: Number(lineNo),
        secretKind: hit.kind,
        message: `${hit.title} (${hit.masked}) in tracked file ${path} line ${lineNo}.`,
        fix: `Move the value out of the file (into .env, which is ignored) and commit the removal. ${hit.rotate} ${HISTORY_NOTE}`,
      });
    }
  }

  // 5. Secret-looking values added anywhere in (bounded) history.
  const combined = SECRET_VALUE_PATTERNS.map((p) => `(${p.ere})`).join('|');
  const hist = await git(
    root,
    ['log', '--all', '-p', '--no-ext-diff', '--no-textconv', '--format=%x01%h', `-n${maxCommits}`, '-G', combined, '--', '.', ...excludes],
    run,
  );
  const seen = new Set<string>();
  let file = '';
  let newLine = 0;
  commit = '';
  for (const line of hist.stdout.split('\n')) {
    if (line.startsWith('\x01')) {
      commit = line.slice(1);
      file = '';
    } else if (line.startsWith('diff --git ')) {
      file = '';
    } else if (line.startsWith('+++ ')) {
      file = line === '+++ /dev/null' ? '' : line.slice(4).replace(/^b\//, '');
    } else if (line.startsWith('@@')) {
      const m = /\+(\d+)/.exec(line);
      newLine = m ? Number(m[1]) : 0;
    } else if (line.startsWith('+') && file) {
      for (const hit of findSecretValues(line.slice(1))) {
        const key = `${file}\0${hit.kind}\0${hit.masked}`;
        if (current.has(key) || seen.has(key)) continue;
        seen.add(key);
        findings.push({
          kind: 'secret_value_in_history',
          severity: 'fail',
          path: file,
          line: newLine,
          commit,
          secretKind: hit.kind,
          message: `${hit.title} (${hit.masked}) was committed in ${commit} (${file} line ${newLine}) and is still in history.`,
          fix: `${hit.rotate} ${HISTORY_NOTE}`,
        });
      }
      newLine++;
    } else if (line.startsWith(' ')) {
      newLine++;
    }
  }

  for (const problem of [
    incomplete('tracked-file listing (git ls-files)', lsTracked),
    incomplete('history file listing (git log --diff-filter=A)', added),
    incomplete('untracked file listing (git ls-files --others)', others),
    incomplete('tracked-content scan (git grep)', grep, [0, 1]),
    incomplete('history content scan (git log -G)', hist),
  ]) {
    if (problem) findings.push(problem);
  }

  const fails = findings.filter((f) => f.severity === 'fail').length;
  return {
    ...base,
    root,
    findings,
    ok: fails === 0,
    status: findings.length ? 'findings' : 'clean',
    message: findings.length
      ? `${fails} problem(s) and ${findings.length - fails} warning(s) about secrets in git.`
      : 'No secret files or secret-looking values are tracked or in history, and secret files present are ignored.',
  };
}
