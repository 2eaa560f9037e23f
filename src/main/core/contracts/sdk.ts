/**
 * The shapes of the SDK endpoints (core/sdk/): Google's metadata protocol and Azure's managed
 * identity for one account, served by `osmen-cred run --sdk`, `osmen-cred serve` and the desktop
 * app's account details (SdkEndpoints), and how their hand-offs are put on record.
 */

/** Which SDK an endpoint speaks to: Google's (Compute Engine metadata) or Azure's (App Service managed identity). */
export type SdkKind = 'google' | 'azure';

/** One answer (or refusal) of an endpoint, as recorded. */
export interface SdkHandoff {
  provider: string;
  userId: string;
  /** The program as the endpoint knows it (`run: python3 sync.py`, `serve on port 8080`). */
  program: string;
  /** The scopes of the token handed out (or asked for, when refused); null: the account's own. */
  scopes: readonly string[] | null;
  ok: boolean;
}

/** Where an endpoint records its hand-offs. */
export interface SdkHandoffRecorder {
  record(handoff: SdkHandoff): void;
  /** Writes what is counted and stops (the endpoint is closing). Never throws. */
  close(): void;
}

/** An endpoint the app is asked to start from an account's details. */
export interface StartEndpointRequest {
  sdk: SdkKind;
  provider: string;
  userId: string;
  scopes?: readonly string[];
  project?: string | null;
  /** 0 or absent: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  bind?: string;
  /** Stops by itself after this long; absent or null: until stopped. */
  forMs?: number | null;
}

/** An endpoint the app serves. */
export interface RunningEndpoint {
  id: string;
  sdk: SdkKind;
  provider: string;
  userId: string;
  host: string;
  port: number;
  scopes: string[] | null;
  project: string | null;
  startedAt: number;
  endsAt: number | null;
  /** What a program sets to use it (Azure's IDENTITY_HEADER included: never for the window, see `dockerArgs`). */
  variables: Record<string, string>;
}

/** The desktop app's SDK endpoints (SdkEndpointService): what its IPC channels use. */
export interface SdkEndpoints {
  /** Told whenever the list changes (started, stopped, ended). Returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  list(): RunningEndpoint[];
  /** The running endpoint's variables in `docker run -e` form, secret included (for the clipboard). */
  dockerArgs(id: string): string | null;
  start(req: StartEndpointRequest): Promise<RunningEndpoint>;
  stop(id: string): Promise<boolean>;
  /** Stops the endpoints of accounts that were disconnected meanwhile. */
  stopOrphans(): void;
  /** Stops every endpoint and writes the hand-off counts; call before the vault closes. */
  close(): Promise<void>;
}
