/**
 * Connecting and disconnecting accounts.
 *
 * connectAccount: authorization code + PKCE (S256) + state + nonce, redirected to a
 * one-shot loopback listener (RFC 8252), opened in the system browser. openid-client
 * checks state, PKCE, the RFC 9207 `iss` parameter, the ID token signature, audience,
 * nonce and timestamps.
 *
 * disconnectAccount: RFC 7009 revocation where the provider has it, then local delete.
 */
import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';

import { guardSink } from '../audit/guarded-sink.js';
import type { CoreEvents } from '../events.js';
import type { TokenStore } from '../vault/token-store.js';
import { WITHOUT_CONTROL_CHARS } from '../../../shared/one-line.js';
import { configError, OAuthError } from './errors.js';
import { OAuthErrorParser } from './error-parser.js';
import { startLoopbackListener, SUCCESS_PAGE } from './loopback-listener.js';
import { connectLogLevel, signInFailedPage } from './sign-in-result.js';
import { bindingOfHandler, resolveAccountHandler } from './account-endpoint.js';
import { holderIdFor } from '../vault/refresh-lease.js';
import { DEFAULT_LEASE_MS } from './refresh-options.js';
import { openSystemBrowser } from './system-browser.js';
import type { ConnectOptions, DisconnectResult, RevocationOutcome, TokenMetadata } from '../contracts/accounts.js';
import type { LogDetails, SecurityEventSink } from '../contracts/security-log.js';
import type { TokenResponse } from '../vault/token-types.js';
import type { Identity } from './providers/definition.js';
import type { ProviderHandler } from './providers/handler.js';
import type { ProviderRegistry } from './providers/registry.js';

export interface OAuthDeps {
  tokens: TokenStore;
  providers: ProviderRegistry;
  log?: SecurityEventSink;
  events?: CoreEvents;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * The account key. We use the e-mail address when the provider gives one that is not
 * marked unverified, because that is what people and other OsMEN programs ask for
 * (`getValidAccessToken('google', 'me@example.com')`); otherwise the `sub` claim, which
 * OIDC Core §5.7 makes the only stable, never-reassigned identifier within an issuer.
 * Trade-off: an address that is renamed yields a new account on reconnect (the old one
 * remains until disconnected); it is never silently merged into another person's row.
 */
export function identityFromClaims(claims: Record<string, unknown>): Identity | null {
  const sub = typeof claims.sub === 'string' && claims.sub ? claims.sub : null;
  const email = typeof claims.email === 'string' && claims.email.includes('@') ? claims.email : null;
  const unverified = claims.email_verified === false || claims.email_verified === 'false';
  const userId = email && !unverified ? email : sub;
  if (!userId) return null;
  const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 200) : null;
  return { userId, displayName: name ?? email ?? null, subject: sub };
}

/** The error for a sign-in whose signal fired: the time allowed ran out, or the caller cancelled. */
export function abortError(signal: AbortSignal, provider: string): OAuthError {
  const r = signal.reason as { name?: string } | undefined;
  if (r?.name === 'TimeoutError') {
    return new OAuthError({ defaultCategory: 'transient', code: 'timeout', description: 'Sign-in was not completed in time.', provider });
  }
  return new OAuthError({ code: 'cancelled', description: 'Sign-in was cancelled.', provider });
}

export function raceSignal<T>(p: Promise<T>, signal: AbortSignal, provider: string): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined); // the work already started fails on its own signal; its rejection is not news
    return Promise.reject(abortError(signal, provider));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, provider));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export type GrantResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

export async function resolveIdentity(handler: ProviderHandler, tokens: GrantResponse): Promise<Identity> {
  const claims = tokens.claims();
  // A provider with its own way (a plain OAuth 2.0 API): its file's identity hook.
  if (handler.hasIdentityHook) {
    const fromHook = await handler.identityFromHook({
      accessToken: tokens.access_token,
      grantedScope: typeof tokens.scope === 'string' ? tokens.scope : null,
      claims: (claims as Record<string, unknown> | undefined) ?? null,
    });
    return checkedHookIdentity(fromHook, handler.id);
  }
  let id = claims ? identityFromClaims(claims as Record<string, unknown>) : null;
  // Prefer userinfo for the e-mail when the ID token is thin (some providers omit email from it).
  if ((!id || id.userId === id.subject) && (await handler.configuration()).serverMetadata().userinfo_endpoint) {
    const info = await handler.fetchUserInfo(tokens.access_token, claims?.sub);
    const fromInfo = identityFromClaims(info);
    if (fromInfo) id = { ...fromInfo, displayName: fromInfo.displayName ?? id?.displayName ?? null };
  }
  if (!id) {
    throw new OAuthError({
      phase: 'token',
      code: 'no_identity',
      description: 'The provider returned neither an ID token nor a userinfo endpoint, so the account cannot be identified.',
      provider: handler.id,
    });
  }
  return id;
}

