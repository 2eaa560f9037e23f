/**
 * `osmen-cred token <provider> <user> [--format raw|header|json] [--min-ttl SECONDS]`.
 * A running agent answers first (agent-first.ts, before this module is even loaded); this is
 * the path without an agent: open the vault and ask the core.
 */
import { withKeptTokens } from '../kept-tokens.js';
import {
  formatToken,
  isTokenFormat,
  parseMinTtl,
  splitScopes,
  TOKEN_CONTROL_CHARS_CODE,
  TOKEN_FORMATS,
  tokenTextRefusal,
  type TokenFormat,
} from '../token-output.js';
import type { HandedToken } from '../token-output.js';
import { EXIT } from '../../core/exit-codes.js';
import type { ConsentRole } from '../../core/api.js';
import { CliError } from '../cli-error.js';
import { oneLine } from '../../../shared/one-line.js';
import type { CommandContext, CommandSpec } from '../command.js';

/** `--scopes "a b"`: the scopes to narrow the token to (undefined: the account's full grant). */
export function scopesOption(ctx: Pick<CommandContext, 'values'>): string[] | undefined {
  const raw = ctx.values.scopes;
  if (raw === undefined) return undefined;
  const scopes = typeof raw === 'string' ? splitScopes(raw) : [];
  if (scopes.length === 0)
    throw new CliError('USAGE', 'usage', '--scopes takes a space-separated list of scopes, for example --scopes "openid email".');
  return scopes;
}

export function tokenOptions(ctx: Pick<CommandContext, 'values'>): { format: TokenFormat; minTtl: number } {
  const format = ctx.values.format ?? 'raw';
  if (!isTokenFormat(format)) {
    throw new CliError('USAGE', 'usage', `--format takes ${TOKEN_FORMATS.join(', ')}.`);
  }
  const minTtl = ctx.values['min-ttl'] === undefined ? 0 : parseMinTtl(ctx.values['min-ttl']);
  if (minTtl === null) throw new CliError('USAGE', 'usage', '--min-ttl takes whole seconds from 0 to 86400.');
  return { format, minTtl };
}

/**
 * The account's token from the vault, with the CLI's "not found" error for a missing account.
 * The program is this CLI's caller (for `run`, the command it starts), found the same way the
 * agent finds its peers', and the same grants apply; nobody can be asked here, so a program
 * without a grant gets consent_required with the command that allows it. This path protects
 * less than the agent: a program running as the user could open the vault itself.
 */
export async function tokenFromVault(
  core: ConsentRole,
  provider: string,
  user: string,
  minTtl: number,
  scopes?: readonly string[],
): Promise<HandedToken> {
  try {
    // One run, one hand-off: a script's interpreter is hashed only if a grant needs it.
    const program = await core.consent.identify(process.pid, { lazyInterpreter: true });
    const t = await core.consent.handoff({
      program,
      unidentified: program ? undefined : 'the calling program cannot be read on this system',
      via: 'cli',
      ask: { provider, user, scopes: scopes ? [...scopes] : undefined },
      minTtlMs: minTtl * 1000,
      canAsk: false,
    });
    return {
      accessToken: t.accessToken,
      tokenType: t.tokenType,
      expiresAt: t.expiresAt ? t.expiresAt.toISOString() : null,
      scopes: t.scopes,
    };
  } catch (err) {
    if ((err as { code?: unknown }).code === 'account_not_found') {
      throw new CliError(
        'ACCOUNT_NOT_FOUND',
        'not_found',
        `No account ${oneLine(provider, 60)}/${oneLine(user, 120)} in the vault. See \`osmen-cred list\`.`,
      );
    }
    throw err;
  }
}

export const token: CommandSpec = {
  name: 'token',
  args: ['provider', 'user'],
  options: { format: 'string', 'min-ttl': 'string', scopes: 'string' },
  summary: 'print a valid access token (refreshing it first when it is about to expire)',
  help: `Usage: osmen-cred token <provider> <user> [--format raw|header|json] [--min-ttl SECONDS] [--scopes "a b"]

Prints the access token on stdout, nothing else, so a program can read it
directly. When the token expires within the refresh window it is refreshed
first; several processes (the desktop app included) asking at once make one
request to the provider (a lease in the database).

A running token agent (the desktop app, or \`osmen-cred agent\`) answers first:
$OSMEN_AGENT_SOCK, then <data folder>/agent.sock (with --home, only that
folder's). The vault is opened here only when no agent answers.

  --format raw      the token and a newline (default)
  --format header   Authorization: Bearer <token>
  --format json     {"accessToken", "tokenType", "expiresAt", "scopes"}
  --min-ttl N       the token must stay valid N more seconds (0-86400); it is
                    refreshed first when it would expire sooner
  --scopes "a b"    a token for only these scopes (a subset of the account's),
                    minted with the refresh token and kept in memory; a list
                    covering all the account's scopes gets the account's token.
                    Scopes the provider refuses give its error (invalid_scope)

The program that asks (the one that ran this command) needs a grant unless
handoff.consent is same-user (\`osmen-cred allow\`, or the app's dialog when the
app serves the agent). A client key in ${'$'}OSMEN_AGENT_KEY is sent to the agent.

A token containing a control character (CR, LF, ...) is never printed as raw or
header text (exit 65, TOKEN_CONTROL_CHARS); --format json shows it escaped.

Exit codes: 0 token printed; 2 no such account; 3 the user must sign in again;
65 a malformed token (control characters);
77 consent_required (no grant: the message has the allow command) or forbidden;
75 temporary failure (provider down, rate limited, database busy) - retry later;
78 configuration (no key / keychain locked / provider not configured).`,
  async run(ctx) {
    const [provider, user] = ctx.positionals as [string, string];
    const { format, minTtl } = tokenOptions(ctx);
    const scopes = scopesOption(ctx);
    const token = await withKeptTokens(ctx, (core) => tokenFromVault(core, provider, user, minTtl, scopes));
    const refusal = tokenTextRefusal(token.accessToken, `${oneLine(provider, 60)}/${oneLine(user, 120)}`, format);
    if (refusal) throw new CliError(TOKEN_CONTROL_CHARS_CODE, 'data', refusal);
    ctx.io.out(formatToken(token, format));
    return EXIT.OK;
  },
};
