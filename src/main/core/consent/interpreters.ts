/**
 * Interpreters: when the running executable is one, the program is the script it runs. The
 * executable's base name decides (`python3.11`, `perl5.36.0`, `node`), and each interpreter's
 * own command-line rules find the script among its arguments (skipping options and their
 * values), or say the code came inline (`-c`, `-e`), as a module (`python3 -m`) or on stdin.
 */
import { basename } from 'node:path';
import type { InterpreterFamily } from '../contracts/consent.js';

/** The interpreters the issue names, plus the names they go by on common systems (python, nodejs, dash = Debian's sh). */
const FAMILIES = [
  'python3',
  'python',
  'nodejs',
  'node',
  'bash',
  'dash',
  'zsh',
  'sh',
  'ruby',
  'perl',
  'deno',
  'bun',
] as const satisfies readonly InterpreterFamily[];

const FAMILY_RE = new RegExp(`^(${FAMILIES.join('|')})(?:[-.]?\\d[\\d.]*)?$`);

/** The interpreter family of an executable path (`/usr/bin/python3.11` → python3), or null. */
export function interpreterFamily(exePath: string): InterpreterFamily | null {
  const m = FAMILY_RE.exec(basename(exePath));
  return m ? (m[1] as InterpreterFamily) : null;
}

export type ScriptArg =
  | { kind: 'file'; path: string; rest: string[] }
  | { kind: 'inline'; flag: string; code: string }
  | { kind: 'module'; name: string }
  | { kind: 'stdin' };

interface Rules {
  /** Options that take the next argument as their value. */
  withValue: ReadonlySet<string>;
  /** Options whose value is the code itself. */
  inline: ReadonlySet<string>;
  /** Option whose value is a module to run (python -m). */
  module?: string;
  /** Sub-commands to skip before the script (deno run, bun run). */
  subcommands?: ReadonlySet<string>;
}

const set = (...xs: string[]) => new Set(xs);

const RULES: Record<'node' | 'python' | 'shell' | 'ruby' | 'perl' | 'deno' | 'bun', Rules> = {
  node: {
    withValue: set(
      '-r',
      '--require',
      '--import',
      '--loader',
      '--experimental-loader',
      '-C',
      '--conditions',
      '--env-file',
      '--input-type',
      '--title',
    ),
    inline: set('-e', '--eval', '-p', '--print'),
  },
  python: { withValue: set('-W', '-X', '-Q'), inline: set('-c'), module: '-m' },
  shell: { withValue: set('-o', '+o', '-O', '+O', '--rcfile', '--init-file'), inline: set('-c') },
  ruby: { withValue: set('-r', '-I', '-C', '-E', '--encoding'), inline: set('-e') },
  perl: { withValue: set('-I', '-M', '-m'), inline: set('-e', '-E') },
  deno: { withValue: set('--config', '-c', '--import-map', '--location', '--seed'), inline: set(), subcommands: set('run') },
  bun: { withValue: set('-r', '--preload', '--cwd', '--env-file'), inline: set('-e', '--eval', '-p', '--print'), subcommands: set('run') },
};

function rulesFor(family: InterpreterFamily): Rules {
  switch (family) {
    case 'node':
    case 'nodejs':
      return RULES.node;
    case 'python':
    case 'python3':
      return RULES.python;
    case 'ruby':
      return RULES.ruby;
    case 'perl':
      return RULES.perl;
    case 'deno':
      return RULES.deno;
    case 'bun':
      return RULES.bun;
    default:
      return RULES.shell;
  }
}

/** Where the code an interpreter runs comes from, given its arguments (argv without argv[0]). */
export function scriptArg(family: InterpreterFamily, args: readonly string[]): ScriptArg {
  const rules = rulesFor(family);
  const isShell = rulesFor(family) === RULES.shell;
  let inlineFlag: string | null = null;
  let skippedSub = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      const next = args[i + 1];
      if (inlineFlag && next !== undefined) return { kind: 'inline', flag: inlineFlag, code: next };
      return next === undefined ? { kind: 'stdin' } : { kind: 'file', path: next, rest: args.slice(i + 2) };
    }
    if (a === '-') return { kind: 'stdin' };
    if (rules.inline.has(a)) {
      // sh -c 'cmd': the command string is the first operand; the others are its $0, $1…
      if (isShell) {
        inlineFlag = a;
        continue;
      }
      return { kind: 'inline', flag: a, code: args[i + 1] ?? '' };
    }
    if (rules.module && a === rules.module) return { kind: 'module', name: args[i + 1] ?? '' };
    if (rules.module && a.startsWith(rules.module) && a.length > rules.module.length) return { kind: 'module', name: a.slice(2) };
    if (!a.startsWith('-') && !(isShell && a.startsWith('+'))) {
      if (rules.subcommands?.has(a) && !skippedSub) {
        skippedSub = true;
        continue;
      }
      if (inlineFlag) return { kind: 'inline', flag: inlineFlag, code: a };
      return { kind: 'file', path: a, rest: args.slice(i + 1) };
    }
    if (a.includes('=')) continue;
    if (rules.withValue.has(a)) i++;
    // A shell's combined flags (-ec 'cmd') carry -c too.
    else if (isShell && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a)) inlineFlag = '-c';
    else if (family.startsWith('python') && /^-[a-zA-Z]*c$/.test(a)) return { kind: 'inline', flag: '-c', code: args[i + 1] ?? '' };
  }
  return inlineFlag ? { kind: 'inline', flag: inlineFlag, code: '' } : { kind: 'stdin' };
}
