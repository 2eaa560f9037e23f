/**
 * What the client library tests run against: a real token agent (startTokenAgent, as the app
 * runs it) serving a real vault whose accounts were connected through a real OpenID Provider,
 * and, where a test must see the bytes a client sends or make a connection fail at a chosen
 * moment, a scripted peer on a real Unix socket.
 */
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { startTokenAgent, type TokenAgent } from '../../../src/main/core/agent/server.js';
import { coreInternals, createCredentialCore, type CredentialCore } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { ageToken } from '../../helpers/oidc-fixtures.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { makeTmpHome } from '../../helpers/tmp.js';

export const ALICE = 'alice@example.test';
export const BOB = 'bob@example.test';
export const DAVE = 'dave@example.test';
export const SCOPES = ['openid', 'email', 'profile', 'offline_access'];

export interface ClientFixture {
  op: TestProvider;
  home: string;
  core: CredentialCore;
  /** The agent now serving `path` (replaced by restart()). */
  agent: TokenAgent;
  path: string;
  /** The stored access token of an account. */
  stored(user: string): { accessToken: string; expiresAt: Date | null };
  /** Stops the agent (as the app or `osmen-cred agent` stop) and starts a new one on the same socket. */
  restart(): Promise<void>;
  /** Revokes the account's grant at the provider and ages its token: the next token request needs re-auth. */
  breakGrant(user: string): Promise<void>;
  close(): Promise<void>;
}

export async function startClientFixture(prefix: string): Promise<ClientFixture> {
  const op = await startTestProvider();
  const home = makeTmpHome(prefix);
  const core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: {} });
  core.updateSettings({ backgroundRefreshPaused: true });
  // The client libraries are tested here, not consent (test/integration/consent): any program of the user gets tokens.
  core.consent.setMode('same-user', 'cli');
  await core.createCustomProvider({ id: 'testop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
  for (const login of ['alice', 'bob', 'dave']) {
    await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login }) });
  }
  const start = () => startTokenAgent(core, { home: core.home });
  const fixture: ClientFixture = {
    op,
    home: home.dir,
    core,
    agent: await start(),
    get path() {
      return this.agent.path;
    },
    stored(user) {
      const t = coreInternals(core).tokens.getToken('testop', user);
      if (!t) throw new Error(`no token for ${user}`);
      return { accessToken: t.accessToken, expiresAt: t.expiresAt ?? null };
    },
    async restart() {
      await fixture.agent.close();
      fixture.agent = await start();
    },
    async breakGrant(user) {
      const t = coreInternals(core).tokens.getToken('testop', user)!;
      const res = await fetch(`${op.issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: t.refreshToken!, token_type_hint: 'refresh_token', client_id: PUBLIC_CLIENT_ID }),
      });
      if (res.status !== 200) throw new Error(`revocation failed: ${res.status}`);
      ageToken(coreInternals(core).tokens, 'testop', user, 60);
    },
    async close() {
      await fixture.agent.close();
      await core.close();
      await op.close();
      home.cleanup();
    },
  };
  return fixture;
}

/** A peer on a real Unix socket that records every request line and answers as the test says. */
export interface ScriptedPeer {
  path: string;
  /** Parsed request lines, in arrival order, with the index of the connection they came on. */
  requests: Array<{ conn: number; line: Record<string, any> }>;
  connections: number;
  close(): Promise<void>;
}

export type PeerScript = (request: Record<string, any>, socket: Socket, conn: number, peer: ScriptedPeer) => void;

export function startScriptedPeer(path: string, script: PeerScript): Promise<ScriptedPeer> {
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const conn = peer.connections++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, nl)) as Record<string, any>;
        buf = buf.slice(nl + 1);
        peer.requests.push({ conn, line });
        script(line, socket, conn, peer);
      }
    });
  });
  const peer: ScriptedPeer = {
    path,
    requests: [],
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const old = process.umask(0o177); // 0600 from the start, as the agent makes its socket
    server.listen(path, () => {
      process.umask(old);
      resolve(peer);
    });
  });
}

/** A token answer line as the agent writes it. */
export function tokenAnswer(id: unknown, accessToken: string, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ id, ok: true, accessToken, tokenType: 'Bearer', expiresAt: null, expiresIn: 3600, scopes: ['openid'], ...extra })}\n`;
}

/** Removes a socket file left by a peer. */
export function removeSocket(path: string): void {
  rmSync(path, { force: true });
}

export const socketIn = (dir: string, name = 'agent.sock') => join(dir, name);
