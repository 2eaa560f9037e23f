/**
 * A refresh whose new tokens could not be written (a full disk) keeps them in memory, and
 * closing the vault makes a last bounded attempt at saving them. A command about to exit waits for
 * that attempt, so its exit status tells the final state: saved → the command carries on and
 * exits 0, with a warning on stderr; still unsaved → closing throws DISK_FULL (exit 74).
 */
import { oneLine } from '../../shared/one-line.js';
import type { CredentialCore } from '../core/api.js';
import { errorCodeOf } from '../core/exit-codes.js';
import type { CommandContext } from './command.js';

/** The core marks such a failure with `tokensKept` (oauth/refresh-status.ts, TokensKeptError). */
export function tokensKept(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { tokensKept?: unknown }).tokensKept === true;
}

/** Warns, closes the vault (its bounded save retry; throws when the tokens are still unsaved), says they were saved. */
export async function waitForKeptTokens(ctx: Pick<CommandContext, 'io' | 'close'>, err: unknown): Promise<void> {
  const message = err instanceof Error ? oneLine(err.message) : '';
  ctx.io.err(`osmen-cred: warning [${errorCodeOf(err)}]: ${message} Retrying the save for up to a minute before exiting.\n`);
  await ctx.close();
  ctx.io.err('osmen-cred: warning: there was room again; the new tokens were saved.\n');
}

/**
 * Runs `attempt` on the open vault. When it fails with tokens kept in memory, waits for their
 * save and then runs `afterSave` (default: `attempt` again) on the vault opened anew.
 */
export async function withKeptTokens<T>(
  ctx: Pick<CommandContext, 'io' | 'open' | 'close'>,
  attempt: (core: CredentialCore) => Promise<T>,
  afterSave: (core: CredentialCore) => Promise<T> = attempt,
): Promise<T> {
  try {
    return await attempt(await ctx.open());
  } catch (err) {
    if (!tokensKept(err)) throw err;
    await waitForKeptTokens(ctx, err);
    return afterSave(await ctx.open());
  }
}
