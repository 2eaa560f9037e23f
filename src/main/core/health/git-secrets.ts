import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_VALUE_PATTERNS, findSecretValues, isSecretFileName, type SecretValueKind } from '../secret-patterns.js';
import { git, GitMissingError, type GitLimits, type GitRun } from './git-run.js';

/**
 * Asks git — not .gitignore's text — whether secrets are or were committed.
 * A tracked file is committed whatever .gitignore says, and a secret removed
 * in a later commit is still in history, so this checks five things: files
 * tracked now, files ever added, secret files in the work tree that git would
 * pick up, secret-looking values in tracked content, and in history.
 * Findings carry masked values only.
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

/** One scan step: what it found, and the git runs whose failure would make it incomplete. */
interface StepResult {
  findings: SecretFinding[];
  runs: Array<{ step: string; run: GitRun; okCodes?: number[] }>;
}

interface ScanContext {
  root: string;
  limits: GitLimits;
  excludes: string[];
  maxCommits: number;
}

/** The work tree's root, or the result to return when there is no repository to scan. */
async function findRoot(repoDir: string, limits: GitLimits): Promise<string | SecretScanResult> {
  const base = { repoDir, findings: [] as SecretFinding[], ok: false };
  if (!existsSync(repoDir) || !statSync(repoDir).isDirectory()) {
    return { ...base, status: 'not_a_repo', message: `${repoDir} is not a folder.` };
  }
  try {
    const top = await git(repoDir, ['rev-parse', '--show-toplevel'], limits);
    if (top.code === 0) return top.stdout.trim();
    const notRepo = /not a git repository/i.test(top.stderr);
    return {
      ...base,
      status: notRepo ? 'not_a_repo' : 'git_error',
      message: notRepo
        ? `${repoDir} is not a git repository, so there is nothing committed to check.`
        : `git could not read ${repoDir}: ${top.stderr.trim().split('\n')[0] ?? 'unknown error'}`,
    };
  } catch (err) {
    if (err instanceof GitMissingError) {
      return {
        ...base,
        status: 'git_unavailable',
        message: 'git is not installed or not on PATH, so committed secrets cannot be checked.',
      };
    }
    throw err;
  }
}

/** 1. Secret files tracked now. */
async function trackedSecretFiles(ctx: ScanContext): Promise<StepResult & { paths: Set<string> }> {
  const run = await git(ctx.root, ['ls-files', '-z'], ctx.limits);
  const paths = new Set(run.stdout.split('\0').filter((p) => p && isSecretFileName(p)));
  const findings = [...paths].map((path): SecretFinding => ({
    kind: 'tracked_secret_file',
    severity: 'fail',
    path,
    message: `${path} holds secrets and is tracked by git (committed or staged).`,
    fix: `git rm --cached -- '${path}' && commit; ${ignoreFix(path)} ${HISTORY_NOTE}`,
  }));
  return { findings, paths, runs: [{ step: 'tracked-file listing (git ls-files)', run }] };
}

/** 2. Secret files ever added in any commit of any branch (those tracked now are reported by step 1). */
async function secretFilesInHistory(ctx: ScanContext, tracked: Set<string>): Promise<StepResult> {
  const run = await git(ctx.root, ['log', '--all', '--diff-filter=A', '--name-only', '--format=%x01%h'], ctx.limits);
  const everAdded = new Map<string, string>(); // path -> oldest commit that added it
  let commit = '';
  for (const line of run.stdout.split('\n')) {
    if (line.startsWith('\x01')) commit = line.slice(1);
    else if (line && isSecretFileName(line)) everAdded.set(line, commit);
  }
  const findings = [...everAdded]
    .filter(([path]) => !tracked.has(path))
    .map(([path, c]): SecretFinding => ({
      kind: 'secret_file_in_history',
      severity: 'fail',
      path,
      commit: c,
      message: `${path} was committed in ${c} and is still in the repository history.`,
      fix: `${HISTORY_NOTE} ${ignoreFix(path)}`,
    }));
  return { findings, runs: [{ step: 'history file listing (git log --diff-filter=A)', run }] };
}

