/**
 * What every feature's IPC handlers share: the ports main gives the table (HandlerDeps), the
 * core while the vault is open, the two sign-ins main keeps while it waits, and the few
 * helpers that turn their absence into typed errors.
 */
import type { z } from 'zod';
import type { AccountDto, CHANNELS, Channel, IpcErrorDto } from '../../shared/ipc-contract.js';
import type { CredentialCore, ProvidersRole, SecurityLogRole } from '../core/api.js';
import type { SdkEndpoints } from '../core/contracts/sdk.js';
import type { DeviceSignIns } from './device-sign-ins.js';
import { toAccountDto } from './dto.js';
import { IpcFailure } from './errors.js';
import type { RejectionReporter } from './rejections.js';
import type { SignInLinks } from './sign-in-link.js';
import type { TokenMetadata } from '../core/contracts/accounts.js';

export interface HandlerDeps {
  /** The opened core, or null while the vault is locked (no key / no keychain). */
  getCore(): CredentialCore | null;
  /** Why the vault is locked (shown by the locked-vault screen). */
  vaultError(): IpcErrorDto | null;
  appInfo: { version: string; platform: string };
  /** Opens an already allow-listed https URL in the system browser. */
  openExternal(url: string): Promise<void> | void;
  /** Where rejected calls are reported (the security log); rate-limited by the table. */
  reportRejection?: RejectionReporter;
  /**
   * Opens a provider's sign-in page in the system browser (the connect flow's opener). With it
   * the table knows the waiting sign-in's link (copy / open again); without it the core's own
   * opener runs and no link is offered.
   */
  openSignInPage?(url: string): void | Promise<void>;
  /** Puts text that main built on the clipboard (the renderer may not write it itself); Electron's resolves once written. */
  writeClipboard?(text: string): Promise<void> | void;
  /** Asks where to save a file (a save dialog); null when the person cancelled. */
  chooseSavePath?(suggestedName: string): Promise<string | null>;
  /** The locked screen's Retry: open the vault again; afterwards getCore() has it or vaultError() says why not. */
  retryOpenVault?(): Promise<void>;
  /** The locked screen's Quit. */
  quit?(): void;
}

type Impl<C extends Channel> = (request: z.output<(typeof CHANNELS)[C]['request']>) => Promise<unknown> | unknown;
/** One implementation per channel; each feature module supplies its channels' part. */
export type ImplTable = { [C in Channel]: Impl<C> };

/** What a feature module's handlers are given. */
export interface HandlerContext {
  deps: HandlerDeps;
  signIns: SignInLinks;
  devices: DeviceSignIns;
  /** The SDK endpoints served from accounts' details (stopped by HandlerTable.close()). */
  sdk: SdkEndpoints;
}

export function requirePort<T>(port: T | undefined, what: string): T {
  if (port === undefined) throw new IpcFailure('NOT_AVAILABLE', `${what} is not available here.`);
  return port;
}

/** What an account DTO needs beyond the row: the providers' issuers and the log's user hash. */
export type AccountDtoSource = Pick<ProvidersRole, 'listProviders'> & Pick<SecurityLogRole, 'userHash'>;

/** Account DTOs with what the row lacks: the log's user hash, the provider's issuer. */
export function accountDtos(core: AccountDtoSource, accounts: TokenMetadata[]): AccountDto[] {
  const issuers = new Map(core.listProviders().map((p) => [p.id, p.issuer ?? null]));
  return accounts.map((m) => toAccountDto(m, { userHash: core.userHash(m.userId), providerIssuer: issuers.get(m.provider) ?? null }));
}

export function requireCore(deps: HandlerDeps): CredentialCore {
  const core = deps.getCore();
  if (!core) {
    const why = deps.vaultError();
    throw new IpcFailure('VAULT_LOCKED', why?.message ?? 'The credential vault is not open.');
  }
  return core;
}
