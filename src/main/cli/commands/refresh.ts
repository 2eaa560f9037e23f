/** `osmen-cred refresh <provider> <user> | --all`: refresh now, whatever the expiry. */
import { oneLine } from '../../../shared/one-line.js';
import { EXIT, errorCodeOf, exitCodeFor, type ExitCode } from '../../core/exit-codes.js';
import { accountJson } from '../../core/account-json.js';
import { CliError } from '../cli-error.js';
import type { CommandSpec } from '../command.js';
import { jsonText, safeMessage, table } from '../format.js';
import { tokensKept, waitForKeptTokens, withKeptTokens } from '../kept-tokens.js';
import { requireAccount } from '../require-account.js';

interface RefreshOutcome {
  provider: string;
  userId: string;
  ok: boolean;
  expiresAt?: string | null;
  error?: { code: string; message: string; exitCode: ExitCode };
}

/** Worst first: what a script most needs to know when several accounts failed. */
const EXIT_PRIORITY: ExitCode[] = [EXIT.NEEDS_REAUTH, EXIT.CONFIG, EXIT.DATA, EXIT.TEMPFAIL, EXIT.SOFTWARE, EXIT.FAILED];

export const refresh: CommandSpec = {
  name: 'refresh',
  vaultMode: 'existing',
  args: ['provider?', 'user?'],
  options: { all: 'boolean', json: 'boolean' },
  summary: 'refresh one account now, or every account with --all',
  help: `Usage: osmen-cred refresh <provider> <user> [--json]
       osmen-cred refresh --all [--json]

Refreshes the access token now, whatever its expiry (through the same
cross-process lease as the app). --all refreshes every account that holds a
refresh token and is not waiting for the user to sign in again, four at a time,
and reports each. Exit 0 when all succeeded; otherwise the code of the worst
failure (3 needs sign-in, 78 configuration, 65 data, 75 temporary).`,
  async run(ctx) {
    const all = ctx.values.all === true;
    if (all === ctx.positionals.length > 0) {
      throw new CliError('USAGE', 'usage', 'refresh takes either <provider> <user> or --all.');
    }
    if (!all && ctx.positionals.length !== 2) {
      throw new CliError('USAGE', 'usage', 'refresh needs both <provider> and <user>.');
    }
    const core = await ctx.open();
    if (!all) {
      const [provider, user] = ctx.positionals as [string, string];
      requireAccount(core, provider, user);
      // Saved only after a full disk had room again: read what was saved, never refresh twice.
      const meta = await withKeptTokens(
        ctx,
        (c) => c.refreshAccount(provider, user),
        async (c) => requireAccount(c, provider, user),
      );
      const out = accountJson(meta);
      ctx.io.out(
        ctx.values.json
          ? `${jsonText(out)}\n`
          : `Refreshed ${oneLine(provider, 60)}/${oneLine(user, 120)}; the access token now expires ${out.expiresAt ?? 'never (no lifetime given)'}.\n`,
      );
      return EXIT.OK;
    }
    // The core's "refresh all" policy, as the app's tray and window use it.
    let report = await core.refreshEveryAccount();
    const kept = report.results.find((r) => !r.ok && tokensKept(r.error));
    if (kept) {
      // Wait for the save; the accounts whose tokens were kept are then refreshed (and saved).
      await waitForKeptTokens(ctx, kept.ok ? null : kept.error);
      const again = await ctx.open();
      report = {
        ...report,
        results: report.results.map((r) =>
          r.ok || !tokensKept(r.error) ? r : { ...r, ok: true as const, metadata: requireAccount(again, r.provider, r.userId) },
        ),
      };
    }
    const outcomes: RefreshOutcome[] = report.results.map((r) =>
      r.ok
        ? { provider: r.provider, userId: r.userId, ok: true, expiresAt: accountJson(r.metadata).expiresAt }
        : {
            provider: r.provider,
            userId: r.userId,
            ok: false,
            error: { code: errorCodeOf(r.error), message: safeMessage(r.error), exitCode: exitCodeFor(r.error) },
          },
    );
    const skipped = report.skipped.length;
    if (ctx.values.json) {
      ctx.io.out(
        `${jsonText({ refreshed: outcomes.filter((o) => o.ok).length, failed: outcomes.filter((o) => !o.ok).length, skipped, results: outcomes })}\n`,
      );
    } else {
      const rows = outcomes.map((o) => [
        oneLine(o.provider, 60),
        oneLine(o.userId, 80),
        o.ok ? 'refreshed' : `FAILED [${o.error!.code}]`,
        o.ok ? (o.expiresAt ?? 'no expiry') : o.error!.message,
      ]);
      ctx.io.out(
        `${rows.length ? table(['PROVIDER', 'USER', 'RESULT', 'EXPIRES / ERROR'], rows) : 'Nothing to refresh.'}\n` +
          (skipped ? `${skipped} account(s) skipped (no refresh token, or waiting for sign-in).\n` : ''),
      );
    }
    const codes = outcomes.filter((o) => !o.ok).map((o) => o.error!.exitCode);
    return codes.length === 0 ? EXIT.OK : (EXIT_PRIORITY.find((c) => codes.includes(c)) ?? EXIT.FAILED);
  },
};
