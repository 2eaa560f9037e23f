/**
 * Opening the vault in a mode chosen by the command itself: `provider` reads, writes or creates
 * depending on its action, and only `connect` and `provider add` may create a vault.
 */
import { openVault } from '../open-vault.js';
import type { CredentialCore } from '../../core/api.js';
import type { ExitCode } from '../../core/exit-codes.js';
import type { VaultMode } from '../../core/contracts/key.js';
import type { CommandContext } from '../command.js';

/** Opens the vault, runs `fn` with it and closes it, also when `fn` fails. */
export async function withVault(ctx: CommandContext, mode: VaultMode, fn: (core: CredentialCore) => Promise<ExitCode>): Promise<ExitCode> {
  const core = await openVault(ctx.vault, ctx.io.env, { mode });
  let code: ExitCode;
  try {
    code = await fn(core);
  } catch (err) {
    await core.close().catch(() => undefined); // the command's own error is the one to report
    throw err;
  }
  await core.close();
  return code;
}
