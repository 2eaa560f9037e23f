/** `osmen-cred disconnect <provider> <user>`: revoke where the provider can, delete here. */
import { oneLine } from '../../../shared/one-line.js';
import { EXIT } from '../../core/exit-codes.js';
import type { CommandSpec } from '../command.js';
import { jsonText } from '../format.js';
import { requireAccount } from '../require-account.js';

export const disconnect: CommandSpec = {
  name: 'disconnect',
  vaultMode: 'existing',
  args: ['provider', 'user'],
  options: { json: 'boolean' },
  summary: 'revoke the grant at the provider (when supported) and delete the account',
  help: `Usage: osmen-cred disconnect <provider> <user> [--json]

Revokes the refresh token at the provider where it supports RFC 7009, then
deletes the account's tokens locally. A failed revocation is reported and
logged but the local tokens are still deleted.`,
  async run(ctx) {
    const [provider, user] = ctx.positionals as [string, string];
    const core = await ctx.open();
    requireAccount(core, provider, user);
    const result = await core.disconnectAccount(provider, user);
    ctx.io.out(
      ctx.values.json
        ? `${jsonText({ provider, userId: user, deleted: result.deleted, revocation: result.revocation })}\n`
        : `Disconnected ${oneLine(provider, 60)}/${oneLine(user, 120)}: ${result.deleted ? 'tokens deleted' : 'nothing deleted'}, revocation ${result.revocation}.\n`,
    );
    return EXIT.OK;
  },
};
