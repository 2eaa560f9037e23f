/**
 * What a provider's identity and revoke hooks may do (definition.ts IdentityContext,
 * RevokeContext), built for one call: requests to the provider over https (or http on loopback)
 * through the registry's fetch, with its timeout and the app's User-Agent, never following a
 * redirect; failures become OAuth errors with the secrets in use scrubbed.
 */
import { OAuthErrorParser } from '../error-parser.js';
import { OAuthError, type OAuthPhase } from '../errors.js';
import type { Definition, IdentityContext, RevokeContext } from './definition.js';
import { validateUrl } from './endpoint-rules.js';

/** Providers' APIs may refuse a request without one (GitHub answers 403); it names the app, nothing about the machine. */
export const USER_AGENT = 'OsMEN-Credential-Manager';
/** More than any identity or revocation answer needs: the rest is not read. */
const MAX_BODY_BYTES = 1_000_000;

export interface HookCallDeps {
  readonly def: Definition;
  readonly fetch?: typeof fetch;
  readonly timeoutSec: number;
}

interface RequestInit_ {
  method: string;
  headers?: Record<string, string>;
  body?: string;
}

async function boundedText(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

/** One request a hook makes: the status, the headers and the body as text. */
async function providerRequest(
  deps: HookCallDeps,
  url: string,
  init: RequestInit_,
  phase: OAuthPhase,
  secrets: ReadonlyArray<string | null | undefined>,
): Promise<{ status: number; headers: Headers; body: string }> {
  const { def } = deps;
  validateUrl(url, `${phase} request`, def.id);
  const headers = new Headers(init.headers);
  if (!headers.has('user-agent')) headers.set('user-agent', USER_AGENT);
  try {
    const res = await (deps.fetch ?? fetch)(url, {
      method: init.method,
      headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.timeoutSec * 1000),
    });
    return { status: res.status, headers: res.headers, body: await boundedText(res) };
  } catch (err) {
    throw await OAuthErrorParser.fromError(err, {
      provider: def.id,
      phase,
      secrets: [...secrets.filter((s): s is string => typeof s === 'string'), def.clientSecret],
    });
  }
}

const failWith = (def: Definition, phase: OAuthPhase) => (code: string, description: string) =>
  new OAuthError({ code, description, phase, provider: def.id });

export function identityContext(
  deps: HookCallDeps,
  signIn: { accessToken: string; grantedScope: string | null; claims: Record<string, unknown> | null },
): IdentityContext {
  const { def } = deps;
  const fail = failWith(def, 'userinfo');
  return {
    accessToken: signIn.accessToken,
    grantedScope: signIn.grantedScope,
    claims: signIn.claims,
    api: def.endpoints?.api ?? null,
    fail,
    async getJson(url, extra = {}) {
      const r = await providerRequest(
        deps,
        url,
        { method: 'GET', headers: { accept: 'application/json', ...extra, authorization: `Bearer ${signIn.accessToken}` } },
        'userinfo',
        [signIn.accessToken],
      );
      let body: unknown = null;
      if (r.body !== '') {
        try {
          body = JSON.parse(r.body) as unknown;
        } catch {
          throw fail('invalid_response', `${def.displayName}'s API answered ${r.status} with something that is not JSON.`);
        }
      }
      return { status: r.status, header: (name) => r.headers.get(name), body };
    },
  };
}

export function revokeContext(
  deps: HookCallDeps,
  tokens: { accessToken: string; refreshToken: string | null; expiresAt: number | null },
  renew: (refreshToken: string) => Promise<string>,
): RevokeContext {
  const { def } = deps;
  const fail = failWith(def, 'revocation');
  const secrets = [tokens.accessToken, tokens.refreshToken];
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    accessTokenExpiresAt: tokens.expiresAt,
    clientId: def.clientId ?? '',
    ...(def.clientSecret ? { clientSecret: def.clientSecret } : {}),
    api: def.endpoints?.api ?? null,
    fail,
    async renewAccessToken() {
      if (!tokens.refreshToken) throw fail('no_refresh_token', 'The access token has expired and there is no refresh token to renew it.');
      const fresh = await renew(tokens.refreshToken);
      secrets.push(fresh);
      return fresh;
    },
    async request(url, init) {
      const r = await providerRequest(deps, url, init, 'revocation', secrets);
      return { status: r.status, body: r.body };
    },
  };
}
