/**
 * Errors as the agent answers them: the same code and exit code the CLI would print for the same
 * failure, a bounded one-line message (core messages never carry secrets), and when to retry.
 */
import { errorCodeOf, exitCodeFor } from '../exit-codes.js';
import { oneLine } from '../../../shared/one-line.js';
import type { WireError } from './protocol.js';

const MAX_MESSAGE = 500;

/** One line, no control characters, bounded: a message is text for a log, not a channel. */
export function oneLineMessage(text: string, max = MAX_MESSAGE): string {
  return oneLine(text, max);
}

export function toWireError(err: unknown): WireError {
  let code = errorCodeOf(err);
  // The refresher's "no such account" is the CLI's ACCOUNT_NOT_FOUND (exit 2) everywhere.
  if (code === 'account_not_found') code = 'ACCOUNT_NOT_FOUND';
  const retryAfterMs = typeof err === 'object' && err !== null ? (err as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  const message = err instanceof Error && err.message ? oneLineMessage(err.message) : 'The operation failed.';
  return {
    code,
    message,
    retryAfter: typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) ? Math.max(0, Math.ceil(retryAfterMs / 1000)) : null,
    exitCode: exitCodeFor(err),
  };
}

export function wireError(code: string, message: string, exitCode: number, retryAfter: number | null = null): WireError {
  return { code, message: oneLineMessage(message), retryAfter, exitCode };
}