/** What an identity hook returned, held to the rules a stored account key keeps (plain text, bounded). */
function checkedHookIdentity(given: Identity | null | undefined, provider: string): Identity {
  const text = (v: unknown, max: number): string | null =>
    typeof v === 'string' && v.trim() !== '' && v.length <= max && WITHOUT_CONTROL_CHARS.test(v) ? v.trim() : null;
  const userId = text(given?.userId, 512);
  if (userId === null) {
    throw new OAuthError({ phase: 'userinfo', code: 'no_identity', description: 'The provider did not say who signed in.', provider });
  }
  const identity: Identity = {
    userId,
    displayName: text(given?.displayName, 200),
    subject: text(given?.subject, 512),
  };
  const scope = text(given?.scope, 4096);
  if (scope !== null) identity.scope = scope;
  return identity;
}

function subjectOf(idToken: string | undefined): string | null {
  const payload = idToken?.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof claims.sub === 'string' && claims.sub ? claims.sub : null;
  } catch {
    return null;
  }
}

/**
 * Two accounts can share an e-mail address at one provider (Microsoft: a personal account and
 * a work account with the same address). Saving the second under the first's key would replace
 * its tokens and hand its callers another person's or tenant's token: refuse instead.
 * (The stored ID token was validated when it was saved; only its `sub` is read here.)
 */
export function assertSameAccount(tokens: TokenStore, providerId: string, identity: Identity): void {
  if (!identity.subject || identity.userId === identity.subject) return;
  const stored =
    tokens.getMetadata(providerId, identity.userId)?.subject ?? subjectOf(tokens.getToken(providerId, identity.userId)?.idToken);
  if (stored !== null && stored !== identity.subject) {
    throw new OAuthError({
      code: 'account_conflict',
      description:
        'Another account with the same e-mail address is already connected for this provider. ' +
        'Disconnect it first to connect this one; nothing was changed.',
      provider: providerId,
    });
  }
}

/**
 * A provider that names the person by a stable subject from its own API (GitHub's numeric user
 * id) keys the account by something that can change (an e-mail, a login). A sign-in whose
 * subject is already stored is that account, under the key it has: a renamed login or a new
 * e-mail address updates the account's name instead of adding a second account.
 */
function sameSubjectAccount(tokens: TokenStore, providerId: string, handler: ProviderHandler, identity: Identity): Identity {
  if (!handler.hasIdentityHook || !identity.subject) return identity;
  const stored = tokens.listTokens().find((a) => a.provider === providerId && a.subject === identity.subject)?.userId;
  return stored !== undefined && stored !== identity.userId ? { ...identity, userId: stored } : identity;
}

/** An account that was signed in and saved, not yet announced. */
export interface SavedAccount {
  identity: Identity;
  hasRefreshToken: boolean;
  scope: string;
}

/**
 * Stores what a sign-in returned, whichever grant produced it (authorization code, device code):
 * the identity from the ID token or userinfo, the reconnect and same-e-mail checks, and the
 * account bound to the issuer it signed in at. Throws, storing nothing, when a check fails.
 */
