/**
 * The rewrites a provider's answer adapter (definition.ts AnswerAdapter) is made of: providers
 * that answer their token and device endpoints in their own way get standard answers before
 * openid-client reads them. Pure functions over fetch Responses; a body that is not a JSON
 * object is left as it is (openid-client reports it).
 */

type JsonObject = Record<string, unknown>;

/**
 * Applies `change` to a JSON object answer: it returns the new body (and status), or null to
 * keep the answer as it is.
 */
export async function rewriteJsonAnswer(
  res: Response,
  change: (body: JsonObject, status: number) => { body: JsonObject; status?: number } | null,
): Promise<Response> {
  let body: unknown;
  try {
    body = await res.clone().json();
  } catch {
    return res;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return res;
  const changed = change(body as JsonObject, res.status);
  if (!changed) return res;
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  headers.set('content-type', 'application/json');
  const status = changed.status ?? res.status;
  return new Response(JSON.stringify(changed.body), { status, statusText: status === res.status ? res.statusText : '', headers });
}

/**
 * An error sent with HTTP 200 (a body with a string `error` and no `access_token`) as the HTTP
 * 400 RFC 6749 §5.2 and RFC 8628 §3.5 expect: openid-client then reads its code (an expired
 * refresh token needs a new sign-in; `authorization_pending` keeps a device sign-in polling)
 * instead of calling the whole answer unreadable.
 */
export function errorsSentWithHttp200(res: Response): Promise<Response> {
  if (res.status !== 200) return Promise.resolve(res);
  return rewriteJsonAnswer(res, (body) =>
    typeof body.error === 'string' && body.access_token === undefined ? { body, status: 400 } : null,
  );
}

/** A successful answer's field under an older name (`verification_url`) renamed to the standard one. */
export function renameField(res: Response, from: string, to: string): Promise<Response> {
  if (!res.ok) return Promise.resolve(res);
  return rewriteJsonAnswer(res, (body) => {
    if (body[to] !== undefined || body[from] === undefined) return null;
    return { body: { ...body, [to]: body[from] } };
  });
}

/** A successful answer's `scope` separated by commas (`repo,gist`) as the space-separated list RFC 6749 §3.3 defines. */
export function commaSeparatedScope(res: Response): Promise<Response> {
  if (!res.ok) return Promise.resolve(res);
  return rewriteJsonAnswer(res, (body) => {
    if (typeof body.scope !== 'string' || !body.scope.includes(',')) return null;
    return {
      body: {
        ...body,
        scope: body.scope
          .split(/[,\s]+/)
          .filter(Boolean)
          .join(' '),
      },
    };
  });
}
