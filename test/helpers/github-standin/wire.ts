/**
 * The GitHub stand-in's wire formats: how it reads a request's parameters and writes its
 * answers, and what its tokens and codes look like. Sources are named in ./index.ts.
 */
import { crc32 } from 'node:zlib';
import { randomBytes, randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The parameters of a POST to github.com's OAuth endpoints. GitHub's pages call them "query
 * parameters" and its clients send them as a form (cli/oauth) or as JSON (octokit's
 * oauth-methods): all three are read, the body winning over the query string.
 */
export function requestParams(req: IncomingMessage, body: Buffer): Record<string, string> {
  const params: Record<string, string> = {};
  const query = new URL(req.url ?? '/', 'http://standin').searchParams;
  for (const [k, v] of query) params[k] = v;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const text = body.toString('utf8');
  if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' || typeof v === 'number') params[k] = String(v);
      }
    } catch {
      // An unparsable body carries no parameters; the endpoint then reports what is missing.
    }
  } else if (text) {
    for (const [k, v] of new URLSearchParams(text)) params[k] = v;
  }
  return params;
}

export type OAuthFormat = 'json' | 'xml' | 'form';

/** github.com's OAuth endpoints answer form-encoded unless the Accept header asks for JSON or XML. */
export function negotiate(accept: string | undefined): OAuthFormat {
  const a = (accept ?? '').toLowerCase();
  if (a.includes('application/json')) return 'json';
  if (a.includes('application/xml')) return 'xml';
  return 'form';
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An answer of /login/oauth/access_token or /login/device/code, in the negotiated format. */
export function sendOAuth(res: ServerResponse, format: OAuthFormat, body: Record<string, string | number>, status = 200): void {
  const headers = { 'cache-control': 'no-store', vary: 'Accept' };
  if (format === 'json') {
    res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  } else if (format === 'xml') {
    const inner = Object.entries(body)
      .map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`)
      .join('');
    res.writeHead(status, { ...headers, 'content-type': 'application/xml; charset=utf-8' }).end(`<OAuth>${inner}</OAuth>`);
  } else {
    const form = new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)]));
    res.writeHead(status, { ...headers, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }).end(form.toString());
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

export function sendHtml(res: ServerResponse, status: number, title: string, inner: string): void {
  res
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
    .end(`<!DOCTYPE html><html><head><title>${htmlEscape(title)}</title></head><body><h1>${htmlEscape(title)}</h1>${inner}</body></html>`);
}

export const htmlEscape = (s: string): string => xmlEscape(s).replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-type': 'text/html; charset=utf-8' }).end(`<a href="${htmlEscape(location)}">redirecting</a>`);
}

const BASE62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function randomBase62(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += BASE62[randomInt(62)];
  return s;
}

function base62(n: number, width: number): string {
  let s = '';
  for (let v = n; v > 0; v = Math.floor(v / 62)) s = BASE62[v % 62] + s;
  return s.padStart(width, '0');
}

export type TokenPrefix = 'gho' | 'ghu' | 'ghp';

/**
 * An access token in GitHub's format: the prefix, 30 random base62 characters and a 6-character
 * base62 CRC32 of them (40 characters in all, as GitHub's examples such as
 * `gho_16C7e42F292c6912E7710c838347Ae178B4a`).
 */
export function accessTokenValue(prefix: TokenPrefix): string {
  const random = randomBase62(30);
  return `${prefix}_${random}${base62(crc32(random), 6)}`;
}

/** A GitHub App refresh token: `ghr_` and 76 characters (80 in all, as GitHub's example). */
export function refreshTokenValue(): string {
  return `ghr_${randomBase62(76)}`;
}

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

// No vowels, so no user code spells a word; GitHub's example is WDJB-MJHT.
const USER_CODE_LETTERS = 'BCDFGHJKLMNPQRSTVWXZ';

/** "8 characters with a hyphen in the middle". */
export function userCodeValue(): string {
  const part = () => Array.from({ length: 4 }, () => USER_CODE_LETTERS[randomInt(USER_CODE_LETTERS.length)]).join('');
  return `${part()}-${part()}`;
}
