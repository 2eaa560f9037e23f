/**
 * Runs bin/osmen-cred.js as a real child process and records what it printed. The launcher runs
 * the sources (OSMEN_CLI_SOURCE=1), so the suite tests this checkout, not an older build; the
 * e2e suite tests the bundle.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
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

export function runCli(args: string[], env: NodeJS.ProcessEnv, options: { input?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...env, OSMEN_CLI_SOURCE: '1' }, timeout: 60_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(err);
        const run = { args, code: err ? (err.code as number) : 0, stdout, stderr };
        allRuns.push(run);
        resolve(run);
      },
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

export interface RunningCli {
  child: ChildProcess;
  /** The first match of `re` in what the CLI has written to stderr, as soon as it is there. */
  stderrMatch(re: RegExp): Promise<RegExpMatchArray>;
  /** The finished run (recorded in allRuns like runCli's). */
  done: Promise<CliRun>;
}

/** Starts the CLI and lets the test act on its stderr while it runs (a sign-in waiting for the person). */
export function startCli(args: string[], env: NodeJS.ProcessEnv): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, OSMEN_CLI_SOURCE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  let stdout = '';
  let stderr = '';
  let closed = false;
  let waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }> = [];
  const check = () => {
    waiters = waiters.filter((w) => {
      const m = w.re.exec(stderr);
      if (m) w.resolve(m);
      return !m;
    });
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    check();
  });
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) => {
      closed = true;
      clearTimeout(killer);
      const run = { args, code: code ?? (signal ? -1 : 0), stdout, stderr };
      allRuns.push(run);
      for (const w of waiters) w.reject(new Error(`osmen-cred exited (${run.code}) before printing ${w.re}; stderr: ${stderr}`));
      waiters = [];
      resolve(run);
    });
  });
  return {
    child,
    done,
    stderrMatch(re) {
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve, reject });
        check();
        if (closed && waiters.length) {
          waiters = [];
          reject(new Error(`osmen-cred already exited before printing ${re}; stderr: ${stderr}`));
        }
      });
    },
  };
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
