/**
 * The built CLI (out/main/osmen-cred.js, what the installed bin and the packaged app run) and
 * the agent: with an agent answering, `osmen-cred token` loads no vault module (no SQLite,
 * openid-client, zod, electron-log or keychain); without one it loads them and opens the vault.
 * And the bin launcher runs the bundle, not the TypeScript sources.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/main/core/index.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';

const root = join(import.meta.dirname, '..', '..');
const bundle = join(root, 'out', 'main', 'osmen-cred.js');
const bin = join(root, 'bin', 'osmen-cred.js');
const recorder = join(root, 'test', 'helpers', 'module-recorder.mjs');
const HEAVY = /better-sqlite3|@napi-rs[/+]keyring|openid-client|\/zod\/|electron-log|credential-core|token-refresher|key-custody/;

let home: ReturnType<typeof makeTmpHome>;
const key = EncryptionManager.generateKey();
const env = (extra: NodeJS.ProcessEnv = {}) => ({
  PATH: process.env.PATH,
  HOME: home.dir,
  OSMEN_HOME: home.dir,
  OSMEN_KEYCHAIN_SERVICE: 'osmen e2e none',
  ...extra,
});

function recorded(args: string[], extra: NodeJS.ProcessEnv, entry = bundle) {
  const log = join(home.dir, `modules-${Math.random().toString(36).slice(2)}.log`);
  const r = spawnSync(process.execPath, ['--import', recorder, entry, ...args], {
    env: env({ ...extra, OSMEN_TEST_MODULE_LOG: log }),
    encoding: 'utf8',
  });
  let modules: string[] = [];
  try {
    modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    rmSync(log);
  } catch {
    // nothing resolved
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, modules };
}

beforeAll(() => {
  home = makeTmpHome('osmen-e2e-agent-');
  const tm = new TokenStore({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(key) });
  tm.saveToken('google', 'me@example.com', {
    access_token: 'bundle-agent-access',
    refresh_token: 'bundle-agent-refresh',
    expires_in: 3600,
    scopes: ['openid'],
  });
  tm.close();
  // A new vault asks before a program gets a token: allow this test process's program (the
  // parent of each osmen-cred below), through the bundle, for the agent and the vault path alike.
  const allowed = recorded(['allow', '--account', 'google:me@example.com', '--pid', String(process.pid)], { OAUTH_ENCRYPTION_KEY: key });
  expect(allowed.code, allowed.stderr).toBe(0);
});

afterAll(() => home?.cleanup());

describe('built osmen-cred and the agent', () => {
  it('token through the agent loads no vault module; without an agent it opens the vault', async () => {
    const agent = spawn(process.execPath, [bundle, 'agent'], {
      env: env({ OAUTH_ENCRYPTION_KEY: key }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let err = '';
        agent.stderr.on('data', (b: Buffer) => {
          err += b.toString();
          if (err.includes('OSMEN_AGENT_SOCK=')) resolve();
        });
        agent.once('exit', (code) => reject(new Error(`agent exited ${code}: ${err}`)));
      });
      const fast = recorded(['token', 'google', 'me@example.com', '--format', 'header'], {});
      expect(fast).toMatchObject({ code: 0, stdout: 'Authorization: Bearer bundle-agent-access\n', stderr: '' });
      const ours = fast.modules.filter(
        (m) => m.startsWith('file:') && !m.endsWith('module-recorder-hooks.mjs') && !m.endsWith('module-recorder.mjs'),
      );
      expect(ours.some((m) => m.endsWith('/out/main/osmen-cred.js'))).toBe(true);
      expect(fast.modules.filter((m) => HEAVY.test(m))).toEqual([]);
    } finally {
      agent.kill('SIGTERM');
      await new Promise((r) => agent.once('exit', r));
    }
    const slow = recorded(['token', 'google', 'me@example.com'], { OAUTH_ENCRYPTION_KEY: key });
    expect(slow).toMatchObject({ code: 0, stdout: 'bundle-agent-access\n' });
    expect(slow.modules.some((m) => m.includes('better-sqlite3'))).toBe(true);
    // node:http is loaded only where a server starts (sign-in listener, SDK endpoint): its ESM
    // facade pulls in undici, ~25 ms of every start.
    expect(slow.modules.filter((m) => m === 'node:http' || m === 'http')).toEqual([]);
  });

  it('the bin launcher runs the bundle; OSMEN_CLI_SOURCE=1 runs the sources', () => {
    const viaBin = recorded(['list', '--json'], { OAUTH_ENCRYPTION_KEY: key }, bin);
    expect(viaBin.code).toBe(0);
    expect(viaBin.modules.some((m) => m.endsWith('/out/main/osmen-cred.js'))).toBe(true);
    expect(viaBin.modules.some((m) => m.includes('/src/main/'))).toBe(false);
    const viaSource = recorded(['list', '--json'], { OAUTH_ENCRYPTION_KEY: key, OSMEN_CLI_SOURCE: '1' }, bin);
    expect(viaSource.code).toBe(0);
    expect(viaSource.modules.some((m) => m.includes('/src/main/cli/osmen-cred.ts'))).toBe(true);
    expect(JSON.parse(viaSource.stdout)).toEqual(JSON.parse(viaBin.stdout));
  });
});
