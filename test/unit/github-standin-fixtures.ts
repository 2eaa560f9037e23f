/** Plain-fetch clients of the GitHub stand-in, shared by its own tests (test/unit/github-standin-*.test.ts). */
import { createHash, randomBytes } from 'node:crypto';
import { authorizeInBrowser } from '../helpers/github-standin/browser.js';
import type { AppInfo, GitHubStandIn } from '../helpers/github-standin/index.js';

export const JSON_ACCEPT = { accept: 'application/json' };

export interface Answer {
  status: number;
  type: string;
  text: string;
  json: any;
  headers: Headers;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, json, headers: res.headers };
}

/** POSTs a form, as GitHub's docs and cli/oauth do. */
export async function postForm(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = JSON_ACCEPT,
): Promise<Answer> {
  return answer(await fetch(url, { method: 'POST', headers, body: new URLSearchParams(params) }));
}

export async function apiGet(s: GitHubStandIn, path: string, token?: string, scheme = 'Bearer'): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
  if (token !== undefined) headers.authorization = `${scheme} ${token}`;
  return answer(await fetch(`${s.apiUrl}${path}`, { headers }));
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(s: GitHubStandIn, app: AppInfo, params: Record<string, string> = {}): string {
  const url = new URL(`${s.webUrl}/login/oauth/authorize`);
  url.searchParams.set('client_id', app.clientId);
  url.searchParams.set('redirect_uri', 'http://127.0.0.1:49152/callback');
  url.searchParams.set('state', 'state-123');
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

/** The web flow end to end: authorize (approved at once), then exchange the code with PKCE. */
export async function webSignIn(
  s: GitHubStandIn,
  app: AppInfo,
  params: Record<string, string> = {},
): Promise<{ code: string; token: Record<string, any> }> {
  const { verifier, challenge } = pkcePair();
  const out = await authorizeInBrowser(authorizeUrl(s, app, { code_challenge: challenge, code_challenge_method: 'S256', ...params }), {
    visitCallback: false,
  });
  const code = new URL(out.callbackUrl).searchParams.get('code');
  if (!code) throw new Error(`no code in ${out.callbackUrl}`);
  const r = await postForm(`${s.webUrl}/login/oauth/access_token`, {
    client_id: app.clientId,
    client_secret: app.clientSecret,
    code,
    redirect_uri: 'http://127.0.0.1:49152/callback',
    code_verifier: verifier,
  });
  if (!r.json?.access_token) throw new Error(`exchange failed: ${r.text}`);
  return { code, token: r.json };
}

/** The device flow end to end, the person approving as `login`. */
export async function deviceSignIn(s: GitHubStandIn, app: AppInfo, scope = '', login?: string): Promise<Record<string, any>> {
  const start = await postForm(`${s.webUrl}/login/device/code`, { client_id: app.clientId, scope });
  s.approveDevice(start.json.user_code, login);
  s.advanceClock(start.json.interval * 1000);
  const r = await postForm(`${s.webUrl}/login/oauth/access_token`, {
    client_id: app.clientId,
    device_code: start.json.device_code,
    grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
  });
  if (!r.json?.access_token) throw new Error(`device exchange failed: ${r.text}`);
  return r.json;
}
