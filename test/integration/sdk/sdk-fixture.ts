/**
 * What the SDK endpoint tests share: the real OpenID Provider with API scopes and a Microsoft-style
 * resource scope (`https://management.azure.com/.default` granted at sign-in,
 * `https://vault.azure.net/.default` known but never granted), a vault with alice's account signed
 * in through it, raw HTTP requests, and a recorder of hand-offs.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { createCredentialCore, coreInternals, type CredentialCore } from '../../../src/main/core/credential-core.js';
import type { SdkHandoff, SdkHandoffRecorder } from '../../../src/main/core/contracts/sdk.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { makeTmpHome } from '../../helpers/tmp.js';

export const ALICE = 'alice@example.test';
export const ARM = 'https://management.azure.com';
export const KEY_VAULT = 'https://vault.azure.net';
export const ACCOUNT_SCOPES = ['openid', 'email', 'offline_access', 'api:read', `${ARM}/.default`];

export function startSdkProvider(): Promise<TestProvider> {
  return startTestProvider({ extraScopes: ['api:read', 'api:admin', `${ARM}/.default`, `${KEY_VAULT}/.default`] });
}

export interface SdkVault {
  home: ReturnType<typeof makeTmpHome>;
  key: string;
  /** An open core on the vault (tests close it before a CLI process writes). */
  open(): Promise<CredentialCore>;
  cleanup(): void;
}

/** A vault with alice signed in at `testop` (the provider above) with ACCOUNT_SCOPES. */
export async function sdkVault(op: TestProvider): Promise<SdkVault> {
  const home = makeTmpHome('osmen-sdk-');
  const key = EncryptionManager.generateKey();
  const open = () => createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });
  const core = await open();
  try {
    core.updateSettings({ backgroundRefreshPaused: true });
    await core.createCustomProvider({ id: 'testop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: ACCOUNT_SCOPES });
    await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'alice' }) });
  } finally {
    await core.close();
  }
  return {
    home,
    key,
    open,
    cleanup: () => home.cleanup(),
  };
}

export function storedToken(core: CredentialCore) {
  return coreInternals(core).tokens.getToken('testop', ALICE)!;
}

export class RecordingRecorder implements SdkHandoffRecorder {
  readonly handoffs: SdkHandoff[] = [];
  closed = false;
  record(h: SdkHandoff): void {
    this.handoffs.push({ ...h, scopes: h.scopes ? [...h.scopes] : null });
  }
  close(): void {
    this.closed = true;
  }
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

/** One request with exactly these headers (Host included when given), on a fresh connection. */
export function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves with the connection error's code (ECONNREFUSED when nothing listens), or 'connected'. */
export function probePort(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}
