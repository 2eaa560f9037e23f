/**
 * `osmen-cred serve` as a real process: it prints the variables in `docker run -e` form, answers
 * the protocol on the printed address, refuses what the endpoint refuses, warns when bound beyond
 * loopback, stops on SIGTERM or when `--for` ends (closing the port), and records its answers as
 * hand-offs of "serve on port P".
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestProvider } from '../../helpers/oidc-provider.js';
import { BIN } from '../cli/run-cli.js';
import { ALICE, ARM, get, probePort, sdkVault, startSdkProvider, storedToken, type SdkVault } from './sdk-fixture.js';

let op: TestProvider;
let vault: SdkVault;

beforeAll(async () => {
  op = await startSdkProvider();
  vault = await sdkVault(op);
});
afterAll(async () => {
  vault?.cleanup();
  await op?.close();
});

interface Serving {
  variables: Record<string, string>;
  stderr(): string;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `serve` and waits for its line of variables on stdout. */
function serve(args: string[]): Promise<Serving> {
  const child = spawn(process.execPath, [BIN, 'serve', '--account', `testop:${ALICE}`, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: vault.home.dir,
      OSMEN_HOME: vault.home.dir,
      OAUTH_ENCRYPTION_KEY: vault.key,
      OSMEN_CLI_SOURCE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    // Ready once the variables are on stdout and the description (after any warning) on stderr.
    const check = () => {
      if (!stdout.includes('\n') || !/ on \S+:\d+/.test(stderr)) return;
      const line = stdout.split('\n')[0]!;
      const variables = Object.fromEntries([...line.matchAll(/-e ([A-Z_]+)=(\S*)/g)].map((m) => [m[1]!, m[2]!]));
      resolve({ variables, stderr: () => stderr, exited, kill: (s) => child.kill(s) });
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      check();
    });
    child.stderr.on('data', check);
    void exited.then((code) => reject(new Error(`serve exited ${code} before printing: ${stderr}`)));
  });
}

async function handoffs(client: string): Promise<number[]> {
  const core = await vault.open();
  try {
    return core
      .readLog(200)
      .filter((e) => e.event === 'token_handoff' && e.details.program === client)
      .map((e) => Number(e.details.count));
  } finally {
    await core.close();
  }
}

describe('osmen-cred serve', () => {
  it('google on loopback: prints the variables, answers and refuses, stops on SIGTERM and closes the port', async () => {
    const s = await serve(['--sdk', 'google', '--project', 'served-project']);
    const host = s.variables.GCE_METADATA_HOST!;
    expect(host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(s.variables).toEqual({
      GCE_METADATA_HOST: host,
      GCE_METADATA_IP: host,
      GCE_METADATA_ROOT: host,
      METADATA_SERVER_DETECTION: 'assume-present',
      CLOUDSDK_CONFIG: '/nonexistent/osmen-gcloud',
    });
    expect(s.stderr()).not.toContain('warning');
    const port = Number(host.split(':')[1]);
    const flavor = { 'Metadata-Flavor': 'Google' };
    const path = '/computeMetadata/v1/instance/service-accounts/default/token';
    const token = (await get(port, path, flavor)).json().access_token as string;
    const core = await vault.open();
    try {
      expect(token).toBe(storedToken(core).accessToken);
    } finally {
      await core.close();
    }
    expect((await get(port, '/computeMetadata/v1/project/project-id', flavor)).body).toBe('served-project');
    expect((await get(port, path, {})).status).toBe(403);
    expect((await get(port, path, { ...flavor, Host: 'rebound.evil.example' })).status).toBe(403);
    s.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toContain('stopped (SIGTERM)');
    expect(await probePort(port)).toBe('ECONNREFUSED');
    expect(await handoffs(`serve on port ${port}`)).toEqual([1]);
  });

  it('azure on every address: warns, needs the printed secret, ends when --for ends', async () => {
    const s = await serve(['--sdk', 'azure', '--bind', '0.0.0.0', '--for', '3s']);
    expect(s.stderr()).toMatch(/warning: listening on 0\.0\.0\.0:\d+, not loopback/);
    const endpoint = new URL(s.variables.IDENTITY_ENDPOINT!);
    expect(endpoint.hostname).toBe('host.docker.internal'); // what a container maps with --add-host
    const secret = s.variables.IDENTITY_HEADER!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const port = Number(endpoint.port);
    const query = `/msi/token?api-version=2019-08-01&resource=${encodeURIComponent(ARM)}`;
    const r = await get(port, query, { 'X-IDENTITY-HEADER': secret });
    expect(r.status).toBe(200);
    expect((await op.introspect(r.json().access_token)).scope).toBe(`${ARM}/.default`);
    expect((await get(port, query, { 'X-IDENTITY-HEADER': 'guess' })).status).toBe(401);
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toContain('stopped (--for ended)');
    expect(await probePort(port)).toBe('ECONNREFUSED');
    expect(await handoffs(`serve on port ${port}`)).toEqual([1]);
  });
});
