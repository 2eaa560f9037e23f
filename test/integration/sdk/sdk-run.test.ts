/**
 * The real SDKs, unmodified, as child processes of `osmen-cred run --sdk …` against the real
 * OpenID Provider: Node's google-auth-library and @azure/identity (devDependencies), Python's
 * google-auth (Debian's python3-google-auth 1.5.1) and azure-identity (Debian's python3-azure).
 * Each gets the token the provider issued for the account, for the scope or resource it asked
 * (introspection); a person's gcloud application-default file, a key file in
 * GOOGLE_APPLICATION_CREDENTIALS and Azure's other credential variables do not win; the port is
 * closed once the command exits; and the answers are hand-offs in the security log.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_CLIENT_ID, type TestProvider } from '../../helpers/oidc-provider.js';
import { runCli, type CliRun } from '../cli/run-cli.js';
import { ACCOUNT_SCOPES, ALICE, ARM, KEY_VAULT, probePort, sdkVault, startSdkProvider, storedToken, type SdkVault } from './sdk-fixture.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ACCOUNT = `testop:${ALICE}`;
let op: TestProvider;
let vault: SdkVault;

/** Where a Python module is importable by Debian's python3, or why not. */
function pythonMissing(module: string, install: string): string | null {
  try {
    execFileSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'pipe' });
    return null;
  } catch {
    return `/usr/bin/python3 cannot import ${module}: ${install}`;
  }
}
const NO_GOOGLE_AUTH = pythonMissing(
  'google.auth',
  'apt-get install python3-google-auth (.ci/run installs it; PyPI is not reachable here)',
);
const NO_AZURE_IDENTITY = pythonMissing(
  'azure.identity',
  "apt-get install python3-azure (Debian's azure-sdk-for-python, with azure-identity; .ci/run installs it; PyPI is not reachable here)",
);

beforeAll(async () => {
  op = await startSdkProvider();
  vault = await sdkVault(op);
  // What would win over the metadata server if run left it: gcloud's application-default file in
  // the person's home, and a key file named by GOOGLE_APPLICATION_CREDENTIALS.
  const gcloud = join(vault.home.dir, '.config', 'gcloud');
  mkdirSync(gcloud, { recursive: true });
  writeFileSync(
    join(gcloud, 'application_default_credentials.json'),
    JSON.stringify({ type: 'authorized_user', client_id: 'decoy', client_secret: 'decoy', refresh_token: 'decoy-refresh-token' }),
  );
  writeFileSync(join(vault.home.dir, 'key.json'), JSON.stringify({ type: 'service_account', project_id: 'decoy-project' }));
});
afterAll(async () => {
  vault?.cleanup();
  await op?.close();
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: vault.home.dir,
    OSMEN_HOME: vault.home.dir,
    OAUTH_ENCRYPTION_KEY: vault.key,
    GOOGLE_APPLICATION_CREDENTIALS: join(vault.home.dir, 'key.json'),
    // Each of these would make DefaultAzureCredential or MSAL pick another credential.
    AZURE_TENANT_ID: 'decoy-tenant',
    AZURE_CLIENT_ID: 'decoy-client',
    AZURE_CLIENT_SECRET: 'decoy-secret',
    AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential',
    MSI_ENDPOINT: 'http://127.0.0.1:9/msi',
    IDENTITY_SERVER_THUMBPRINT: 'decoy',
    ...extra,
  };
}

async function sdkRun(sdk: 'google' | 'azure', command: string[], extra: NodeJS.ProcessEnv = {}, options: string[] = []) {
  const run = await runCli(['run', '--sdk', sdk, '--account', ACCOUNT, ...options, '--', ...command], env(extra));
  return { run, out: lastJson(run) };
}

function lastJson(run: CliRun): any {
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`no JSON line (exit ${run.code}); stdout: ${run.stdout}; stderr: ${run.stderr}`);
  }
}

/** The token_handoff lines the runs wrote for `client`. */
async function handoffs(client: string): Promise<Array<{ count: number; failed: number }>> {
  const core = await vault.open();
  try {
    // The consent records: hand-offs per program, account and scopes; refusals on their own lines.
    const entries = core.readLog(500).filter((e) => e.details.program === client);
    const failed = entries.filter((e) => e.event === 'handoff_refused').reduce((n, e) => n + Number(e.details.count), 0);
    return entries.filter((e) => e.event === 'token_handoff').map((e) => ({ count: Number(e.details.count), failed }));
  } finally {
    await core.close();
  }
}

async function storedAccessToken(): Promise<string> {
  const core = await vault.open();
  try {
    return storedToken(core).accessToken;
  } finally {
    await core.close();
  }
}

