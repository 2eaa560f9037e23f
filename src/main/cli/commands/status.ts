/** `osmen-cred status [--json]`: a preflight for scripts: is every account usable? */
import { statusReport } from '../../core/agent/account-status.js';
import { statusExitCode, statusText } from '../status-output.js';
import { terminalJson } from '../../../shared/terminal-json.js';
import { EXIT } from '../../core/exit-codes.js';
import type { CommandSpec } from '../command.js';

export const status: CommandSpec = {
  name: 'status',
  args: [],
  options: { json: 'boolean' },
  summary: 'one line per account (ok, expiring, refresh failing, needs re-auth); exit 3 when one needs sign-in',
  help: `Usage: osmen-cred status [--json]

One line per account with its state:
  ok               the token is valid and outside the refresh window
  expiring         inside the refresh window: refreshed on the next request
  refresh_failing  refreshing fails for now (provider down, rate limited);
                   the token is served while it is still valid
  needs_reauth     only signing in again in the app helps
No token is printed. A running agent answers first (as for \`token\`).

Exit codes: 0 every account is usable; 3 an account needs signing in again;
75 none needs sign-in but one cannot give a token right now (refresh failing
and its token expired). --json prints {"usable", "accounts": [...]}.`,
  async run(ctx) {
    if (!ctx.vault.exists) {
      ctx.io.out(
        ctx.values.json ? `${terminalJson({ usable: true, accounts: [] }, 2)}\n` : `No accounts (no vault at ${ctx.vault.home}).\n`,
      );
      return EXIT.OK;
    }
    const core = await ctx.open();
    const report = statusReport(core.listAccounts(), core.getSettings().refreshWindowMs);
    ctx.io.out(ctx.values.json ? `${terminalJson(report, 2)}\n` : statusText(report));
    return statusExitCode(report);
  },
};
