/**
 * The socket check before sending: `token`, `status` and `run` refuse an agent socket another
 * user could have planted (owned by another uid, group/other permission bits, a folder others can
 * write) with AGENT_SOCKET_UNSAFE, exit 78, without connecting to it and without falling back to
 * the vault; the normal 0600 socket in a private folder works.
 *
 * The planted agent is a real listening socket answering every request with a fake token. Its
 * owner is another real user, made here with useradd (root only); a machine where that is not
 * possible skips those cases and says why.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { KEYCHAIN_SERVICE } from '../../../src/main/core/vault/key-custody.js';
import { startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { seedVault, storedToken } from '../../helpers/seed-vault.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { startAgent, type AgentProcess } from '../agent/agent-harness.js';
import { runCli, type CliRun } from './run-cli.js';

const ALICE = 'alice@example.test';
const FAKE = `planted-${randomUUID()}`;
const key = EncryptionManager.generateKey();
let op: TestProvider;
let home: ReturnType<typeof makeTmpHome>;
let agent: AgentProcess | null = null;
/** The other user's uid, or why there is none. */
let other: { uid: number; gid: number; name: string } | { skip: string };

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home.dir,
  OSMEN_HOME: home.dir,
  OAUTH_ENCRYPTION_KEY: key,
  OSMEN_KEYCHAIN_SERVICE: `${KEYCHAIN_SERVICE} (socket check test ${randomUUID()})`,
  ...extra,
});
const stored = () => storedToken(home.dir, key, ALICE);

/** A fake agent: answers every line with a token of its own choosing, and counts who connected. */
async function plantAgent(path: string): Promise<{ connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      for (const line of d.split('\n').filter(Boolean)) {
        const id = (JSON.parse(line) as { id?: unknown }).id ?? null;
        socket.write(
          `${JSON.stringify({ id, ok: true, accessToken: FAKE, tokenType: 'Bearer', expiresAt: null, expiresIn: null, scopes: [], usable: true, accounts: [] })}\n`,
        );
      }
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  return {
    connections: () => connections,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function makeOtherUser(): typeof other {
  if (process.getuid?.() !== 0) return { skip: 'not root: cannot create another user or give a file to one' };
  const name = `osmen-p${randomBytes(4).toString('hex')}`;
  try {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name], { stdio: 'ignore' });
  } catch (err) {
    return { skip: `useradd failed (${(err as Error).message.split('\n')[0]})` };
  }
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid, name };
}

/** What every refused run must show: 78, the code, the reason, no token of either kind, nothing sent. */
function expectRefused(r: CliRun, reason: RegExp) {
  expect(r.code, r.stderr).toBe(78);
  expect(r.stderr).toMatch(/^osmen-cred: error \[AGENT_SOCKET_UNSAFE\]: Refusing the agent socket "[^"]+": /);
  expect(r.stderr).toMatch(reason);
  expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  for (const out of [r.stdout, r.stderr]) {
    expect(out).not.toContain(FAKE);
    expect(out).not.toContain(stored().accessToken); // no fallback to the vault either
  }
}

/** `token`, `status` and `run` against one socket path; `run` must not start its command. */
async function refusedByAll(path: string, reason: RegExp, planted: { connections: () => number }) {
  const marker = join(home.dir, `started-${randomUUID()}`);
  const runs = [
    await runCli(['token', 'testop', ALICE], env({ OSMEN_AGENT_SOCK: path })),
    await runCli(['token', 'testop', ALICE, '--format', 'header'], env({ OSMEN_AGENT_SOCK: path })),
    await runCli(['status', '--json'], env({ OSMEN_AGENT_SOCK: path })),
    await runCli(['status'], env({ OSMEN_AGENT_SOCK: path })),
    await runCli(
      [
        'run',
        '--account',
        `testop:${ALICE}`,
        '--',
        process.execPath,
        '-e',
        `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`,
      ],
      env({ OSMEN_AGENT_SOCK: path }),
    ),
  ];
  for (const r of runs) expectRefused(r, reason);
  expect(existsSync(marker)).toBe(false);
  expect(planted.connections()).toBe(0);
}

beforeAll(async () => {
  other = makeOtherUser();
  op = await startTestProvider();
  home = makeTmpHome('osmen-sockcheck-');
  // The hand-off itself is tested here, not consent (test/integration/consent): any program of the user gets tokens.
  await seedVault(home.dir, key, op, { logins: ['alice'], handToAnyProgram: true });
});

afterAll(async () => {
  if (agent && agent.proc.exitCode === null) await agent.stop('SIGKILL');
  await op?.close();
  home?.cleanup();
  if ('name' in other) execFileSync('userdel', [other.name], { stdio: 'ignore' });
});