/** 3. Secret files present in the work tree that git would add (not ignored), and a .gitignore that would let .env in. */
async function unignoredSecretFiles(ctx: ScanContext, tracked: Set<string>): Promise<StepResult> {
  const { root, limits } = ctx;
  const run = await git(root, ['ls-files', '-z', '--others', '--exclude-standard'], limits);
  const candidates = new Set(run.stdout.split('\0').filter((p) => p && isSecretFileName(p)));
  for (const name of ['.env', 'tokens.db', 'credentials.json']) {
    if (existsSync(join(root, name)) && !tracked.has(name)) candidates.add(name);
  }
  const findings: SecretFinding[] = [];
  for (const path of candidates) {
    if ((await git(root, ['check-ignore', '-q', '--', path], limits)).code === 0) continue; // ignored: fine
    findings.push({
      kind: 'secret_file_not_ignored',
      severity: 'fail',
      path,
      message: `${path} exists in the work tree and is not ignored by git; the next "git add ." commits it.`,
      fix: ignoreFix(path),
    });
  }
  if (!existsSync(join(root, '.env')) && !tracked.has('.env')) {
    if ((await git(root, ['check-ignore', '-q', '--no-index', '--', '.env'], limits)).code !== 0) {
      findings.push({
        kind: 'env_not_ignored',
        severity: 'warn',
        path: '.env',
        message: '.gitignore does not ignore .env; a .env created later (the documented way to configure this app) would be committed.',
        fix: 'Add .env and .env.* (with !.env.example) to .gitignore.',
      });
    }
  }
  return { findings, runs: [{ step: 'untracked file listing (git ls-files --others)', run }] };
}

/** 4. Secret-looking values in tracked content. `current` collects them so history does not repeat them. */
async function secretValuesInTree(ctx: ScanContext, current: Set<string>): Promise<StepResult> {
  const patternArgs = SECRET_VALUE_PATTERNS.flatMap((p) => ['-e', p.ere]);
  const run = await git(ctx.root, ['grep', '-z', '-n', '-I', '-E', ...patternArgs, '--', '.', ...ctx.excludes], ctx.limits);
  const findings: SecretFinding[] = [];
  for (const rec of run.stdout.split('\n')) {
    const [path, lineNo, ...rest] = rec.split('\0');
    if (!path || !lineNo) continue;
    for (const hit of findSecretValues(rest.join('\0'))) {
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
  // git grep exits 1 when nothing matched.
  return { findings, runs: [{ step: 'tracked-content scan (git grep)', run, okCodes: [0, 1] }] };
}

/** 5. Secret-looking values added anywhere in the newest `maxCommits` commits, read from the patches. */
async function secretValuesInHistory(ctx: ScanContext, current: Set<string>): Promise<StepResult> {
  const combined = SECRET_VALUE_PATTERNS.map((p) => `(${p.ere})`).join('|');
  const run = await git(
    ctx.root,
    [
      'log',
      '--all',
      '-p',
      '--no-ext-diff',
      '--no-textconv',
      '--format=%x01%h',
      `-n${ctx.maxCommits}`,
      '-G',
      combined,
      '--',
      '.',
      ...ctx.excludes,
    ],
    ctx.limits,
  );
  const findings: SecretFinding[] = [];
  const seen = new Set<string>();
  let commit = '';
  let file = '';
  let newLine = 0;
  for (const line of run.stdout.split('\n')) {
    if (line.startsWith('\x01')) {
      commit = line.slice(1);
      file = '';
    } else if (line.startsWith('diff --git ')) {
      file = '';
    } else if (line.startsWith('+++ ')) {
      file = line === '+++ /dev/null' ? '' : line.slice(4).replace(/^b\//, '');
    } else if (line.startsWith('@@')) {
      newLine = Number(/\+(\d+)/.exec(line)?.[1] ?? 0);
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
  return { findings, runs: [{ step: 'history content scan (git log -G)', run }] };
}

export async function checkSecretsNotCommitted(repoDir: string, options: SecretScanOptions = {}): Promise<SecretScanResult> {
  const limits = { maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024, timeoutMs: options.timeoutMs ?? 60_000 };
  const root = await findRoot(repoDir, limits);
  if (typeof root !== 'string') return root;
  const ctx: ScanContext = {
    root,
    limits,
    excludes: (options.exclude ?? []).map((p) => `:(exclude)${p}`),
    maxCommits: Math.max(1, Math.floor(options.maxHistoryCommits ?? 2000)),
  };
  const tracked = await trackedSecretFiles(ctx);
  const current = new Set<string>();
  const steps = [
    tracked,
    await secretFilesInHistory(ctx, tracked.paths),
    await unignoredSecretFiles(ctx, tracked.paths),
    await secretValuesInTree(ctx, current),
    await secretValuesInHistory(ctx, current),
  ];
  const findings = steps.flatMap((s) => s.findings);
  for (const { step, run, okCodes } of steps.flatMap((s) => s.runs)) {
    const problem = incomplete(step, run, okCodes);
    if (problem) findings.push(problem);
  }
  const fails = findings.filter((f) => f.severity === 'fail').length;
  return {
    repoDir,
    root,
    findings,
    ok: fails === 0,
    status: findings.length ? 'findings' : 'clean',
    message: findings.length
      ? `${fails} problem(s) and ${findings.length - fails} warning(s) about secrets in git.`
      : 'No secret files or secret-looking values are tracked or in history, and secret files present are ignored.',
  };
}
