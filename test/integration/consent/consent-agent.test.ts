/**
 * Hand-off consent with real processes: `osmen-cred agent` on a vault in `ask` mode (a new
 * vault's default), accounts connected through a real OpenID Provider, and programs that ask it
 * for tokens as the separate processes they are: a Node script, a Python script, two copies of
 * one executable with different contents, `osmen-cred token` from a shell script, `osmen-cred
 * run`, a terminal session (a pty made by script(1)), another user (setpriv), a client key.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreInternals, createCredentialCore } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { KEYCHAIN_SERVICE } from '../../../src/main/core/vault/key-custody.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { BIN, runCli } from '../cli/run-cli.js';
import { startAgent, type AgentProcess } from '../agent/agent-harness.js';

const SCOPES = ['openid', 'email', 'profile', 'offline_access'];
const ALICE = 'alice@example.test';
const PYTHON = '/usr/bin/python3';

let op: TestProvider;
let home: ReturnType<typeof makeTmpHome>;
let work: string;
let sockDir: string;
let sock: string;
let agent: AgentProcess;
const key = EncryptionManager.generateKey();

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: `${process.env.PATH}`,
  HOME: home.dir,
  OSMEN_HOME: home.dir,
  OAUTH_ENCRYPTION_KEY: key,
  OSMEN_KEYCHAIN_SERVICE: `${KEYCHAIN_SERVICE} (consent test ${randomUUID()})`,
  ...extra,
});

interface Answer {
  ok: boolean;
  accessToken?: string;
  scopes?: string[];
  error?: { code: string; message: string; exitCode: number };
}

const NODE_CLIENT = `
import { createConnection } from 'node:net';
const [sock, provider, user, scopes] = process.argv.slice(2);
const req = { id: 1, method: 'token', provider, user };
if (scopes) req.scopes = scopes.split(' ');
if (process.env.OSMEN_AGENT_KEY) req.key = process.env.OSMEN_AGENT_KEY;
const c = createConnection(sock, () => c.write(JSON.stringify(req) + '\\n'));
let buf = '';
c.on('data', (d) => { buf += d; if (buf.includes('\\n')) { process.stdout.write(buf); c.end(); } });
`;

const PY_CLIENT = `
import json, os, socket, sys
sock, provider, user = sys.argv[1:4]
req = {"id": 1, "method": "token", "provider": provider, "user": user}
if os.environ.get("OSMEN_AGENT_KEY"): req["key"] = os.environ["OSMEN_AGENT_KEY"]
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
s.sendall((json.dumps(req) + "\\n").encode())
buf = b""
while b"\\n" not in buf:
    chunk = s.recv(65536)
    if not chunk: break
    buf += chunk
sys.stdout.write(buf.decode())
`;

function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: opts.env ?? env(), cwd: opts.cwd ?? work, timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

async function ask(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<Answer> {
  const r = await run(cmd, args, opts);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Answer;
}

const nodeAsk = (script = join(work, 'sync.mjs'), extra: string[] = [], opts: { env?: NodeJS.ProcessEnv } = {}) =>
  ask(process.execPath, [script, sock, 'testop', ALICE, ...extra], opts);
const pyAsk = (opts: { env?: NodeJS.ProcessEnv } = {}) => ask(PYTHON, [join(work, 'sync.py'), sock, 'testop', ALICE], opts);

/** The allow command the agent printed for the latest refusal of `program` (a path in it). */
async function allowLineFor(program: string): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const lines = agent
      .stderr()
      .split('\n')
      .filter((l) => l.includes('consent required') && l.includes(program));
    const last = lines.pop();
    if (last) {
      const m = /to allow it: osmen-cred (.+)$/.exec(last);
      if (m) return m[1]!.split(' ').map((a) => a.replace(/^'(.*)'$/, '$1'));
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no consent line for ${program}: ${agent.stderr()}`);
}

beforeAll(async () => {
  op = await startTestProvider();
  home = makeTmpHome('osmen-consent-');
  work = join(home.dir, 'work');
  mkdirSync(work);
  writeFileSync(join(work, 'sync.mjs'), NODE_CLIENT);
  writeFileSync(join(work, 'other.mjs'), NODE_CLIENT);
  writeFileSync(join(work, 'sync.py'), PY_CLIENT);
  // A socket folder others may enter: the other-user test opens the socket to them on purpose.
  sockDir = join('/tmp', `osmen-consent-${randomUUID().slice(0, 8)}`);
  mkdirSync(sockDir, { mode: 0o755 });
  chmodSync(sockDir, 0o755);
  sock = join(sockDir, 'agent.sock');
  const core = await createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });
  try {
    core.updateSettings({ backgroundRefreshPaused: true });
    await core.createCustomProvider({ id: 'testop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
    await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'alice' }) });
    expect(core.consent.mode()).toEqual({ mode: 'ask', problem: null });
  } finally {
    await core.close();
  }
  agent = await startAgent(env(), ['--socket', sock]);
});

afterAll(async () => {
  if (agent && agent.proc.exitCode === null) await agent.stop('SIGKILL');
  await op?.close();
  home?.cleanup();
});

describe('hand-off consent (ask mode, a headless agent)', () => {
  it('a Node script without a grant gets consent_required and the agent prints the command that allows it; `allow` lets it through; editing it asks again', async () => {
    const refused = await nodeAsk();
    expect(refused).toMatchObject({ ok: false, error: { code: 'consent_required', exitCode: 77 } });
    expect(refused.error!.message).toContain(`osmen-cred allow --account testop:${ALICE} --program ${join(work, 'sync.mjs')}`);
    const args = await allowLineFor(join(work, 'sync.mjs'));
    expect(agent.stderr()).toMatch(/consent required: node sync\.mjs, started from node .* in .*work/);
    expect((await runCli(args, env())).code).toBe(0);

    const ok = await nodeAsk();
    expect(ok).toMatchObject({ ok: true, scopes: expect.arrayContaining(['openid']) });
    // Another script run by the same node is another program.
    expect(await nodeAsk(join(work, 'other.mjs'))).toMatchObject({ ok: false, error: { code: 'consent_required' } });

    appendFileSync(join(work, 'sync.mjs'), '\n// edited\n');
    expect(await nodeAsk()).toMatchObject({ ok: false, error: { code: 'consent_required' } });
  });

  it('a Python script is its own program: refused until allowed by --pid-free `--program sync.py`', async () => {
    expect(await pyAsk()).toMatchObject({ ok: false, error: { code: 'consent_required' } });
    const args = await allowLineFor(join(work, 'sync.py'));
    expect(args).toContain('--program');
    expect((await runCli(args, env())).code).toBe(0);
    expect(await pyAsk()).toMatchObject({ ok: true });
  });

  it('two copies of one executable with different contents: allowing one does not allow the other', async () => {
    const a = join(work, 'tool-a');
    const b = join(work, 'tool-b');
    copyFileSync('/usr/bin/python3.11', a);
    copyFileSync('/usr/bin/python3.11', b);
    appendFileSync(b, Buffer.from([0])); // still runs; another SHA-256
    chmodSync(a, 0o755);
    chmodSync(b, 0o755);
    const script = join(work, 'sync.py');
    expect(await ask(a, [script, sock, 'testop', ALICE])).toMatchObject({ ok: false, error: { code: 'consent_required' } });
    expect((await runCli(['allow', '--account', `testop:${ALICE}`, '--program', a], env())).code).toBe(0);
    expect(await ask(a, [script, sock, 'testop', ALICE])).toMatchObject({ ok: true });
    expect(await ask(b, [script, sock, 'testop', ALICE])).toMatchObject({ ok: false, error: { code: 'consent_required' } });
    // Same path, new contents: the grant no longer fits.
    copyFileSync(b, a);
    expect(await ask(a, [script, sock, 'testop', ALICE])).toMatchObject({ ok: false, error: { code: 'consent_required' } });
  });

  it('a terminal session grant lets the session through and ends with it', async () => {
    const env2 = env({ OSMEN_CLI_SOURCE: '1' });
    // script(1) gives the commands a pty of their own: a new session with a controlling terminal.
    const inSession = (cmd: string) => run('script', ['-qec', cmd, '/dev/null'], { env: env2 });
    const client = `${process.execPath} ${join(work, 'other.mjs')} ${sock} testop ${ALICE}`;
    const first = await inSession(`${process.execPath} ${BIN} allow --account testop:${ALICE} --session --json && ${client}`);
    expect(first.code, first.stdout).toBe(0);
    expect(first.stdout).toContain('"kind": "session"');
    expect(first.stdout).toContain('"ok":true');
    const grants = JSON.parse((await runCli(['grants', '--json'], env())).stdout) as { grants: Array<{ kind: string; state: string }> };
    expect(grants.grants.filter((g) => g.kind === 'session').map((g) => g.state)).toEqual(['ended']);
    // A new terminal is another session.
    const later = await inSession(client);
    expect(later.stdout).toContain('consent_required');
  });

  it('`osmen-cred token` from a shell script: the script is the program, through the agent and without it', async () => {
    const sh = join(work, 'get-token.sh');
    writeFileSync(sh, `#!/bin/sh\nexec_out=$("${process.execPath}" "${BIN}" token testop ${ALICE})\nrc=$?\necho "$exec_out"\nexit $rc\n`);
    chmodSync(sh, 0o755);
    const viaAgent = await run(sh, [], { env: env({ OSMEN_AGENT_SOCK: sock, OSMEN_CLI_SOURCE: '1' }) });
    expect(viaAgent.code).toBe(77);
    expect(viaAgent.stderr).toMatch(/error \[consent_required\]: .*--program .*get-token\.sh/);
    // No agent at that path: the CLI opens the vault, applies the same grants, records the program.
    const noAgent = env({ OSMEN_AGENT_SOCK: join(sockDir, 'none.sock'), OSMEN_CLI_SOURCE: '1' });
    const viaVault = await run(sh, [], { env: noAgent });
    expect(viaVault.code).toBe(77);
    expect(viaVault.stderr).toContain('consent_required');
    expect((await runCli(['allow', '--account', `testop:${ALICE}`, '--program', sh], env())).code).toBe(0);
    expect((await run(sh, [], { env: env({ OSMEN_AGENT_SOCK: sock, OSMEN_CLI_SOURCE: '1' }) })).code).toBe(0);
    const again = await run(sh, [], { env: noAgent });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim().length).toBeGreaterThan(10);
  });

  it('`osmen-cred run -- python3 script.py`: the command it starts is the program', async () => {
    const script = join(work, 'print-env.py');
    writeFileSync(script, 'import os\nprint("got" if os.environ.get("OSMEN_ACCESS_TOKEN") else "none")\n');
    const args = ['run', '--account', `testop:${ALICE}`, '--', PYTHON, script];
    const refused = await runCli(args, env({ OSMEN_AGENT_SOCK: sock }));
    expect(refused.code).toBe(77);
    expect(refused.stderr).toContain(`--program ${script}`);
    expect((await runCli(['allow', '--account', `testop:${ALICE}`, '--program', script], env())).code).toBe(0);
    const ok = await runCli(args, env({ OSMEN_AGENT_SOCK: sock }));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe('got');
  });

  it('a grant of fewer scopes gets a token narrowed to them at the OP; asking outside it is consent_required; the rotated grant stays live', async () => {
    const narrow = join(work, 'narrow.mjs');
    writeFileSync(narrow, NODE_CLIENT);
    expect((await runCli(['allow', '--account', `testop:${ALICE}`, '--program', narrow, '--scopes', 'openid email'], env())).code).toBe(0);
    const got = await nodeAsk(narrow);
    expect(got).toMatchObject({ ok: true });
    expect(got.scopes!.sort()).toEqual(['email', 'openid']);
    const at = await op.introspect(got.accessToken!);
    expect(at).toMatchObject({ active: true });
    expect(String(at.scope).split(' ').sort()).toEqual(['email', 'openid']);
    expect(await nodeAsk(narrow, ['email'])).toMatchObject({ ok: true, scopes: ['email'] });
    expect(await nodeAsk(narrow, ['openid profile'])).toMatchObject({ ok: false, error: { code: 'consent_required' } });
    // The account's own grant survived the narrowed refreshes (the OP rotates refresh tokens).
    const core = await createCredentialCore({ home: home.dir, encryptionKey: key, env: {}, mode: 'read-only' });
    try {
      const stored = coreInternals(core).tokens.getToken('testop', ALICE)!;
      expect(await op.introspect(stored.refreshToken!)).toMatchObject({ active: true });
    } finally {
      await core.close();
    }
  });

  it('a client key works from any process until revoked; an unknown key is forbidden', async () => {
    const made = await runCli(['grant-key', '--account', `testop:${ALICE}`, '--for', '1h', '--json'], env());
    expect(made.code).toBe(0);
    const { key: clientKey, id } = JSON.parse(made.stdout) as { key: string; id: string };
    expect(clientKey).toMatch(/^osk_[A-Za-z0-9_-]{43}$/);
    const withKey = { env: env({ OSMEN_AGENT_KEY: clientKey }) };
    expect(await nodeAsk(join(work, 'other.mjs'), [], withKey)).toMatchObject({ ok: true });
    const vault = readFileSync(join(home.dir, 'tokens.db'));
    expect(vault.includes(Buffer.from(clientKey))).toBe(false);
    expect((await runCli(['revoke-grant', id], env())).code).toBe(0);
    expect(await nodeAsk(join(work, 'other.mjs'), [], withKey)).toMatchObject({ ok: false, error: { code: 'forbidden', exitCode: 77 } });
  });

  it('a peer of another uid is refused (forbidden) before anything else', async (ctx) => {
    const user = 'osmenconsent';
    const made = await run('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', user]).catch(() => ({ code: -1, stderr: '' }));
    const id = await run('id', ['-u', user]).catch(() => ({ code: -1, stdout: '' }));
    if (id.code !== 0) ctx.skip(`cannot make a second user here (useradd exited ${made.code})`);
    const uid = id.stdout.trim();
    // The socket is opened to others on purpose (as a bind mount into a container would).
    chmodSync(sock, 0o666);
    chmodSync(work, 0o755);
    chmodSync(home.dir, 0o755);
    try {
      const r = await run(
        'setpriv',
        ['--reuid', uid, '--regid', uid, '--clear-groups', PYTHON, join(work, 'sync.py'), sock, 'testop', ALICE],
        {
          env: { PATH: '/usr/bin:/bin' },
          cwd: '/',
        },
      );
      const answer = JSON.parse(r.stdout.trim()) as Answer;
      expect(answer).toMatchObject({ ok: false, error: { code: 'forbidden', exitCode: 77 } });
      expect(answer.error!.message).toContain(`uid ${uid}`);
    } finally {
      chmodSync(sock, 0o600);
      chmodSync(home.dir, 0o700);
    }
  });

  it('10,000 bad requests write a handful of log lines, and the records name the programs', async () => {
    const before = JSON.parse((await runCli(['log', '--tail', '10000', '--json'], env())).stdout) as Array<{ seq: number }>;
    const lastSeq = Math.max(...before.map((e) => e.seq));
    const flood = join(work, 'flood.mjs');
    writeFileSync(
      flood,
      `import { createConnection } from 'node:net';
const c = createConnection(process.argv[2], () => {
  let out = '';
  for (let i = 0; i < 10000; i++) out += JSON.stringify({ id: i, method: 'token', provider: 'testop', user: 'nobody-' + i + '@example.test' }) + '\\n';
  c.write(out);
});
let n = 0;
c.on('data', (d) => { n += d.toString().split('\\n').length - 1; if (n >= 10000) { console.log(n); c.end(); } });
`,
    );
    // Allowed every testop account, it asks for 10,000 that do not exist.
    expect((await runCli(['allow', '--account', 'testop:*', '--program', flood], env())).code).toBe(0);
    const stderrBefore = agent.stderr().split('\n').length;
    expect((await run(process.execPath, [flood, sock])).stdout.trim()).toBe('10000');
    // A refused program gets one stderr line a minute, whatever it names.
    await run(process.execPath, [flood.replace('flood.mjs', 'other.mjs'), sock, 'testop', 'x1@example.test']);
    await run(process.execPath, [flood.replace('flood.mjs', 'other.mjs'), sock, 'testop', 'x2@example.test']);
    expect(agent.stderr().split('\n').length - stderrBefore).toBeLessThanOrEqual(1);
    await agent.stop('SIGTERM'); // writes the minute's records
    const entries = JSON.parse((await runCli(['log', '--tail', '10000', '--json'], env())).stdout) as Array<{
      seq: number;
      event: string;
      details: Record<string, unknown>;
    }>;
    const added = entries.filter((e) => e.seq > lastSeq);
    const refusals = added.filter((e) => e.event === 'handoff_refused' && e.details.program === 'node flood.mjs');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.details).toMatchObject({ code: 'account_not_found', count: 10000 });
    expect(added.length).toBeLessThan(40);
    expect(JSON.stringify(added)).not.toContain('nobody-');

    const records = JSON.parse((await runCli(['log', '--handoffs', '--json'], env())).stdout) as Array<Record<string, unknown>>;
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ result: 'handed', program: 'node sync.mjs', account: `testop:${ALICE}`, script: join(work, 'sync.mjs') }),
        expect.objectContaining({ result: 'handed', program: 'python3 sync.py', account: `testop:${ALICE}` }),
        expect.objectContaining({ result: 'refused', code: 'consent_required', program: 'node other.mjs' }),
        expect.objectContaining({ result: 'refused', code: 'forbidden' }),
      ]),
    );
    const text = (await runCli(['log', '--handoffs'], env())).stdout;
    expect(text).toContain('node sync.mjs');
    agent = await startAgent(env(), ['--socket', sock]);
  });
});

void spawn;
