/**
 * `osmen-cred` argument parsing and dispatch (node:util parseArgs).
 * runCli never exits the process and never throws: it returns the exit code,
 * having written the answer to io.out and at most one error line to io.err.
 */
import { parseArgs } from 'node:util';
import type { CredentialCore } from '../core/api.js';
import { EXIT, errorCodeOf, exitCodeFor, type ExitCode } from '../core/exit-codes.js';
import { COMMANDS } from './commands/index.js';
import { locateVault, openVault } from './open-vault.js';
import { safeMessage } from './format.js';
import type { CliIo, CommandSpec } from './command.js';
import { CliError } from './cli-error.js';

export const GLOBAL_OPTIONS = {
  home: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `osmen-cred - OsMEN credential helper: valid OAuth access tokens for scripts and agents

Usage: osmen-cred <command> [arguments] [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  --home <dir>  data folder (default: $OSMEN_HOME, else ~/.osmen)
  --json        machine-readable output (list, status, check, refresh, disconnect, rotate-key, log, connect, provider list, grants, allow)
  -h, --help    help; \`osmen-cred <command> --help\` for one command

The master key comes from OAUTH_ENCRYPTION_KEY, else the OS keychain (the
desktop app's entry). Only \`connect\` and \`provider add\` create a vault (and
its key) when there is none; no command makes a new key for an existing vault.
Exit codes: 0 ok, 1 check/verify failed, 2 not found, 3 needs sign-in,
64 usage, 65 data, 70 internal, 74 disk full, 75 temporary (retry),
77 not allowed (consent_required: no grant; forbidden), 78 configuration;
\`run\` exits with its command's code. \`token\`, \`status\` and \`run\` ask a
running agent first ($OSMEN_AGENT_SOCK, then <data folder>/agent.sock).
`;
}

function usage(message: string): CliError {
  return new CliError('USAGE', 'usage', `${message} See \`osmen-cred --help\`.`);
}

interface Parsed {
  command?: CommandSpec;
  help: boolean;
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  tokens: ReadonlyArray<{ kind: string; name?: string; value?: string | boolean }>;
  rest: string[];
}

export function parse(argv: string[]): Parsed {
  // One pass over the union of all options, then a per-command check: parseArgs
  // cannot know the command before it has parsed past global options like --home.
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { ...GLOBAL_OPTIONS };
  for (const c of COMMANDS) for (const [name, type] of Object.entries(c.options)) options[name] = { type };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    // parseArgs' messages quote the offending argument; clip it (it could be a pasted secret).
    const first = err instanceof Error ? (err.message.split(/\.\s/)[0] ?? '') : '';
    throw usage(`${first.replace(/'([^'\s]{40})[^'\s]*'/g, "'$1…'") || 'Invalid arguments'}.`);
  }
  const tokens = parsed.tokens ?? [];
  // Arguments after `--` belong to `run`'s command, whatever they look like.
  const terminator = tokens.find((t) => t.kind === 'option-terminator')?.index;
  const rest = terminator === undefined ? [] : argv.slice(terminator + 1);
  const [name, ...positionals] = parsed.positionals.slice(0, parsed.positionals.length - rest.length);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const help = values.help === true || name === 'help';
  if (name === undefined || name === 'help') {
    const target = name === 'help' ? positionals[0] : undefined;
    const command = target === undefined ? undefined : COMMANDS.find((c) => c.name === target);
    if (target !== undefined && !command) throw usage(`Unknown command "${target.slice(0, 40)}".`);
    return { command, help: true, positionals: [], values, tokens, rest };
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw usage(`Unknown command "${name.slice(0, 40)}".`);
  if (help) return { command, help: true, positionals, values, tokens, rest };
  if (rest.length > 0 && !command.passThrough) throw usage(`${command.name} takes no arguments after --.`);
  if (command.passThrough && rest.length === 0) throw usage(`${command.name} needs -- <command> [args…] at the end.`);
  for (const key of Object.keys(values)) {
    if (key in GLOBAL_OPTIONS || key in command.options) continue;
    throw usage(`${command.name} does not take --${key}.`);
  }
  const required = command.args.filter((a) => !a.endsWith('?')).length;
  if (positionals.length < required || positionals.length > command.args.length) {
    const shape = command.args.map((a) => (a.endsWith('?') ? `[<${a.slice(0, -1)}>]` : `<${a}>`)).join(' ');
    throw usage(`${command.name} takes ${shape || 'no arguments'}.`);
  }
  for (const p of positionals) {
    if (p === '' || p.length > 512) throw usage('Provider and user must be 1 to 512 characters.');
  }
  return { command, help: false, positionals, values, tokens, rest };
}

export async function runCli(argv: string[], io: CliIo): Promise<ExitCode | number> {
  let core: CredentialCore | undefined;
  let code: ExitCode | number;
  try {
    const parsed = parse(argv);
    if (parsed.help) {
      io.out(parsed.command ? `${parsed.command.help}\n` : mainHelp());
      return EXIT.OK;
    }
    const command = parsed.command!;
    const home = typeof parsed.values.home === 'string' ? parsed.values.home : undefined;
    if (home !== undefined && home.trim() === '') throw usage('--home needs a folder.');
    const vault = locateVault(home, io.env);
    const mode = typeof command.vaultMode === 'function' ? command.vaultMode(parsed) : (command.vaultMode ?? 'read-only');
    code = await command.run({
      io,
      positionals: parsed.positionals,
      values: parsed.values,
      tokens: parsed.tokens,
      rest: parsed.rest,
      vault,
      open: async (opts) => {
        core ??= await openVault(vault, io.env, { mode, background: opts?.background });
        return core;
      },
      close: async () => {
        const opened = core;
        core = undefined;
        await opened?.close();
      },
    });
  } catch (err) {
    code = exitCodeFor(err);
    io.err(`osmen-cred: error [${errorCodeOf(err)}]: ${safeMessage(err)}\n`);
  }
  if (core) {
    try {
      await core.close();
    } catch (err) {
      io.err(`osmen-cred: error [${errorCodeOf(err)}]: closing the vault failed: ${safeMessage(err)}\n`);
      if (code === EXIT.OK) code = EXIT.SOFTWARE;
    }
  }
  return code;
}
