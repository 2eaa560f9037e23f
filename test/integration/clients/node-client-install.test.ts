/**
 * @osmen/agent-client: the socket check before connecting (real sockets, real owners and modes),
 * and the package installed from the checkout with npm into a project of its own, used from
 * there against a real agent, its types checked by tsc as a TypeScript user's would be.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, ConfigurationError, checkAgentSocket } from '../../../clients/node/index.js';
import { ALICE, startClientFixture, startScriptedPeer, tokenAnswer, type ClientFixture, type ScriptedPeer } from './client-fixture.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const OTHER_UID = 4242;
const isRoot = process.getuid?.() === 0;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'osmen-node-sock-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A listening peer at `<scratch>/<name>/agent.sock` that answers every request. */
async function peerIn(name: string): Promise<ScriptedPeer> {
  const dir = join(scratch, name);
  mkdirSync(dir, { mode: 0o700 });
  return startScriptedPeer(join(dir, 'agent.sock'), (req, socket) => socket.write(tokenAnswer(req.id, 'peer-token')));
}

async function refusal(peer: ScriptedPeer): Promise<ConfigurationError> {
  const c = new AgentClient({ socketPath: peer.path, env: {} });
  const err = await c.getAccessToken('p', 'u').catch((e: unknown) => e);
  c.close();
  expect(err).toBeInstanceOf(ConfigurationError);
  expect(err).toMatchObject({ code: 'AGENT_SOCKET_UNSAFE', exitCode: 78, category: 'configuration' });
  expect(peer.connections).toBe(0); // refused before connecting: nothing (no key) was sent
  return err as ConfigurationError;
}

describe('the socket check before connecting', () => {
  it('uses a private socket of ours in a private folder', async () => {
    const peer = await peerIn('good');
    try {
      const c = new AgentClient({ socketPath: peer.path, env: {} });
      expect((await c.getAccessToken('p', 'u')).accessToken).toBe('peer-token');
      c.close();
      expect(await checkAgentSocket(peer.path)).toBe('ok');
      expect(await checkAgentSocket(join(scratch, 'none', 'agent.sock'))).toBe('missing');
    } finally {
      await peer.close();
    }
  });

  it('refuses a socket group or others may use (0660)', async () => {
    const peer = await peerIn('mode');
    try {
      chmodSync(peer.path, 0o660);
      expect((await refusal(peer)).message).toContain('its mode is 0660');
    } finally {
      await peer.close();
    }
  });

  it('refuses a socket in a folder others can write (0777, 1777)', async () => {
    const peer = await peerIn('open-folder');
    try {
      for (const mode of [0o777, 0o1777, 0o770]) {
        chmodSync(join(scratch, 'open-folder'), mode);
        const octal = `0${mode.toString(8)}`;
        expect((await refusal(peer)).message).toContain(`open-folder (mode ${octal}) is writable by group or others`);
      }
    } finally {
      await peer.close();
    }
  });

  it('refuses something that is not a socket', async () => {
    const path = join(scratch, 'file.sock');
    writeFileSync(path, '', { mode: 0o600 });
    const c = new AgentClient({ socketPath: path, env: {} });
    await expect(c.getAccessToken('p', 'u')).rejects.toMatchObject({
      code: 'AGENT_SOCKET_UNSAFE',
      message: expect.stringContaining('a regular file'),
    });
  });

  it.skipIf(!isRoot)('refuses a socket, or a folder, owned by another uid (needs root to chown)', async () => {
    const peer = await peerIn('theirs');
    try {
      chownSync(peer.path, OTHER_UID, OTHER_UID);
      expect((await refusal(peer)).message).toContain(`owned by uid ${OTHER_UID}, not by you (uid 0)`);
      chownSync(peer.path, 0, 0);
      chownSync(join(scratch, 'theirs'), OTHER_UID, OTHER_UID);
      expect((await refusal(peer)).message).toMatch(new RegExp(`its folder .*theirs is owned by uid ${OTHER_UID}`));
    } finally {
      await peer.close();
    }
  });
});

describe('installed from the checkout', () => {
  let fx: ClientFixture;
  beforeAll(async () => {
    fx = await startClientFixture('osmen-node-install-');
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('npm install ./clients/node (no build step), then used by a program and type-checked by tsc', async () => {
    const project = realpathSync(mkdtempSync(join(tmpdir(), 'osmen-node-consumer-')));
    try {
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
      // --install-links: copied as a registry install would (only the files package.json ships), not symlinked.
      const install = spawnSync(
        'npm',
        ['install', '--install-links', '--ignore-scripts', '--offline', '--no-audit', '--no-fund', join(ROOT, 'clients', 'node')],
        { cwd: project, encoding: 'utf8' },
      );
      expect(install.status, install.stderr).toBe(0);
      writeFileSync(
        join(project, 'main.mjs'),
        [
          "import { getAccessToken, AgentError } from '@osmen/agent-client';",
          'const t = await getAccessToken(process.argv[2], process.argv[3], { minTtl: 60 });',
          'console.log(t.accessToken);',
          'console.log(JSON.stringify(t.toJSON()));',
        ].join('\n'),
      );
      // Asynchronously: the agent answering it runs in this process.
      const run = await promisify(execFile)(process.execPath, ['main.mjs', 'testop', ALICE], {
        cwd: project,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, OSMEN_AGENT_SOCK: fx.path },
      });
      const [token, json] = run.stdout.trim().split('\n');
      expect(token).toBe(fx.stored(ALICE).accessToken);
      expect(JSON.parse(json!)).toMatchObject({ tokenType: 'Bearer' });

      writeFileSync(
        join(project, 'typed.ts'),
        [
          "import { AgentClient, NeedsReauthError, type AccessToken } from '@osmen/agent-client';",
          'const client = new AgentClient({ clientName: "typed" });',
          "export const token: Promise<AccessToken> = client.getAccessToken('google', 'me@example.com', { minTtl: 60, scopes: ['openid'] });",
          'export const reauth = (e: unknown): boolean => e instanceof NeedsReauthError && e.exitCode === 3;',
          '// @ts-expect-error minTtl is a number of seconds',
          "client.getAccessToken('google', 'me@example.com', { minTtl: '60' });",
        ].join('\n'),
      );
      const tsc = spawnSync(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
          '--noEmit',
          '--strict',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--target',
          'es2022',
          '--types',
          'node',
          '--typeRoots',
          join(ROOT, 'node_modules', '@types'),
          'typed.ts',
        ],
        { cwd: project, encoding: 'utf8' },
      );
      expect(tsc.status, tsc.stdout).toBe(0);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
