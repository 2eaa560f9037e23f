/**
 * Where an account's tokens may be sent. Every refresh and revocation goes through
 * `resolveAccountHandler`: the handler for the issuer the account was connected at, whose
 * token endpoint must still be on the origin recorded for the account. Anything else — a
 * settings file that re-points a provider, a custom provider re-added at another issuer, a
 * discovery document whose token endpoint moved — is refused with `issuer_mismatch` and
 * written to the security log, and the token stays where it is.
 *
 * Accounts stored before issuers were recorded (issuer null) are bound here, on first use,
 * to the provider's current issuer (for built-ins that is fixed in code) and token origin.
 */
import type { TokenStore } from '../vault/token-store.js';
import type { AccountBinding } from '../vault/token-context.js';
import { OAuthError } from './errors.js';
import type { SecurityEventSink } from '../contracts/security-log.js';
import { issuerMismatch } from './providers/definition.js';
import type { ProviderHandler } from './providers/handler.js';
import type { ProviderRegistry } from './providers/registry.js';

export interface AccountEndpointDeps {
  tokens: TokenStore;
  providers: ProviderRegistry;
  log?: SecurityEventSink;
}

function report(deps: AccountEndpointDeps, provider: string, userId: string, bound: AccountBinding, err: OAuthError): OAuthError {
  try {
    deps.log?.logOAuthEvent('issuer_mismatch', provider, userId, false, {
      issuer: bound.issuer ?? 'unbound',
      reason: err.description,
    });
  } catch {
    // the refusal stands whether or not it could be logged
  }
  return err;
}

/** The handler to send this account's tokens to, or a thrown `issuer_mismatch` (or configuration) error. */
export async function resolveAccountHandler(
  deps: AccountEndpointDeps,
  provider: string,
  userId: string,
  bound: AccountBinding,
): Promise<ProviderHandler> {
  let handler: ProviderHandler;
  try {
    handler = deps.providers.handlerFor(provider, bound.issuer);
  } catch (err) {
    if (err instanceof OAuthError && err.code === 'issuer_mismatch') throw report(deps, provider, userId, bound, err);
    throw err;
  }
  const origin = await handler.tokenOrigin();
  if (bound.tokenOrigin !== null && bound.tokenOrigin !== origin) {
    throw report(
      deps,
      provider,
      userId,
      bound,
      issuerMismatch(provider, `${bound.issuer ?? handler.boundIssuer} (token endpoint ${bound.tokenOrigin})`, `token endpoint ${origin}`),
    );
  }
  if (bound.issuer === null || bound.tokenOrigin === null) {
    const binding = { issuer: bound.issuer ?? handler.boundIssuer, tokenOrigin: origin };
    if (!deps.tokens.bindAccount(provider, userId, binding)) {
      // Bound elsewhere meanwhile (another process), or gone: never send on a guess.
      throw report(deps, provider, userId, bound, issuerMismatch(provider, 'another issuer', binding.issuer));
    }
  }
  return handler;
}

/** Where a newly connected account is bound: the handler's issuer and its token endpoint's origin. */
export async function bindingOfHandler(handler: ProviderHandler): Promise<AccountBinding> {
  return { issuer: handler.boundIssuer, tokenOrigin: await handler.tokenOrigin() };
}
