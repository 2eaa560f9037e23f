/**
 * `osmen-cred run --account <provider>:<user> [--env NAME] [--min-ttl SECONDS] -- <command> [args…]`
 *
 * Starts the command (no shell) with the access token in its environment, passes stdin, stdout,
 * stderr and signals through, and exits with the command's exit code (128+n when a signal ended
 * it). A token that cannot be had gives the CLI's exit code and the command is not started.
 */
import { oneLine } from '../../../shared/one-line.js';
import { askAgent } from '../../core/agent/client.js';
import { CLIENT_KEY_ENV } from '../../core/agent/protocol.js';
import { agentSocketCandidates, FALL_BACK, handedToken } from '../agent-first.js';
import { withoutVaultKey } from '../../core/vault-key-env.js';
import { withKeptTokens } from '../kept-tokens.js';
import { signalExitCode } from '../signal-hub.js';
import { parseMinTtl, TOKEN_CONTROL_CHARS_CODE, tokenTextRefusal, type HandedToken } from '../token-output.js';
import { runWithSdk } from './run-sdk.js';
import { spawnCommand } from './spawn-command.js';
import { tokenFromVault } from './token.js';
import { EXIT, categoryForExit } from '../../core/exit-codes.js';
import { CliError } from '../cli-error.js';
import type { CommandContext, CommandSpec } from '../command.js';

export const DEFAULT_TOKEN_ENV = 'OSMEN_ACCESS_TOKEN';
const EXPIRES_SUFFIX = '_EXPIRES_AT';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export interface AccountBinding {
  provider: string;
  user: string;
  env: string;
}

const usage = (message: string) => new CliError('USAGE', 'usage', `${message} See \`osmen-cred run --help\`.`);

/** Pairs each --env with the --account before it, in command-line order. */
export function accountBindings(tokens: CommandContext['tokens']): AccountBinding[] {
  const bindings: Array<{ provider: string; user: string; env?: string }> = [];
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    if (t.name === 'account') {
      const spec = typeof t.value === 'string' ? t.value : '';
      const colon = spec.indexOf(':');
      const provider = spec.slice(0, colon);
      const user = spec.slice(colon + 1);
      if (colon <= 0 || user === '' || provider.length > 512 || user.length > 512) {
        throw usage('--account takes <provider>:<user>, for example google:me@example.com.');
      }
      bindings.push({ provider, user });
    } else if (t.name === 'env') {
      const name = typeof t.value === 'string' ? t.value : '';
      const last = bindings[bindings.length - 1];
      if (!last) throw usage('--env names the variable of the --account before it; put it after an --account.');
      if (last.env !== undefined) throw usage('One --env per --account.');
      if (!ENV_NAME.test(name)) throw usage('--env takes an environment variable name (letters, digits, _; not starting with a digit).');
      last.env = name;
    }
  }
  if (bindings.length === 0) throw usage('run needs at least one --account <provider>:<user>.');
  const out = bindings.map((b, i) => {
    if (b.env === undefined && i > 0) throw usage('With several --account, give each one after the first its own --env NAME.');
    return { provider: b.provider, user: b.user, env: b.env ?? DEFAULT_TOKEN_ENV };
  });
  const names = out.flatMap((b) => [b.env, `${b.env}${EXPIRES_SUFFIX}`]);
  if (new Set(names).size !== names.length) throw usage('Each --env must name a different variable.');
  return out;
}

/** Every account's token: from a running agent when one answers, else from the vault. */
async function fetchTokens(ctx: CommandContext, bindings: AccountBinding[], minTtl: number): Promise<HandedToken[]> {
  const home = typeof ctx.values.home === 'string' ? ctx.values.home : undefined;
  const paths = agentSocketCandidates(home, ctx.io.env);
  const out: HandedToken[] = [];
  const key = ctx.io.env[CLIENT_KEY_ENV]?.trim() || undefined;
  for (const b of bindings) {
    // The agent sees this process, recognises osmen-cred run and takes the command it starts as the program.
    const asked = await askAgent(paths, { method: 'token', provider: b.provider, user: b.user, minTtl, ...(key ? { key } : {}) });
    const a = asked?.answer;
    if (a?.ok === true && handedToken(a)) {
      out.push(handedToken(a)!);
      continue;
    }
    const e = a?.error as { code?: unknown; message?: unknown; exitCode?: unknown } | undefined;
    if (a && e && !(typeof e.code === 'string' && FALL_BACK.has(e.code))) {
      const code = typeof e.code === 'string' && /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(e.code) ? e.code : 'INTERNAL';
      const exit =
        typeof e.exitCode === 'number' && Number.isInteger(e.exitCode) && e.exitCode > 0 && e.exitCode < 256 ? e.exitCode : EXIT.SOFTWARE;
      throw new CliError(code, categoryForExit(exit), oneLine(e.message ?? 'the agent failed'));
    }
    out.push(await withKeptTokens(ctx, (core) => tokenFromVault(core, b.provider, b.user, minTtl)));
  }
  return out;
}

