/**
 * The SDK endpoints the desktop app serves, started and stopped from an account's details: the
 * same endpoint as `osmen-cred serve` (one account, its scopes, an address, optionally a time
 * limit), several at once, each recorded as "serve on port P". Closed before the vault closes;
 * an endpoint whose account is disconnected is stopped.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { ProvidersRole, SecurityLogRole } from '../api.js';
import type { RunningEndpoint, SdkEndpoints, SdkHandoffRecorder, StartEndpointRequest } from '../contracts/sdk.js';
import { CodedError } from '../errors.js';
import { SdkAccountTokens, type SdkCore } from './account-tokens.js';
import { counterRecorder, programLabel } from './handoff-recorder.js';
import { startSdkEndpoint, type SdkEndpoint } from './sdk-endpoint.js';

/** What the endpoints need from the credential core: the account's tokens, its client id, the security log. */
export type SdkEndpointCore = SdkCore & Pick<ProvidersRole, 'providerConfig'> & Pick<SecurityLogRole, 'securityEvents'>;

/** Endpoints served at once. */
export const MAX_APP_ENDPOINTS = 16;
/** Longest time limit: 30 days. */
export const MAX_ENDPOINT_MS = 30 * 86_400_000;

/** The account's OAuth client id (Azure answers it as `client_id`), when its provider has one. */
export function accountClientId(core: Pick<ProvidersRole, 'providerConfig'>, provider: string): string | null {
  const config = core.providerConfig();
  const builtin = config.builtins.find((b) => b.id === provider);
  if (builtin) return builtin.clientId.value;
  return config.custom.find((c) => c.id === provider)?.clientId ?? null;
}

/** The variables in `docker run -e` form (what `osmen-cred serve` prints). */
export function dockerArgs(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([k, v]) => `-e ${k}=${v}`)
    .join(' ');
}

/** startSdkEndpoint, with a port in use or an address not of this machine as ADDRESS_UNAVAILABLE. */
export async function listen(options: Parameters<typeof startSdkEndpoint>[0]): Promise<SdkEndpoint> {
  try {
    return await startSdkEndpoint(options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EACCES') throw err;
    throw new CodedError(
      'ADDRESS_UNAVAILABLE',
      code === 'EADDRINUSE' ? 'transient' : 'configuration',
      `Cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 0} (${code}).`,
    );
  }
}

interface Entry {
  info: RunningEndpoint;
  endpoint: SdkEndpoint;
  timer: NodeJS.Timeout | null;
}

export class SdkEndpointService implements SdkEndpoints {
  private readonly entries = new Map<string, Entry>();
  private recorder: SdkHandoffRecorder | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly core: () => SdkEndpointCore) {}

  /** Told whenever the list changes (started, stopped, ended). Returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch {
        // a listener's failure is its own
      }
    }
  }

  list(): RunningEndpoint[] {
    return [...this.entries.values()].map((e) => ({ ...e.info, variables: { ...e.info.variables } }));
  }

  /** The running endpoint's variables in `docker run -e` form, secret included (for the clipboard). */
  dockerArgs(id: string): string | null {
    const e = this.entries.get(id);
    return e ? dockerArgs(e.info.variables) : null;
  }

  async start(req: StartEndpointRequest): Promise<RunningEndpoint> {
    const core = this.core();
    this.stopOrphans();
    if (this.entries.size >= MAX_APP_ENDPOINTS) {
      throw new CodedError('TOO_MANY_ENDPOINTS', 'usage', `At most ${MAX_APP_ENDPOINTS} SDK endpoints run at once; stop one first.`);
    }
    const bind = req.bind ?? '127.0.0.1';
    if (isIP(bind) === 0)
      throw new CodedError('INVALID_ADDRESS', 'usage', 'The address to listen on must be an IP address (127.0.0.1, ::1…).');
    if (req.forMs !== undefined && req.forMs !== null && (req.forMs < 1_000 || req.forMs > MAX_ENDPOINT_MS)) {
      throw new CodedError('INVALID_DURATION', 'usage', 'An endpoint runs from 1 second to 30 days.');
    }
    if (req.project && req.sdk !== 'google') throw new CodedError('INVALID_PROJECT', 'usage', 'A project id is for Google endpoints.');
    if (!core.getAccount(req.provider, req.userId)) {
      throw new CodedError('ACCOUNT_NOT_FOUND', 'not_found', 'That account is not connected.');
    }
    this.recorder ??= counterRecorder(core.securityEvents);
    const tokens = new SdkAccountTokens(core, {
      provider: req.provider,
      userId: req.userId,
      scopes: req.scopes,
      unlisted: req.sdk === 'google' ? 'account' : 'any',
      program: 'serve',
      recorder: this.recorder,
    });
    await tokens.check();
    const endpoint = await listen({
      sdk: req.sdk,
      tokens,
      host: bind,
      port: req.port ?? 0,
      project: req.project ?? null,
      clientId: req.sdk === 'azure' ? accountClientId(core, req.provider) : null,
    });
    tokens.program = programLabel(`serve on port ${endpoint.bound.port}`);
    const id = randomBytes(8).toString('hex');
    const startedAt = Date.now();
    const forMs = req.forMs ?? null;
    const info: RunningEndpoint = {
      id,
      sdk: req.sdk,
      provider: req.provider,
      userId: req.userId,
      host: endpoint.bound.host,
      port: endpoint.bound.port,
      scopes: tokens.allowed ? [...tokens.allowed] : null,
      project: req.project ?? null,
      startedAt,
      endsAt: forMs === null ? null : startedAt + forMs,
      variables: endpoint.variables(),
    };
    const timer = forMs === null ? null : setTimeout(() => void this.stop(id), forMs);
    timer?.unref();
    this.entries.set(id, { info, endpoint, timer });
    this.changed();
    return { ...info, variables: { ...info.variables } };
  }

  async stop(id: string): Promise<boolean> {
    const e = this.entries.get(id);
    if (!e) return false;
    this.entries.delete(id);
    if (e.timer) clearTimeout(e.timer);
    await e.endpoint.close();
    this.changed();
    return true;
  }

  /** Stops every endpoint and writes the hand-off counts; call before the vault closes. */
  async close(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.stop(id)));
    this.recorder?.close();
    this.recorder = null;
  }

  /** Stops the endpoints of accounts that were disconnected meanwhile. */
  stopOrphans(): void {
    if (this.entries.size === 0) return;
    const core = this.core();
    for (const [id, e] of this.entries) {
      if (!core.getAccount(e.info.provider, e.info.userId)) void this.stop(id);
    }
  }
}