export async function saveConnectedAccount(
  deps: OAuthDeps,
  handler: ProviderHandler,
  providerId: string,
  response: GrantResponse,
  options: { reconnect?: { userId: string }; signal: AbortSignal },
): Promise<SavedAccount> {
  const { signal } = options;
  const identity = sameSubjectAccount(
    deps.tokens,
    providerId,
    handler,
    await raceSignal(resolveIdentity(handler, response), signal, providerId),
  );
  const tokenResponse: TokenResponse = {
    access_token: response.access_token,
    refresh_token: response.refresh_token ?? null,
    expires_in: response.expires_in ?? null,
    scope: identity.scope ?? response.scope ?? handler.scopes.join(' '),
    id_token: response.id_token ?? null,
    token_type: response.token_type ?? 'Bearer',
  };
  if (typeof response.refresh_token_expires_in === 'number') tokenResponse.refresh_token_expires_in = response.refresh_token_expires_in;
  if (options.reconnect && identity.userId !== options.reconnect.userId) {
    throw new OAuthError({
      code: 'account_mismatch',
      description: `That sign-in was for another account, not ${options.reconnect.userId}. Nothing was stored; reconnect and sign in as ${options.reconnect.userId}.`,
      provider: providerId,
    });
  }
  assertSameAccount(deps.tokens, providerId, identity);
  // The account is bound to where it was connected: its tokens are only ever sent back there.
  const binding = await raceSignal(bindingOfHandler(handler), signal, providerId);
  deps.tokens.saveToken(providerId, identity.userId, tokenResponse, {
    displayName: identity.displayName,
    binding,
    issuedAt: Date.now(),
    ...(handler.hasIdentityHook && identity.subject ? { subject: identity.subject } : {}),
  });
  return { identity, hasRefreshToken: Boolean(response.refresh_token), scope: tokenResponse.scope ?? '' };
}

/** The security log's `connect` entry and the `accounts-changed` event for a saved account; its metadata. */
export function announceConnected(deps: OAuthDeps, providerId: string, saved: SavedAccount, extra: LogDetails = {}): TokenMetadata {
  deps.log?.logOAuthEvent('connect', providerId, saved.identity.userId, true, {
    hasRefreshToken: saved.hasRefreshToken,
    scopes: saved.scope,
    ...extra,
  });
  deps.events?.emit('accounts-changed');
  const meta = deps.tokens.getMetadata(providerId, saved.identity.userId);
  if (!meta) throw new OAuthError({ code: 'store_failed', description: 'The account was not found after saving.', provider: providerId });
  return meta;
}

/** Connects an account interactively; returns its metadata (never tokens). */
export async function connectAccount(given: OAuthDeps, providerId: string, options: ConnectOptions = {}): Promise<TokenMetadata> {
  // A stored account is connected whether or not its log line could be written.
  const deps: OAuthDeps = { ...given, log: guardSink(given.log) };
  const reconnecting = options.reconnect ? deps.tokens.getMetadata(providerId, options.reconnect.userId) : null;
  const handler = reconnecting ? deps.providers.handlerFor(providerId, reconnecting.issuer) : deps.providers.getHandler(providerId);
  // Refused before a browser opens: a code exchange the provider would refuse without the secret.
  const secretProblem = handler.browserSignInProblem;
  if (secretProblem) throw configError({ code: 'client_secret_required', description: secretProblem, provider: providerId });
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const signals = [AbortSignal.timeout(timeoutMs)];
  if (options.signal) signals.push(options.signal);
  const signal = AbortSignal.any(signals);
  const openUrl = options.openUrl ?? ((u: string) => openSystemBrowser(u));

  const state = oidc.randomState();
  const nonce = handler.isOidc ? oidc.randomNonce() : undefined;
  const verifier = oidc.randomPKCECodeVerifier();
  const listener = await startLoopbackListener({ expectedState: state });
  let respond: ((status: number, html: string) => void) | undefined;
  let opened: Promise<unknown> | undefined;
  try {
    const challenge = await oidc.calculatePKCECodeChallenge(verifier);
    const params: Record<string, string> = {
      redirect_uri: listener.redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
    };
    if (nonce) params.nonce = nonce;
    if (options.reconnect)
      Object.assign(params, handler.reconnectParams(reconnecting ?? { userId: options.reconnect.userId, displayName: null }));
    const authUrl = await raceSignal(handler.buildAuthorizationUrl(params), signal, providerId);
    // Don't block on the opener: a driver that behaves like a browser (tests, or an opener that
    // waits for its window) only finishes after we answer the callback. It can only fail us.
    opened = Promise.resolve().then(() => openUrl(authUrl.href));
    const openFailed = opened.then(
      () => new Promise<never>(() => undefined),
      (err: unknown) => {
        throw new OAuthError({
          code: 'browser_failed',
          description: err instanceof Error ? err.message : String(err),
          provider: providerId,
          cause: err,
        });
      },
    );
    openFailed.catch(() => undefined);
    const callback = await raceSignal(Promise.race([listener.callback, openFailed]), signal, providerId);
    respond = callback.respond;

    const response = await raceSignal(
      handler.exchangeCode(callback.url, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }),
      signal,
      providerId,
    );
    const stored = await saveConnectedAccount(deps, handler, providerId, response, { reconnect: options.reconnect, signal });
    respond(200, SUCCESS_PAGE);
    respond = undefined;
    // Surface a failure of the opener itself (e.g. a test driver's assertion) now that it returned.
    await raceSignal(opened, signal, providerId);
    return announceConnected(deps, providerId, stored);
  } catch (err) {
    const e = err instanceof OAuthError ? err : await OAuthErrorParser.fromError(err, { provider: providerId, phase: 'token' });
    respond?.(400, signInFailedPage(e.code));
    // An OAuth event with the provider in the entry's own field, so the log view can filter on it.
    deps.log?.logOAuthEvent('connect', providerId, '', false, e.toLogDetails(), connectLogLevel(e));
    throw e;
  } finally {
    await listener.close();
  }
}