describe('the CLI checks the agent socket before sending', () => {
  it('refuses a socket another user planted at a custom OSMEN_AGENT_SOCK in /tmp', async (ctx) => {
    if ('skip' in other) return ctx.skip(other.skip);
    // The other user's own folder in /tmp (0755, as mkdir gives it), the socket in it theirs too.
    const dir = mkdtempSync(join(tmpdir(), 'osmen-planted-'));
    chmodSync(dir, 0o755);
    const path = join(dir, 'agent.sock');
    const planted = await plantAgent(path);
    try {
      chmodSync(path, 0o666);
      chownSync(path, other.uid, other.gid);
      chownSync(dir, other.uid, other.gid);
      await refusedByAll(path, new RegExp(`owned by uid ${other.uid}, not by you \\(uid 0\\)`), planted);
      // The same socket in a folder of ours: still another user's socket.
      const ours = join(home.dir, 'theirs.sock');
      const inOurs = await plantAgent(ours);
      try {
        chownSync(ours, other.uid, other.gid);
        chmodSync(ours, 0o600);
        await refusedByAll(
          ours,
          new RegExp(`it is owned by uid ${other.uid}, not by you \\(uid 0\\); another user may have planted it`),
          inOurs,
        );
      } finally {
        await inOurs.close();
      }
    } finally {
      await planted.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses our own socket with mode 0660, and one in a world-writable folder', async () => {
    const loose = join(home.dir, 'loose.sock');
    const a = await plantAgent(loose);
    try {
      chmodSync(loose, 0o660);
      await refusedByAll(loose, /its mode is 0660: group or others may use it \(it must be 0600\)/, a);
    } finally {
      await a.close();
    }
    const shared = mkdtempSync(join(tmpdir(), 'osmen-shared-'));
    chmodSync(shared, 0o1777); // like /tmp itself
    const inShared = join(shared, 'agent.sock');
    const b = await plantAgent(inShared);
    try {
      chmodSync(inShared, 0o600);
      await refusedByAll(inShared, /its folder "[^"]+" \(mode 1777\) is writable by everyone/, b);
    } finally {
      await b.close();
      rmSync(shared, { recursive: true, force: true });
    }
    const groupDir = join(home.dir, 'group-writable');
    mkdirSync(groupDir);
    chmodSync(groupDir, 0o770);
    const inGroup = join(groupDir, 'agent.sock');
    const c = await plantAgent(inGroup);
    try {
      chmodSync(inGroup, 0o600);
      await refusedByAll(inGroup, /\(mode 0770\) is writable by its group/, c);
    } finally {
      await c.close();
    }
  });

  it('an agent started on a socket in a world-writable folder warns that clients will refuse it; they do', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'osmen-shared-agent-'));
    chmodSync(shared, 0o1777);
    const a = await startAgent(env(), ['--socket', join(shared, 'agent.sock')]);
    try {
      const r = await runCli(['token', 'testop', ALICE], env({ OSMEN_AGENT_SOCK: a.path }));
      expect(r.code).toBe(78);
      expect(r.stderr).toContain('[AGENT_SOCKET_UNSAFE]');
      // Everything the agent wrote has been read once its stderr ends.
      const ended = new Promise((r) => a.proc.stderr!.once('close', r));
      await a.stop();
      await ended;
      expect(a.stderr()).toMatch(
        /osmen-cred agent: warning: clients will refuse this socket\. Refusing the agent socket "[^"]+": its folder "[^"]+" \(mode 1777\) is writable by everyone/,
      );
    } finally {
      await a.stop();
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('the normal 0600 socket in a private folder works for token, status and run', async () => {
    agent = await startAgent(env());
    const keyless = env({ OAUTH_ENCRYPTION_KEY: undefined, OSMEN_AGENT_SOCK: agent.path });
    const token = await runCli(['token', 'testop', ALICE], keyless);
    expect(token).toMatchObject({ code: 0, stdout: `${stored().accessToken}\n`, stderr: '' });
    const status = await runCli(['status', '--json'], keyless);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ usable: true, accounts: [{ provider: 'testop', userId: ALICE }] });
    const run = await runCli(
      ['run', '--account', `testop:${ALICE}`, '--', process.execPath, '-e', 'process.exit(process.env.OSMEN_ACCESS_TOKEN ? 0 : 9)'],
      keyless,
    );
    expect(run.code).toBe(0);
    // A socket path where nothing is means "no agent": the vault answers (with the key).
    await agent.stop();
    const none = await runCli(['token', 'testop', ALICE], env({ OSMEN_AGENT_SOCK: join(home.dir, 'nothing-here.sock') }));
    expect(none).toMatchObject({ code: 0, stdout: `${stored().accessToken}\n`, stderr: '' });
  });
});