export const run: CommandSpec = {
  name: 'run',
  args: [],
  options: { account: 'string', env: 'string', 'min-ttl': 'string', sdk: 'string', scopes: 'string', project: 'string' },
  passThrough: true,
  summary: 'run a command with an access token in its environment',
  help: `Usage: osmen-cred run --account <provider>:<user> [--env NAME] [--min-ttl SECONDS] -- <command> [args…]
       osmen-cred run --sdk google|azure --account <provider>:<user> [--scopes "a b"] [--project ID] -- <command> [args…]

Starts <command> (directly, no shell) with the account's access token in
${DEFAULT_TOKEN_ENV} (or NAME) and its expiry (ISO 8601) in
${DEFAULT_TOKEN_ENV}${EXPIRES_SUFFIX} (or NAME${EXPIRES_SUFFIX}; unset when the token has no expiry).
--account may repeat; each one after the first needs its own --env:
  osmen-cred run --account google:me@example.com --env GOOGLE_TOKEN \\
                 --account microsoft:me@example.com --env GRAPH_TOKEN -- ./sync.py
--min-ttl N: each token stays valid at least N more seconds (refreshed first).

The command's environment is yours without OAUTH_ENCRYPTION_KEY,
OSMEN_NEW_ENCRYPTION_KEY and OSMEN_KEYCHAIN_SERVICE: it gets tokens, never
the vault's key. stdin, stdout and stderr are the command's; SIGINT, SIGTERM,
SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH and SIGCONT are passed on to it.
The token is not refreshed while the command runs: ask for enough --min-ttl.

The program that gets the tokens is <command> (resolved like the shell would,
through PATH; for a script, the script): that is what a grant must name, e.g.
\`osmen-cred allow --account google:me@example.com --program ./sync.py\`.
--sdk google|azure: instead of a token variable, serves the account's tokens
to Google's or Azure's own libraries on 127.0.0.1 for the command's lifetime
(Compute Engine metadata / App Service managed identity protocol), sets the
variables they look for, and removes those that would make them look elsewhere
first (docs/cli.md, "Google and Azure SDKs"). --scopes: only these scopes;
--project: the Google project id the metadata server answers.

Exit codes: the command's own; 128+n when signal n ended it; 126/127 when it
cannot be started / is not found. When a token cannot be had, the command is
not started and the exit code is the same as \`osmen-cred token\`'s (2, 3, 75, 77, 78;
65 for a token with control characters, which never goes into an environment).`,
  async run(ctx) {
    if (ctx.values.sdk !== undefined) return runWithSdk(ctx);
    for (const name of ['scopes', 'project']) {
      if (ctx.values[name] !== undefined) throw usage(`--${name} goes with --sdk.`);
    }
    const bindings = accountBindings(ctx.tokens);
    const minTtl = ctx.values['min-ttl'] === undefined ? 0 : parseMinTtl(ctx.values['min-ttl']);
    if (minTtl === null) throw usage('--min-ttl takes whole seconds from 0 to 86400.');
    // The command's environment is the caller's, taken before the vault reads <home>/.env into
    // this process (client ids and secrets meant for the vault must not reach the command), and
    // without the variables that open the vault: the command gets tokens, never the key.
    const env = withoutVaultKey(ctx.io.env);
    const tokens = await fetchTokens(ctx, bindings, minTtl);
    await ctx.close();
    bindings.forEach((b, i) => {
      const refusal = tokenTextRefusal(tokens[i]!.accessToken, `${oneLine(b.provider, 60)}/${oneLine(b.user, 120)}`, 'run');
      if (refusal) throw new CliError(TOKEN_CONTROL_CHARS_CODE, 'data', refusal);
    });
    bindings.forEach((b, i) => {
      env[b.env] = tokens[i]!.accessToken;
      const expiresAt = tokens[i]!.expiresAt;
      if (expiresAt) env[`${b.env}${EXPIRES_SUFFIX}`] = expiresAt;
      else delete env[`${b.env}${EXPIRES_SUFFIX}`];
    });
    const early = ctx.io.signalled?.();
    if (early) return signalExitCode(early);

    const [command, ...args] = ctx.rest as [string, ...string[]];
    return spawnCommand(ctx, command, args, env);
  },
};