/**
 * Revokes at the provider (RFC 7009; the refresh token, which kills the grant, else the access
 * token) and deletes locally. A failed revocation is logged and reported, never fatal: the
 * user asked for the account to go, and keeping it would be worse.
 */
export async function disconnectAccount(given: OAuthDeps, providerId: string, userId: string): Promise<DisconnectResult> {
  const deps: OAuthDeps = { ...given, log: guardSink(given.log) };
  if (!deps.tokens.getMetadata(providerId, userId)) return { deleted: false, revocation: 'none' };
  // Take the account's refresh lease first: a refresh in flight (this or another process) finishes
  // and stores its rotated refresh token, which is then the one we revoke. Refreshers that wait
  // on our lease see the row gone afterwards and stop.
  const lease = deps.tokens.lease(holderIdFor(`disconnect-${randomUUID()}`), DISCONNECT_LEASE_MS, Date.now);
  const deadline = performance.now() + DEFAULT_LEASE_MS + 2_000;
  let interval = 10;
  while (!lease.tryAcquire(providerId, userId) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, interval));
    interval = Math.min(interval * 2, 200);
  }
  try {
    return await revokeAndDelete(deps, providerId, userId);
  } finally {
    lease.release(providerId, userId); // usually already gone with the row (deleteToken removes it)
  }
}

const DISCONNECT_LEASE_MS = 45_000;

async function revokeAndDelete(deps: OAuthDeps, providerId: string, userId: string): Promise<DisconnectResult> {
  const stored = deps.tokens.getToken(providerId, userId);
  if (!stored) return { deleted: false, revocation: 'none' };
  let revocation: RevocationOutcome = 'unsupported';
  let handler: ProviderHandler | undefined;
  try {
    // Only the issuer the account was connected at may receive its refresh token, even to revoke it.
    handler = await resolveAccountHandler(deps, providerId, userId, stored);
  } catch (err) {
    // Provider gone, re-pointed (logged as issuer_mismatch) or unreachable: still delete locally.
    handler = undefined;
    if (!(err instanceof OAuthError && err.code === 'issuer_mismatch')) {
      const e = err instanceof OAuthError ? err : await OAuthErrorParser.fromError(err, { provider: providerId, phase: 'revocation' });
      deps.log?.logOAuthEvent('revocation', providerId, userId, false, e.toLogDetails());
    }
  }
  if (handler) {
    try {
      if (await handler.canRevoke()) {
        await handler.revokeGrant({
          accessToken: stored.accessToken,
          refreshToken: stored.refreshToken ?? null,
          expiresAt: stored.expiresAt?.getTime() ?? null,
        });
        revocation = 'revoked';
      }
    } catch (err) {
      const e = err instanceof OAuthError ? err : await OAuthErrorParser.fromError(err, { provider: providerId, phase: 'revocation' });
      // A provider's own revocation that can't be done from here (a public client without the
      // secret its endpoint needs) is unsupported, as for a provider without revocation at all.
      if (e.code === 'revocation_unsupported') revocation = 'unsupported';
      else {
        revocation = 'failed';
        deps.log?.logOAuthEvent('revocation', providerId, userId, false, e.toLogDetails());
      }
    }
  } else {
    revocation = 'failed';
  }
  if (revocation === 'revoked') deps.log?.logOAuthEvent('revocation', providerId, userId, true);
  const deleted = deps.tokens.deleteToken(providerId, userId);
  deps.log?.logOAuthEvent('disconnect', providerId, userId, deleted, { revocation });
  deps.events?.emit('accounts-changed');
  return { deleted, revocation };
}
