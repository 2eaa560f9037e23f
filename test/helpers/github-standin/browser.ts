/**
 * The person's side of GitHub's web flow, over HTTP like a browser: open the authorization URL
 * (GitHub's own, through the stand-in's routing fetch, or the stand-in's), press Authorize or
 * Cancel when the stand-in shows its page, and follow the redirect to the app's callback, which
 * is requested so that the app's loopback listener receives it.
 */
export interface BrowserOutcome {
  /** Where GitHub sent the browser: the app's callback with `code`/`state` or `error`. */
  callbackUrl: string;
  /** The callback's answer (the app's listener page); 0 when `visitCallback` is false. */
  status: number;
  body: string;
}

export async function authorizeInBrowser(
  authUrl: string,
  opts: { fetch?: typeof fetch; login?: string; cancel?: boolean; visitCallback?: boolean } = {},
): Promise<BrowserOutcome> {
  const get = opts.fetch ?? fetch;
  let res = await get(authUrl, { redirect: 'manual' });
  if (res.status === 200) {
    // The stand-in's authorization page (`page` mode): one form with the request's id.
    const html = await res.text();
    const id = /name="authorization_id" value="([^"]+)"/.exec(html)?.[1];
    if (!id) throw new Error(`browser: no authorization form at ${new URL(authUrl).pathname}`);
    const form = new URLSearchParams({ authorization_id: id, decision: opts.cancel ? 'cancel' : 'authorize' });
    const login = opts.login ?? /name="login" value="([^"]*)"/.exec(html)?.[1];
    if (login) form.set('login', login);
    res = await get(new URL('/login/oauth/authorize', authUrl).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'manual',
    });
  }
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) {
    throw new Error(`browser: expected a redirect to the app, got HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  }
  const callbackUrl = new URL(location, authUrl).href;
  if (opts.visitCallback === false) return { callbackUrl, status: 0, body: '' };
  const callback = await fetch(callbackUrl, { redirect: 'manual' });
  return { callbackUrl, status: callback.status, body: await callback.text() };
}
