/**
 * Maps anything thrown behind an IPC handler to the typed error DTO. Only the
 * code, a bounded message and the retry hints cross; never a stack, a cause
 * or any other property of the original error.
 */
import { z } from 'zod';
import type { IpcErrorDto } from '../../shared/ipc-contract.js';

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

export class IpcFailure extends Error {
  readonly code: IpcErrorCode;
  constructor(code: IpcErrorCode, message: string) {
    super(message);
    this.name = 'IpcFailure';
    this.code = code;
  }
}

function clip(text: string, max = MAX_MESSAGE): string {
  // Control characters could forge lines in a UI or a log; replace them.
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
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

export function toErrorDto(err: unknown): IpcErrorDto {
  if (err instanceof z.ZodError) return { code: 'INVALID_REQUEST', message: describeZodError(err) };
  if (err instanceof IpcFailure) return { code: err.code, message: clip(err.message) };
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; message?: unknown; retryable?: unknown; needsReauth?: unknown; retryAfterMs?: unknown };
    const code = typeof e.code === 'string' && CODE_RE.test(e.code) ? e.code : 'INTERNAL';
    const message = typeof e.message === 'string' && e.message !== '' ? clip(e.message) : 'The operation failed.';
    const dto: IpcErrorDto = { code, message };
    if (typeof e.retryable === 'boolean') dto.retryable = e.retryable;
    if (typeof e.needsReauth === 'boolean') dto.needsReauth = e.needsReauth;
    if (typeof e.retryAfterMs === 'number' && Number.isInteger(e.retryAfterMs) && e.retryAfterMs >= 0) {
      dto.retryAfterMs = e.retryAfterMs;
    }
    return dto;
  }
  return { code: 'INTERNAL', message: 'The operation failed.' };
}
