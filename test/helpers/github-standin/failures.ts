/**
 * Failures a test orders for the stand-in's next answers on one endpoint: a server error, a
 * rate limit with Retry-After, a custom answer, or a dropped connection (no answer at all).
 */
import type { ServerResponse } from 'node:http';
import type { IncomingMessage } from 'node:http';

export type Endpoint = 'authorize' | 'access_token' | 'device_code' | 'device_page' | 'user' | 'user_emails' | 'delete_grant';

export const API_ENDPOINTS: ReadonlySet<Endpoint> = new Set(['user', 'user_emails', 'delete_grant']);

export type Failure =
  /** The connection is closed without an answer (what a network drop looks like to the client). */
  | 'drop'
  | {
      status: number;
      /** Seconds, sent as Retry-After. */
      retryAfter?: number;
      /** Sent as JSON when an object, as text when a string; a GitHub-like body when absent. */
      body?: unknown;
      headers?: Record<string, string>;
    };

export class FailureQueue {
  private readonly queued = new Map<Endpoint, Failure[]>();

  add(endpoint: Endpoint, failure: Failure, times: number): void {
    const list = this.queued.get(endpoint) ?? [];
    for (let i = 0; i < times; i++) list.push(failure);
    this.queued.set(endpoint, list);
  }

  take(endpoint: Endpoint): Failure | undefined {
    return this.queued.get(endpoint)?.shift();
  }

  clear(): void {
    this.queued.clear();
  }
}

function defaultBody(endpoint: Endpoint, status: number): { type: string; text: string } {
  const message =
    status === 429 || status === 403 ? 'API rate limit exceeded. Please wait a few minutes before you try again.' : 'Server Error';
  if (API_ENDPOINTS.has(endpoint)) {
    return {
      type: 'application/json; charset=utf-8',
      text: JSON.stringify({ message, documentation_url: 'https://docs.github.com/rest', status: String(status) }),
    };
  }
  // github.com's own pages answer trouble with HTML, whatever the client asked for.
  return { type: 'text/html; charset=utf-8', text: `<!DOCTYPE html><html><body><h1>${message}</h1></body></html>` };
}

/** Answers (or drops) the request as `failure` says. */
export function applyFailure(endpoint: Endpoint, failure: Failure, req: IncomingMessage, res: ServerResponse): void {
  if (failure === 'drop') {
    req.socket.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  let text: string;
  if (failure.body === undefined) {
    const d = defaultBody(endpoint, failure.status);
    headers['content-type'] = d.type;
    text = d.text;
  } else if (typeof failure.body === 'string') {
    headers['content-type'] = 'text/plain; charset=utf-8';
    text = failure.body;
  } else {
    headers['content-type'] = 'application/json; charset=utf-8';
    text = JSON.stringify(failure.body);
  }
  if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
  if (API_ENDPOINTS.has(endpoint) && (failure.status === 429 || failure.status === 403)) {
    headers['x-ratelimit-remaining'] = '0';
  }
  res.writeHead(failure.status, { ...headers, ...failure.headers }).end(text);
}
