/**
 * Runs bin/osmen-cred.js as a real child process and records what it printed. The launcher runs
 * the sources (OSMEN_CLI_SOURCE=1), so the suite tests this checkout, not an older build; the
 * e2e suite tests the bundle.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../../bin/osmen-cred.js', import.meta.url));

export interface CliRun {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
}

/** Every run of the suite, so a final check can search all output for secrets. */
export const allRuns: CliRun[] = [];

export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...env, OSMEN_CLI_SOURCE: '1' }, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      const run = { args, code: err ? (err.code as number) : 0, stdout, stderr };
      allRuns.push(run);
      resolve(run);
    });
  });
}

/**
 * An OpenID issuer on 127.0.0.1 whose token endpoint always answers 503 with an
 * OAuth error body: a provider that is down for maintenance.
 */
export async function startUnavailableIssuer(): Promise<{ issuer: string; tokenRequests: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
        }),
      );
      return;
    }
    if (req.method === 'POST' && path === '/token') {
      hits++;
      req.resume();
      res
        .writeHead(503, { 'content-type': 'application/json', 'retry-after': '120' })
        .end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'maintenance' }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    tokenRequests: () => hits,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
