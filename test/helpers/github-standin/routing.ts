/** Routes GitHub's real hosts to the stand-in, so code under test keeps GitHub's own URLs. */

/**
 * A fetch that sends GitHub's hosts to the stand-in at `origin` (github.com → /, api.github.com
 * → /api/v3, an Enterprise host → / and its /api/v3) and throws for any other host, so nothing
 * under test reaches the real GitHub.
 */
export function routingFetch(origin: string, enterpriseHosts: ReadonlySet<string> = new Set()): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const host = url.hostname.toLowerCase();
    let path: string;
    if (url.protocol === 'https:' && host === 'github.com') path = url.pathname;
    else if (url.protocol === 'https:' && host === 'api.github.com') path = `/api/v3${url.pathname}`;
    else if (url.protocol === 'https:' && enterpriseHosts.has(host)) path = url.pathname;
    else throw new TypeError(`GitHub stand-in: refusing to fetch ${url.origin} (not a GitHub host)`);
    const headers = new Headers(request.headers);
    headers.set('x-standin-forwarded-host', host);
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
    return fetch(`${origin}${path}${url.search}`, {
      method: request.method,
      headers,
      body,
      redirect: request.redirect,
      signal: request.signal,
    });
  };
}
