/**
 * An SDK endpoint: one HTTP server (node:http, kept-alive connections) speaking Google's metadata
 * protocol or Azure's managed-identity protocol for one account, for as long as its `run`,
 * `serve` or the app's switch lives. Closing it closes the port and every connection at once.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { SdkKind } from '../contracts/sdk.js';
import { GOOGLE_SDK, SDK_KINDS } from '../../../shared/sdk-kinds.js';
import type { SdkAccountTokens } from './account-tokens.js';
import { azureIdentityHandler, MSI_PATH } from './azure-managed-identity.js';
import { googleMetadataHandler } from './google-metadata.js';
import { isWildcard, METADATA_HOST_NAME, urlHost, type BoundAddress } from './request-guard.js';

export function isSdkKind(value: unknown): value is SdkKind {
  return typeof value === 'string' && (SDK_KINDS as readonly string[]).includes(value);
}

export interface SdkEndpointOptions {
  sdk: SdkKind;
  tokens: SdkAccountTokens;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free one). */
  port?: number;
  /** Google: the project id answered at project/project-id. */
  project?: string | null;
  /** Azure: the account's OAuth client id, when known. */
  clientId?: string | null;
}

export interface SdkEndpoint {
  readonly sdk: SdkKind;
  readonly bound: BoundAddress;
  /** Azure: the IDENTITY_HEADER secret made for this endpoint. */
  readonly secret: string | null;
  /** The variables an SDK needs to find this endpoint, with `host` as the address it reaches it by. */
  variables(host?: string): Record<string, string>;
  /** Closes the port and every connection; resolves when closed. */
  close(): Promise<void>;
  readonly closed: Promise<void>;
}

/** Connections kept at once; more are refused by the server (bounded memory). */
export const MAX_CONNECTIONS = 512;

/** Where an SDK reaches this endpoint: the bound address, or for a wildcard bind the name a container maps (`--add-host`). */
export function advertisedHost(sdk: SdkKind, bound: BoundAddress): string {
  if (!isWildcard(bound.host)) return bound.host;
  return sdk === GOOGLE_SDK ? METADATA_HOST_NAME : 'host.docker.internal';
}

/** The variables of each protocol (run sets them; serve prints them). */
export function sdkVariables(sdk: SdkKind, host: string, port: number, secret: string | null): Record<string, string> {
  const hostPort = `${urlHost(host)}:${port}`;
  if (sdk === GOOGLE_SDK) {
    return {
      GCE_METADATA_HOST: hostPort,
      GCE_METADATA_IP: hostPort,
      GCE_METADATA_ROOT: hostPort,
      METADATA_SERVER_DETECTION: 'assume-present',
    };
  }
  return { IDENTITY_ENDPOINT: `http://${hostPort}${MSI_PATH}`, IDENTITY_HEADER: secret ?? '' };
}

export async function startSdkEndpoint(o: SdkEndpointOptions): Promise<SdkEndpoint> {
  const host = o.host ?? '127.0.0.1';
  const bound: BoundAddress = { host, port: 0 };
  const secret = o.sdk === 'azure' ? randomBytes(32).toString('base64url') : null;
  const handler =
    o.sdk === GOOGLE_SDK
      ? googleMetadataHandler({ tokens: o.tokens, project: o.project ?? null, bound })
      : azureIdentityHandler({ tokens: o.tokens, secret: secret!, clientId: o.clientId ?? null, bound });
  // Loaded here, not at the top (as the sign-in listener does): node:http's ESM facade pulls in
  // undici, and every `osmen-cred` start without an agent paid ~25 ms for an endpoint it never ran.
  const { createServer } = await import('node:http');
  const server: Server = createServer({ keepAlive: true, requestTimeout: 30_000, headersTimeout: 10_000 }, handler);
  server.keepAliveTimeout = 30_000;
  server.maxConnections = MAX_CONNECTIONS;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.setNoDelay(true);
    s.once('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: o.port ?? 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  bound.port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  let markClosed!: () => void;
  const closed = new Promise<void>((r) => (markClosed = r));
  return {
    sdk: o.sdk,
    bound,
    secret,
    variables: (as = advertisedHost(o.sdk, bound)) => sdkVariables(o.sdk, as, bound.port, secret),
    closed,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }).then(markClosed);
      return closing;
    },
  };
}
