/**
 * The one-shot Python and Node examples printed in docs/cli.md, run as written (with the client
 * libraries of clients/) against a real agent: the documentation's code is the code under test
 * (the bench runs the same files).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { TokenStore } from '../../../src/main/core/vault/token-store.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { BIN, runCli } from '../cli/run-cli.js';
import { writeDocClients, type DocClients } from '../../../bench/lib/doc-clients.js';
import { startAgent, type AgentProcess } from './agent-harness.js';

const run = promisify(execFile);
let home: ReturnType<typeof makeTmpHome>;
let agent: AgentProcess;
let clients: DocClients;
const key = EncryptionManager.generateKey();
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: `${join(home.dir, 'bin')}:${process.env.PATH}`,
  HOME: home.dir,
  OSMEN_HOME: home.dir,
  OAUTH_ENCRYPTION_KEY: key,
  OSMEN_CLI_SOURCE: '1',
  ...clients.pythonEnv,
  ...extra,
});

async function attempt(cmd: string, args: string[], e: NodeJS.ProcessEnv) {
  try {
    const r = await run(cmd, args, { env: e, encoding: 'utf8', timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const x = err as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  home = makeTmpHome('osmen-doc-clients-');
  const tm = new TokenStore({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(key) });
  tm.saveToken('google', 'me@example.com', {
    access_token: 'doc-client-access',
    refresh_token: 'doc-client-refresh',
    expires_in: 3600,
    scope: 'openid email',
  });
  tm.close();
  clients = writeDocClients(join(home.dir, 'clients'));
  // `osmen-cred` on PATH for the clients' fallback: this checkout's CLI.
  mkdirSync(join(home.dir, 'bin'));
  writeFileSync(join(home.dir, 'bin', 'osmen-cred'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(home.dir, 'bin', 'osmen-cred'), 0o755);
  // A new vault asks first: the two documented clients are allowed, as a person would (`osmen-cred allow`).
  for (const program of [clients.python, clients.node]) {
    const allowed = await runCli(['allow', '--account', 'google:*', '--program', program], env());
    expect(allowed.code, allowed.stderr).toBe(0);
  }
  agent = await startAgent(env());
});

afterAll(async () => {
  if (agent && agent.proc.exitCode === null) await agent.stop('SIGKILL');
  home?.cleanup();
});

describe('the documented agent clients', () => {
  it('Python: prints the token, exits with the CLI code on an error, falls back to osmen-cred without an agent', async () => {
    expect(await attempt('python3', [clients.python, 'google', 'me@example.com'], env({ OAUTH_ENCRYPTION_KEY: undefined }))).toMatchObject({
      code: 0,
      stdout: 'doc-client-access\n',
    });
    const missing = await attempt('python3', [clients.python, 'google', 'nobody@example.com'], env());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('[ACCOUNT_NOT_FOUND]');
    const fallback = await attempt(
      'python3',
      [clients.python, 'google', 'me@example.com'],
      env({ OSMEN_AGENT_SOCK: join(home.dir, 'no-agent.sock') }),
    );
    expect(fallback).toMatchObject({ code: 0, stdout: 'doc-client-access\n' });
  });

  it('Node: prints the token and exits with the CLI code on an error', async () => {
    expect(await attempt(process.execPath, [clients.node, 'google', 'me@example.com'], env())).toMatchObject({
      code: 0,
      stdout: 'doc-client-access\n',
    });
    const missing = await attempt(process.execPath, [clients.node, 'google', 'nobody@example.com'], env());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('[ACCOUNT_NOT_FOUND]');
    const noAgent = await attempt(
      process.execPath,
      [clients.node, 'google', 'me@example.com'],
      env({ OSMEN_AGENT_SOCK: join(home.dir, 'no-agent.sock') }),
    );
    expect(noAgent.code).toBe(75);
    expect(noAgent.stderr).toContain('[AGENT_UNAVAILABLE]');
  });
});
