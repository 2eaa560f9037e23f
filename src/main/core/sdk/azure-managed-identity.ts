/**
 * Azure's managed-identity protocol, App Service flavour (api-version 2019-08-01), the one
 * `@azure/identity` / MSAL (`ManagedIdentityCredential`, `DefaultAzureCredential`) and Python's
 * azure-identity pick when `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set:
 *
 *   GET /msi/token?api-version=2019-08-01&resource=R[&client_id=…|&principal_id=…|&object_id=…]
 *       X-IDENTITY-HEADER: <the secret made for this endpoint>
 *   → {"access_token", "expires_on": "<epoch seconds>", "resource": R, "token_type": "Bearer", "client_id"}
 *
 * The token is minted for scope `R/.default` from the account's refresh token (the SDKs send
 * `resource` without `/.default`), for a Microsoft account or one at another OpenID provider
 * alike. A wrong or missing secret is 401; a user-assigned identity other than this account, a
 * resource id, or a resource the person never consented to is 400 with `error` and
 * `error_description`, which the SDKs show.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SdkAccountTokens } from './account-tokens.js';
import { failureOf, secondsLeft, sendJson } from './answer.js';
import { refusal, type BoundAddress } from './request-guard.js';

export const IDENTITY_HEADER = 'X-IDENTITY-HEADER';
export const AZURE_API_VERSION = '2019-08-01';
export const MSI_PATH = '/msi/token';
const MAX_RESOURCE = 2048;

export interface AzureIdentityOptions {
  tokens: SdkAccountTokens;
  /** The secret the SDK sends in X-IDENTITY-HEADER (IDENTITY_HEADER). */
  secret: string;
  /** The account's OAuth client id (answered as `client_id`; a `client_id` asked must be it), if known. */
  clientId: string | null;
  bound: BoundAddress;
}

function error(res: ServerResponse, status: number, code: string, description: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: code, error_description: description }, headers);
}

function sameSecret(given: string | string[] | undefined, secret: Buffer): boolean {
  if (typeof given !== 'string') return false;
  const g = Buffer.from(given, 'utf8');
  return g.length === secret.length && timingSafeEqual(g, secret);
}

/** `R/.default`, the v2 scope of a v1 resource (`https://management.azure.com/` gives `…com//.default`, as Microsoft documents). */
export function scopeForResource(resource: string): string {
  return resource.endsWith('/.default') ? resource : `${resource}/.default`;
}

/** Why the identity asked for is not this account's, or null. */
function otherIdentity(query: URLSearchParams, o: AzureIdentityOptions): string | null {
  for (const name of ['mi_res_id', 'msi_res_id']) {
    if (query.has(name)) return `This endpoint serves ${o.tokens.provider}:${o.tokens.userId}, not a managed identity resource (${name}).`;
  }
  const clientId = query.get('client_id');
  if (clientId !== null && (o.clientId === null || clientId.toLowerCase() !== o.clientId.toLowerCase())) {
    return `client_id ${JSON.stringify(clientId.slice(0, 80))} is not this endpoint's (${o.clientId ?? 'unknown'}).`;
  }
  for (const name of ['principal_id', 'object_id']) {
    const id = query.get(name);
    if (id !== null && id.toLowerCase() !== o.tokens.userId.toLowerCase()) {
      return `${name} ${JSON.stringify(id.slice(0, 80))} is not this endpoint's account (${o.tokens.userId}).`;
    }
  }
  return null;
}

async function answerToken(res: ServerResponse, o: AzureIdentityOptions, resource: string): Promise<void> {
  try {
    const t = await o.tokens.token([scopeForResource(resource)]);
    const expiresOn = Math.floor(Date.now() / 1000) + secondsLeft(t.expiresAt);
    sendJson(res, 200, {
      access_token: t.accessToken,
      expires_on: String(expiresOn),
      resource,
      token_type: 'Bearer',
      client_id: o.clientId ?? '',
    });
  } catch (err) {
    const f = failureOf(err);
    const status = f.status === 403 ? 400 : f.status;
    error(res, status, f.code, f.message, f.retryAfter === null ? {} : { 'Retry-After': String(f.retryAfter) });
  }
}

/** The request handler: refusals and the secret first, then the one route. Never throws. */
export function azureIdentityHandler(o: AzureIdentityOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const secret = Buffer.from(o.secret, 'utf8');
  return (req, res) => {
    try {
      if (req.method !== 'GET') return error(res, 405, 'method_not_allowed', 'Only GET.', { Allow: 'GET' });
      const refused = refusal(req, o.bound, false);
      if (refused) return error(res, 403, 'forbidden', refused);
      const url = new URL(req.url ?? '/', 'http://identity');
      if (url.pathname !== MSI_PATH) return error(res, 404, 'not_found', `Only ${MSI_PATH}.`);
      if (!sameSecret(req.headers['x-identity-header'], secret)) {
        return error(res, 401, 'unauthorized', `The ${IDENTITY_HEADER} header is missing or wrong.`);
      }
      const q = url.searchParams;
      if (q.get('api-version') !== AZURE_API_VERSION) {
        return error(res, 400, 'invalid_request', `api-version must be ${AZURE_API_VERSION}.`);
      }
      const resource = q.get('resource');
      if (!resource || resource.length > MAX_RESOURCE) return error(res, 400, 'invalid_request', 'resource is required.');
      const other = otherIdentity(q, o);
      if (other) return error(res, 400, 'invalid_request', other);
      answerToken(res, o, resource).catch(() => res.destroy());
    } catch (err) {
      const f = failureOf(err);
      if (!res.headersSent) error(res, f.status, f.code, f.message);
      else res.destroy();
    }
  };
}
