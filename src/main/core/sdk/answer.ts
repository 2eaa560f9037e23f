/**
 * Writing an SDK endpoint's answers: exact content types (Python's google-auth parses JSON only
 * for `application/json`, nothing after it), bounded one-line error texts that never carry a
 * token (core messages never do), and the HTTP status each kind of failure gets.
 */
import type { ServerResponse } from 'node:http';
import { oneLine } from '../../../shared/one-line.js';
import { categoryOf } from '../errors.js';
import { errorCodeOf } from '../exit-codes.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/text', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export interface Failure {
  status: number;
  code: string;
  message: string;
  /** Seconds, for a temporary failure. */
  retryAfter: number | null;
}

/**
 * The answer to a failure: 403 when this endpoint may not hand out what was asked (a scope it
 * does not serve, an account that must be signed in again or is gone), 400 for a request or a
 * configuration the provider refuses, 503 with Retry-After for a temporary failure (the SDKs
 * retry those), 500 otherwise.
 */
export function failureOf(err: unknown): Failure {
  const code = errorCodeOf(err);
  const message = oneLine(err instanceof Error && err.message ? err.message : 'The token could not be had.', 400);
  const category = categoryOf(err);
  const retryAfterMs = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  let status = 500;
  if (code === 'SCOPE_NOT_ALLOWED' || category === 'reauth' || category === 'not_found') status = 403;
  else if (category === 'usage' || category === 'configuration') status = 400;
  else if (category === 'transient') status = 503;
  const retryAfter = status === 503 ? (typeof retryAfterMs === 'number' ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : 5) : null;
  return { status, code, message, retryAfter };
}

/** A token's remaining life in whole seconds; a token without a stated lifetime is announced as living this long. */
export const UNKNOWN_LIFETIME_S = 15 * 60;

export function secondsLeft(expiresAt: Date | null, now = Date.now()): number {
  return expiresAt === null ? UNKNOWN_LIFETIME_S : Math.max(0, Math.floor((expiresAt.getTime() - now) / 1000));
}
