/** `osmen-cred list [--json]`: the stored accounts, metadata only. */
import { EXIT } from '../../core/exit-codes.js';
import { accountJson } from '../../core/account-json.js';
import type { CommandSpec } from '../command.js';
import { accountsTable, jsonText } from '../format.js';

export const list: CommandSpec = {
  name: 'list',
  args: [],
  options: { json: 'boolean' },
  summary: 'list connected accounts (metadata only, never tokens)',
  help: `Usage: osmen-cred list [--json]

Shows every stored account: provider, user, status (active, needs_reauth,
refresh_failing), expiry, whether a refresh token is held, last refresh.
--json prints an array of objects with ISO-8601 UTC dates. No secrets are shown.`,
  async run(ctx) {
    if (!ctx.vault.exists) {
      ctx.io.out(ctx.values.json ? '[]\n' : `No accounts (no vault at ${ctx.vault.home}).\n`);
      return EXIT.OK;
    }
    const core = await ctx.open();
    const accounts = core.listAccounts();
    ctx.io.out(ctx.values.json ? `${jsonText(accounts.map(accountJson))}\n` : `${accountsTable(accounts)}\n`);
    return EXIT.OK;
  },
};
