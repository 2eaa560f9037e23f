/**
 * The SDK endpoints' small parts without a network: which Host names are this endpoint, the
 * variables each protocol needs, the resource-to-scope rule, program labels for the hand-off
 * records, and `run --sdk` / `serve` command lines refused before anything is opened.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/cli.js';
import { EXIT } from '../../src/main/core/exit-codes.js';
import { parseDuration } from '../../src/main/cli/commands/serve.js';
import { scopeForResource } from '../../src/main/core/sdk/azure-managed-identity.js';
import { programLabel, runProgram } from '../../src/main/core/sdk/handoff-recorder.js';
import { hostAllowed, hostName } from '../../src/main/core/sdk/request-guard.js';
import { advertisedHost, sdkVariables } from '../../src/main/core/sdk/sdk-endpoint.js';
import { sdkEnvironment } from '../../src/main/core/sdk/sdk-env.js';

describe('Host names an endpoint answers', () => {
  it('parses Host headers (ports, IPv6 brackets, a trailing dot) and refuses malformed ones', () => {
    expect(hostName('127.0.0.1:8080')).toBe('127.0.0.1');
    expect(hostName('[::1]:80')).toBe('::1');
    expect(hostName('Metadata.Google.Internal.')).toBe('metadata.google.internal');
    for (const bad of [undefined, '', '[::1', 'a:b:c', '[::1]x', 'h:99999999']) expect(hostName(bad), String(bad)).toBeNull();
  });

  it('loopback: loopback names and metadata.google.internal on any port, never another name', () => {
    const bound = { host: '127.0.0.1', port: 4000 };
    for (const ok of ['127.0.0.1:4000', '127.0.0.1:8080', 'localhost', '[::1]:1', 'metadata.google.internal:80']) {
      expect(hostAllowed(ok, bound), ok).toBe(true);
    }
    for (const no of ['evil.example', '127.0.0.1.nip.io', '10.0.0.1', 'localhost.evil.example', undefined]) {
      expect(hostAllowed(no, bound), String(no)).toBe(false);
    }
  });

  it('a named address: that address; a wildcard: any IP literal, never a DNS name', () => {
    expect(hostAllowed('172.17.0.1:4000', { host: '172.17.0.1', port: 4000 })).toBe(true);
    expect(hostAllowed('127.0.0.1:4000', { host: '172.17.0.1', port: 4000 })).toBe(false);
    expect(hostAllowed('192.168.1.5:9', { host: '0.0.0.0', port: 9 })).toBe(true);
    expect(hostAllowed('host.docker.internal:9', { host: '0.0.0.0', port: 9 })).toBe(false);
  });
});

describe('protocol variables', () => {
  it('Google sets the three host variables and the detection; Azure the endpoint and its secret', () => {
    expect(sdkVariables('google', '::1', 80, null)).toEqual({
      GCE_METADATA_HOST: '[::1]:80',
      GCE_METADATA_IP: '[::1]:80',
      GCE_METADATA_ROOT: '[::1]:80',
      METADATA_SERVER_DETECTION: 'assume-present',
    });
    expect(sdkVariables('azure', '127.0.0.1', 81, 's3cret')).toEqual({
      IDENTITY_ENDPOINT: 'http://127.0.0.1:81/msi/token',
      IDENTITY_HEADER: 's3cret',
    });
    expect(advertisedHost('google', { host: '0.0.0.0', port: 1 })).toBe('metadata.google.internal');
    expect(advertisedHost('azure', { host: '172.17.0.1', port: 1 })).toBe('172.17.0.1');
  });

  it("run's environment: the caller's, minus the SDK's removed variables and the vault key, plus the endpoint's", () => {
    const base = {
      A: '1',
      GOOGLE_APPLICATION_CREDENTIALS: 'k',
      OAUTH_ENCRYPTION_KEY: 'key',
      OSMEN_NEW_ENCRYPTION_KEY: 'next',
      OSMEN_KEYCHAIN_SERVICE: 'svc',
      AZURE_CLIENT_ID: 'c',
    };
    expect(sdkEnvironment(base, 'google', { GCE_METADATA_HOST: 'h' }, '/empty')).toEqual({
      A: '1',
      AZURE_CLIENT_ID: 'c',
      GCE_METADATA_HOST: 'h',
      CLOUDSDK_CONFIG: '/empty',
    });
    expect(sdkEnvironment(base, 'azure', { IDENTITY_HEADER: 's' }, null)).toEqual({
      A: '1',
      GOOGLE_APPLICATION_CREDENTIALS: 'k',
      IDENTITY_HEADER: 's',
    });
    expect(base.OAUTH_ENCRYPTION_KEY).toBe('key'); // the caller's object is not changed
  });

  it('a v1 resource becomes its v2 .default scope', () => {
    expect(scopeForResource('https://management.azure.com')).toBe('https://management.azure.com/.default');
    expect(scopeForResource('https://management.azure.com/')).toBe('https://management.azure.com//.default');
    expect(scopeForResource('api://x/.default')).toBe('api://x/.default');
  });
});

describe('hand-off program labels', () => {
  it('printable ASCII, at most 64 characters, paths by their last part', () => {
    expect(runProgram('/usr/bin/python3', ['/home/me/work/sync.py', '--since', 'yesterday'])).toBe(
      'run: python3 sync.py --since yesterday',
    );
    expect(programLabel('serve on port 8080')).toBe('serve on port 8080');
    expect(programLabel('run: café\u0007')).toBe('run: caf??');
    const long = runProgram('node', ['x'.repeat(100)]);
    expect(long).toHaveLength(64);
    expect(long.endsWith('...')).toBe(true);
  });
});

describe('run --sdk and serve command lines', () => {
  async function refused(argv: string[]): Promise<string> {
    const err: string[] = [];
    const code = await runCli(argv, { out: () => undefined, err: (t) => void err.push(t), env: {} });
    expect(code, argv.join(' ')).toBe(EXIT.USAGE);
    return err.join('');
  }
  const account = ['--account', 'testop:alice@example.test'];

  it('are refused before any vault is opened (exit 64)', async () => {
    expect(await refused(['run', '--sdk', 'gcp', ...account, '--', 'x'])).toContain('--sdk takes google or azure');
    expect(await refused(['run', '--sdk', 'azure', ...account, '--project', 'p', '--', 'x'])).toContain('--project is for --sdk google');
    expect(await refused(['run', '--sdk', 'google', ...account, '--project', 'Bad Project', '--', 'x'])).toContain('project id');
    expect(await refused(['run', '--sdk', 'google', ...account, '--env', 'X', '--', 'x'])).toContain('--env does not go with --sdk');
    expect(await refused(['run', '--sdk', 'google', ...account, ...account, '--', 'x'])).toContain('exactly one --account');
    expect(await refused(['run', '--sdk', 'google', '--account', 'nocolon', '--', 'x'])).toContain('--account takes');
    expect(await refused(['run', '--sdk', 'google', ...account, '--scopes', ' ', '--', 'x'])).toContain('--scopes takes');
    expect(await refused(['run', ...account, '--scopes', 'a', '--', 'x'])).toContain('--scopes goes with --sdk');
    expect(await refused(['serve', '--sdk', 'google', ...account, '--bind', 'example.com'])).toContain('--bind takes an IP address');
    expect(await refused(['serve', '--sdk', 'google', ...account, '--port', '70000'])).toContain('--port takes');
    expect(await refused(['serve', '--sdk', 'google', ...account, '--for', '0s'])).toContain('--for takes a duration');
    expect(await refused(['serve', '--sdk', 'azure', ...account, '--', 'x'])).toContain('serve takes no arguments after --');
  });

  it('--for takes seconds, minutes, hours or days, from 1 s to 30 days', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('8h')).toBe(28_800_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('45')).toBe(45_000);
    for (const bad of ['0', '31d', '1w', '-5m', '', '8 h']) expect(parseDuration(bad), bad).toBeNull();
  });
});