async function expectIssuedToAlice(token: string, scope?: string): Promise<void> {
  const seen = await op.introspect(token);
  expect(seen).toMatchObject({ active: true, sub: 'alice', client_id: PUBLIC_CLIENT_ID });
  if (scope !== undefined) expect(seen.scope).toBe(scope);
}

describe('osmen-cred run --sdk google', () => {
  it("Node's google-auth-library: Compute credentials, the account's token (the second from its cache), the project", async () => {
    const { run, out } = await sdkRun('google', [process.execPath, join(FIXTURES, 'google-node.mjs')], {}, ['--project', 'my-project']);
    expect(run.code, run.stderr).toBe(0);
    expect(out).toMatchObject({ client: 'Compute', email: ALICE, project: 'my-project' });
    expect(out.error).toBeUndefined();
    expect(out.first).toBe(await storedAccessToken());
    expect(out.second).toBe(out.first);
    await expectIssuedToAlice(out.first);
    expect(((await op.introspect(out.first)).scope as string).split(' ').sort()).toEqual([...ACCOUNT_SCOPES].sort());
    // One token answer: the second call was the library's cache. The port is closed now.
    expect(await handoffs('run: node google-node.mjs')).toEqual([{ count: 1, failed: 0 }]);
    expect(await probePort(Number(out.metadataHost.split(':')[1]))).toBe('ECONNREFUSED');
  });

  it('asking for scopes (new GoogleAuth({ scopes })) gets a token for those only; without the detection variable the library pings', async () => {
    const { run, out } = await sdkRun('google', [process.execPath, join(FIXTURES, 'google-node.mjs')], {
      TEST_SCOPES: 'api:read',
      TEST_WITHOUT_DETECTION: '1',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(out.client).toBe('Compute');
    await expectIssuedToAlice(out.first, 'api:read');
    // No --project: the library finds none (the person's gcloud and key file are not consulted).
    expect(out.project).toBeUndefined();
    expect(out.projectError).toMatch(/Unable to detect a Project Id/);
  });

  it("Python's google-auth 1.5.1: google.auth.default() finds the metadata server and its project, then refresh", async (ctx) => {
    if (NO_GOOGLE_AUTH) return ctx.skip(NO_GOOGLE_AUTH);
    const { run, out } = await sdkRun('google', ['/usr/bin/python3', join(FIXTURES, 'google_py.py')], {}, ['--project', 'py-project']);
    expect(run.code, run.stderr).toBe(0);
    expect(out).toMatchObject({
      type: 'google.auth.compute_engine.credentials.Credentials',
      project: 'py-project',
      email: ALICE,
      scopes: ACCOUNT_SCOPES,
      expired: false,
    });
    expect(out.token).toBe(await storedAccessToken());
    expect(out.second).toBe(out.token);
    await expectIssuedToAlice(out.token);
    // Each refresh asks (1.5.1 keeps no cache of its own across explicit refreshes).
    expect(await handoffs('run: python3 google_py.py')).toEqual([{ count: 2, failed: 0 }]);
  });

  it("Python's google-auth asking for ?scopes= (narrowing from Python)", (ctx) => {
    ctx.skip(
      "Debian's google-auth 1.5.1 never sends ?scopes= (compute_engine.Credentials cannot be scoped); newer versions send every scope the " +
        'account reports, which the endpoint treats as no narrowing (sdk-endpoints.test.ts) and Node narrows with ?scopes= above',
    );
  });

  it('gives the command the endpoint variables, removes what would win over it and the vault key, and nothing else of ours', async () => {
    const script = 'process.stdout.write(JSON.stringify(process.env))';
    const { run, out } = await sdkRun('google', [process.execPath, '-e', script], {
      KEEP_ME: 'yes',
      OSMEN_NEW_ENCRYPTION_KEY: 'next-key-while-rotating',
      OSMEN_KEYCHAIN_SERVICE: 'where-the-key-is',
    });
    expect(run.code, run.stderr).toBe(0);
    const host = out.GCE_METADATA_HOST as string;
    expect(host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(out).toMatchObject({
      GCE_METADATA_IP: host,
      GCE_METADATA_ROOT: host,
      METADATA_SERVER_DETECTION: 'assume-present',
      KEEP_ME: 'yes',
    });
    for (const gone of [
      'GOOGLE_APPLICATION_CREDENTIALS',
      'OAUTH_ENCRYPTION_KEY',
      'OSMEN_NEW_ENCRYPTION_KEY',
      'OSMEN_KEYCHAIN_SERVICE',
      'OSMEN_ACCESS_TOKEN',
      'IDENTITY_ENDPOINT',
    ]) {
      expect(out[gone], gone).toBeUndefined();
    }
    expect(out.CLOUDSDK_CONFIG).toMatch(/osmen-gcloud-/);
    expect(existsSync(out.CLOUDSDK_CONFIG)).toBe(false); // an empty folder made for the run, removed after it
  });
});

describe('osmen-cred run --sdk azure', () => {
  it('@azure/identity: ManagedIdentityCredential and DefaultAzureCredential get a token minted for the resource', async () => {
    const { run, out } = await sdkRun('azure', [process.execPath, join(FIXTURES, 'azure-node.mjs')]);
    expect(run.code, run.stderr).toBe(0);
    expect(out.managed.error).toBeUndefined();
    await expectIssuedToAlice(out.managed.token, `${ARM}/.default`);
    expect(out.managed.expiresOn).toBeGreaterThan(Date.now() + 3_000_000);
    expect(out.again.token).toBe(out.managed.token);
    expect(out.default.token).toBe(out.managed.token);
    expect(out.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
    expect(await probePort(Number(new URL(out.endpoint).port))).toBe('ECONNREFUSED');
    expect(await handoffs('run: node azure-node.mjs')).toEqual([{ count: 1, failed: 0 }]);
  });

  it('a resource never consented to: both credentials show the provider error', async () => {
    const { run, out } = await sdkRun('azure', [process.execPath, join(FIXTURES, 'azure-node.mjs')], {
      TEST_SCOPE: `${KEY_VAULT}/.default`,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(out.managed.error).toMatch(/invalid_scope/);
    expect(out.managed.error).toMatch(/refresh token missing requested scope/);
    expect(out.default.error).toMatch(/invalid_scope/);
  });

  it('sets IDENTITY_ENDPOINT and IDENTITY_HEADER and removes the variables that switch the SDK elsewhere', async () => {
    const { run, out } = await sdkRun('azure', [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env))'], {
      IMDS_ENDPOINT: 'http://127.0.0.1:9',
      MSI_SECRET: 'decoy',
      AZURE_CLIENT_CERTIFICATE_PATH: '/decoy.pem',
      AZURE_USERNAME: 'decoy',
      AZURE_FEDERATED_TOKEN_FILE: '/decoy',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(out.IDENTITY_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
    expect(out.IDENTITY_HEADER).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const gone of [
      'IDENTITY_SERVER_THUMBPRINT',
      'IMDS_ENDPOINT',
      'MSI_ENDPOINT',
      'MSI_SECRET',
      'AZURE_TENANT_ID',
      'AZURE_CLIENT_ID',
      'AZURE_CLIENT_SECRET',
      'AZURE_CLIENT_CERTIFICATE_PATH',
      'AZURE_USERNAME',
      'AZURE_FEDERATED_TOKEN_FILE',
      'AZURE_TOKEN_CREDENTIALS',
      'OAUTH_ENCRYPTION_KEY',
      'GCE_METADATA_HOST',
    ]) {
      expect(out[gone], gone).toBeUndefined();
    }
    expect(out.GOOGLE_APPLICATION_CREDENTIALS).toBeDefined(); // Google's variables are Google's business
  });

  it("Python's azure-identity: ManagedIdentityCredential and DefaultAzureCredential", async (ctx) => {
    if (NO_AZURE_IDENTITY) return ctx.skip(NO_AZURE_IDENTITY);
    const { run, out } = await sdkRun('azure', ['/usr/bin/python3', join(FIXTURES, 'azure_py.py')]);
    expect(run.code, run.stderr).toBe(0);
    expect(out.managed.error).toBeUndefined();
    await expectIssuedToAlice(out.managed.token, `${ARM}/.default`);
    expect(out.default.token).toBe(out.managed.token);
  });
});

describe('osmen-cred run --sdk: refusals before the command starts', () => {
  it('no such account (2), a scope the provider refuses (78): the command is not started', async () => {
    const marker = join(vault.home.dir, 'started');
    const touch = [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`];
    const cases: Array<[string[], number, RegExp]> = [
      [['run', '--sdk', 'google', '--account', 'testop:nobody@example.test'], 2, /\[ACCOUNT_NOT_FOUND\]/],
      [['run', '--sdk', 'google', '--account', ACCOUNT, '--scopes', 'api:admin'], 78, /\[invalid_scope\]/],
    ];
    for (const [args, code, message] of cases) {
      const run = await runCli([...args, '--', ...touch], env());
      expect(run.code, args.join(' ')).toBe(code);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(existsSync(marker), args.join(' ')).toBe(false);
    }
  });
});
