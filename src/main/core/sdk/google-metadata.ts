/**
 * Google's Compute Engine metadata protocol, the part Google's auth libraries use (Node's
 * google-auth-library through gcp-metadata, Python's google-auth, Go's compute/metadata, gcloud),
 * answered for one account:
 *
 *   GET /                                                          detection (Python pings it)
 *   GET /computeMetadata/v1/instance[/]                            detection (gcp-metadata pings it)
 *   GET /computeMetadata/v1/instance/service-accounts/?recursive=true
 *   GET /computeMetadata/v1/instance/service-accounts/{default|e-mail}[/]?recursive=true
 *   GET /computeMetadata/v1/instance/service-accounts/{default|e-mail}/email
 *   GET /computeMetadata/v1/instance/service-accounts/{default|e-mail}/token[?scopes=a,b]
 *   GET /computeMetadata/v1/project/project-id                     `--project`, else 404
 *
 * Every request carries `Metadata-Flavor: Google` (else 403) and every answer does too; anything
 * else is 404. The protocol has no secret: requests through a proxy, from a web page, or naming
 * another host are refused (request-guard.ts). Tokens come from SdkAccountTokens: never one with
 * less than five minutes left where the provider's tokens live longer, `?scopes=` narrowing (a
 * list covering the account's scopes, as Python's google-auth sends, is no narrowing).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SdkAccountTokens } from './account-tokens.js';
import { failureOf, secondsLeft, sendJson, sendText } from './answer.js';
import { refusal, type BoundAddress } from './request-guard.js';

export const METADATA_FLAVOR = 'Metadata-Flavor';
const FLAVOR = { [METADATA_FLAVOR]: 'Google' } as const;
const V1 = '/computeMetadata/v1/';
const ACCOUNTS = 'instance/service-accounts/';

export interface GoogleMetadataOptions {
  tokens: SdkAccountTokens;
  /** `--project`: answered at project/project-id; null: 404 there. */
  project: string | null;
  bound: BoundAddress;
}

/** The e-mail the libraries see: the account's user id (a verified e-mail, else its subject). */
function email(tokens: SdkAccountTokens): string {
  return tokens.userId;
}

function info(tokens: SdkAccountTokens): { aliases: string[]; email: string; scopes: string[] } {
  return { aliases: ['default'], email: email(tokens), scopes: tokens.scopes() };
}

function notFound(res: ServerResponse, what = 'Not found.'): void {
  sendText(res, 404, `${what}\n`, FLAVOR);
}

/** `?scopes=a,b` (commas, as the libraries send it; spaces tolerated), or null. */
function askedScopes(query: URLSearchParams): string[] | null {
  const all = query.getAll('scopes');
  if (all.length === 0) return null;
  return all.flatMap((v) => v.split(/[,\s]+/)).filter(Boolean);
}

async function answerToken(res: ServerResponse, tokens: SdkAccountTokens, query: URLSearchParams): Promise<void> {
  try {
    const t = await tokens.token(askedScopes(query));
    sendJson(res, 200, { access_token: t.accessToken, expires_in: secondsLeft(t.expiresAt), token_type: 'Bearer' }, FLAVOR);
  } catch (err) {
    const f = failureOf(err);
    const headers: Record<string, string> = { ...FLAVOR };
    if (f.retryAfter !== null) headers['Retry-After'] = String(f.retryAfter);
    sendText(res, f.status, `${f.code}: ${f.message}\n`, headers);
  }
}

function route(req: IncomingMessage, res: ServerResponse, o: GoogleMetadataOptions): void | Promise<void> {
  const url = new URL(req.url ?? '/', 'http://metadata');
  const path = url.pathname;
  if (path === '/') return sendText(res, 200, 'computeMetadata/\n', FLAVOR);
  if (!path.startsWith(V1)) return notFound(res);
  const rest = path.slice(V1.length);
  if (rest === 'instance' || rest === 'instance/') return sendText(res, 200, 'service-accounts/\n', FLAVOR);
  if (rest === 'project/project-id') {
    if (o.project === null) return notFound(res, 'No project id: start the endpoint with --project ID.');
    return sendText(res, 200, o.project, FLAVOR);
  }
  if (!rest.startsWith(ACCOUNTS)) return notFound(res);
  const recursive = url.searchParams.get('recursive') === 'true';
  const sub = rest.slice(ACCOUNTS.length);
  if (sub === '') {
    if (!recursive) return notFound(res);
    const i = info(o.tokens);
    return sendJson(res, 200, { default: i, [i.email]: i }, FLAVOR);
  }
  const slash = sub.indexOf('/');
  let account: string;
  try {
    account = decodeURIComponent(slash < 0 ? sub : sub.slice(0, slash));
  } catch {
    return notFound(res);
  }
  const leaf = slash < 0 ? '' : sub.slice(slash + 1);
  if (account !== 'default' && account !== email(o.tokens)) return notFound(res, 'No such service account.');
  if (leaf === '') return recursive ? sendJson(res, 200, info(o.tokens), FLAVOR) : notFound(res);
  if (leaf === 'email') return sendText(res, 200, email(o.tokens), FLAVOR);
  if (leaf === 'token') return answerToken(res, o.tokens, url.searchParams);
  return notFound(res);
}

/** The request handler: refusals first, then the route. Never throws. */
export function googleMetadataHandler(o: GoogleMetadataOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    try {
      if (req.method !== 'GET') return sendText(res, 405, 'Only GET.\n', { ...FLAVOR, Allow: 'GET' });
      const refused = refusal(req, o.bound, true);
      if (refused) return sendText(res, 403, `${refused}\n`, FLAVOR);
      if (req.headers['metadata-flavor'] !== 'Google') {
        return sendText(res, 403, 'Missing Metadata-Flavor: Google header.\n', FLAVOR);
      }
      const pending = route(req, res, o);
      if (pending) pending.catch(() => res.destroy());
    } catch (err) {
      // The account's metadata could not be read (disconnected meanwhile, the vault closing).
      const f = failureOf(err);
      if (!res.headersSent) sendText(res, f.status, `${f.code}: ${f.message}\n`, FLAVOR);
      else res.destroy();
    }
  };
}
