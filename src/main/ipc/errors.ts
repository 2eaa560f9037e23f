/**
 * Maps anything thrown behind an IPC handler to the typed error DTO. Only the
 * code, a bounded message and the retry hints cross; never a stack, a cause
 * or any other property of the original error.
 */
import { z } from 'zod';
import type { IpcErrorDto } from '../../shared/ipc-contract.js';
import { oneLine } from '../../shared/one-line.js';
import { codedErrorClass, OsmenError, type ErrorCategory } from '../core/errors.js';
import { OAuthError } from '../core/oauth/errors.js';

const MAX_MESSAGE = 600;

export type IpcErrorCode =
  | 'INVALID_REQUEST'
  | 'UNKNOWN_CHANNEL'
  | 'FORBIDDEN_SENDER'
  | 'VAULT_LOCKED'
  | 'RESPONSE_REJECTED'
  | 'NOT_ALLOWED'
  | 'NOT_FOUND'
  | 'NOT_AVAILABLE'
  | 'INTERNAL';

const IPC_CATEGORY: Record<IpcErrorCode, ErrorCategory> = {
  INVALID_REQUEST: 'usage',
  UNKNOWN_CHANNEL: 'usage',
  FORBIDDEN_SENDER: 'usage',
  VAULT_LOCKED: 'configuration',
  RESPONSE_REJECTED: 'internal',
  NOT_ALLOWED: 'usage',
  NOT_FOUND: 'not_found',
  NOT_AVAILABLE: 'configuration',
  INTERNAL: 'internal',
};

export class IpcFailure extends codedErrorClass('IpcFailure', IPC_CATEGORY) {}

// Control characters could forge lines in a UI or a log.
function clip(text: string, max = MAX_MESSAGE): string {
  return oneLine(text, max);
}

/** A zod failure as a short, value-free explanation ("limit: Too big: expected number to be <=5000"). */
export function describeZodError(error: z.ZodError): string {
  const parts = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map((p) => clip(String(p), 40)).join('.') || '(payload)';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.slice(0, 3).map((k) => JSON.stringify(clip(k, 40)));
      return `${path}: unexpected field${issue.keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
    }
    return `${path}: ${clip(issue.message, 160)}`;
  });
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return clip(`Invalid request — ${parts.join('; ')}${more}`);
}

const CODE_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * The DTO of an error: its code, a bounded message, and the retry hints its category gives
 * (transient: retry later; reauth: sign in again). Anything that is not an OsmenError is an
 * internal failure whose message is not passed on.
 */
export function toErrorDto(err: unknown): IpcErrorDto {
  if (err instanceof z.ZodError) return { code: 'INVALID_REQUEST', message: describeZodError(err) };
  if (!(err instanceof OsmenError)) return { code: 'INTERNAL', message: 'The operation failed.' };
  const code = CODE_RE.test(err.code) ? err.code : 'INTERNAL';
  // An OAuth error's message is "provider: code — description"; the code travels on its own and
  // the window knows the provider, so the window gets the description, without the code twice.
  const text = err instanceof OAuthError && err.description !== '' ? err.description : err.message;
  const message = text !== '' ? clip(text) : 'The operation failed.';
  const dto: IpcErrorDto = { code, message };
  if (err.category !== 'usage' && err.category !== 'not_found') {
    dto.retryable = err.category === 'transient';
    dto.needsReauth = err.category === 'reauth';
  }
  const retryAfterMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
  if (typeof retryAfterMs === 'number' && Number.isInteger(retryAfterMs) && retryAfterMs >= 0) dto.retryAfterMs = retryAfterMs;
  return dto;
}
