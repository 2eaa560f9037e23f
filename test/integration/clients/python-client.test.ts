/**
 * osmen-agent-client (clients/python) under Debian's python3, as CI's fresh machine has it:
 * installed from the checkout with pip into a temporary target (offline: Debian's pip and
 * setuptools, no build isolation, no index), its own unittest suite run from there, and a
 * program using it against a real token agent serving a vault connected through a real OpenID
 * Provider (token, 200 calls from 16 threads on one connection, the agent restarted under it,
 * the agent's error codes, scopes and a client key accepted).
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, DAVE, startClientFixture, type ClientFixture } from './client-fixture.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const PACKAGE = join(ROOT, 'clients', 'python');
/** Debian's interpreter (CI's); pyenv or another one first on PATH is not what CI runs. */
const PYTHON = ['/usr/bin/python3', '/bin/python3'].find((p) => existsSync(p)) ?? null;
const NO_PYTHON = PYTHON === null;
/** Debian's python3-pip (with python3-setuptools for the build); .ci/run installs both. */
const pipMissing = PYTHON === null || spawnSync(PYTHON, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status !== 0;

let fx: ClientFixture;
let scratch: string;
let install: { ok: boolean; output: string; target: string } | null = null;
/** Where the library is imported from: the pip target when the install worked, else the sources. */
let libPath = join(PACKAGE, 'src');

const pyEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: scratch,
  PYTHONPATH: libPath,
  PYTHONDONTWRITEBYTECODE: '1', // leave no __pycache__ in the checkout
  PYTHONNOUSERSITE: '1',
  ...extra,
});

beforeAll(async () => {
  if (NO_PYTHON) return;
  scratch = mkdtempSync(join(tmpdir(), 'osmen-py-client-'));
  if (!pipMissing) {
    const target = join(scratch, 'site');
    const r = await run(PYTHON, ['-m', 'pip', 'install', '--no-build-isolation', '--no-index', '--no-deps', '--target', target, PACKAGE], {
      env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 120_000,
    }).then(
      (x) => ({ ok: true, output: x.stdout + x.stderr }),
      (e: { stdout?: string; stderr?: string; message: string }) => ({
        ok: false,
        output: `${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
      }),
    );
    install = { ...r, target };
    if (r.ok) libPath = target;
  }
  fx = await startClientFixture('osmen-py-client-agent-');
}, 180_000);

afterAll(async () => {
  await fx?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(NO_PYTHON)('osmen-agent-client (Python)', () => {
  it.skipIf(pipMissing)(
    "installs from the checkout with pip, offline, into a target of its own (skipped when Debian's python3-pip is not installed)",
    () => {
      expect(install?.ok, install?.output).toBe(true);
      expect(existsSync(join(install!.target, 'osmen_agent', '__init__.py'))).toBe(true);
      expect(existsSync(join(install!.target, 'osmen_agent', 'py.typed'))).toBe(true);
    },
  );

  it('passes its own unittest suite (scripted peers on real sockets), run from the installed copy', async () => {
    const r = await run(PYTHON!, ['-m', 'unittest', 'discover', '-s', join(PACKAGE, 'tests'), '-t', join(PACKAGE, 'tests')], {
      env: pyEnv(),
      timeout: 120_000,
    }).catch((e: { stdout: string; stderr: string; code: number }) => e);
    expect(r.stderr, r.stderr).toMatch(/\nOK( \(skipped=\d+\))?\n?$/);
    expect(r.stderr).toMatch(/Ran (1[89]|[2-9]\d) tests/);
  });

  it('a program gets tokens from a real agent over one connection, across a restart, with typed errors', async () => {
    await fx.breakGrant(DAVE);
    const script = join(scratch, 'real_agent.py');
    // A client key the vault issued (grant-key): the agent acts on keys, a made-up one is refused.
    const { key: realKey } = fx.core.consent.createClientKey({ accounts: [`testop:${ALICE}`], scopes: null, lifetime: 'always' });
    writeFileSync(
      script,
      `import json, sys
from concurrent.futures import ThreadPoolExecutor
import osmen_agent as oa

ALICE, BOB, DAVE = ${JSON.stringify(ALICE)}, ${JSON.stringify(BOB)}, ${JSON.stringify(DAVE)}
def out(**kw):
    print(json.dumps(kw), flush=True)
def err(fn):
    try:
        fn()
    except oa.AgentError as e:
        return {"cls": type(e).__name__, "code": e.code, "exit": e.exit_code, "retry": e.retry_after, "category": e.category, "msg": str(e)}

c = oa.AgentClient(client_name="py-real")
t = c.get_access_token("testop", ALICE, min_ttl=60)
out(step="token", token=t.access_token, type=t.token_type, scopes=list(t.scopes), expires_in=t.expires_in, shown=repr(t) + str(t), file=oa.__file__)
users = [BOB if i % 3 == 0 else ALICE for i in range(200)]
with ThreadPoolExecutor(16) as pool:
    got = list(pool.map(lambda u: c.get_access_token("testop", u).access_token, users))
out(step="pipelined", tokens=got, users=users)
sys.stdin.readline()  # the test counts connections and restarts the agent
out(step="restarted", token=c.get_access_token("testop", ALICE).access_token)
out(step="errors",
    missing=err(lambda: c.get_access_token("testop", "nobody@example.test")),
    bad=err(lambda: c.get_access_token("testop", ALICE, min_ttl=90000)),
    reauth=err(lambda: c.get_access_token("testop", DAVE)))
keyed = oa.AgentClient(key=${JSON.stringify(realKey)})
out(step="scoped", token=keyed.get_access_token("testop", ALICE, scopes=["openid"]).access_token,
    shared=oa.get_access_token("testop", ALICE).access_token)
`,
    );
    const before = fx.agent.connections;
    const child = spawn(PYTHON!, [script], { env: pyEnv({ OSMEN_AGENT_SOCK: fx.path }), stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => {
      const r = await lines.next();
      if (r.done) throw new Error(`python exited early: ${stderr}`);
      return JSON.parse(r.value) as Record<string, any>;
    };
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      const alice = fx.stored(ALICE).accessToken;
      const token = await next();
      expect(token).toMatchObject({ step: 'token', token: alice, type: 'Bearer' });
      expect(token.scopes).toEqual(expect.arrayContaining(['openid', 'email']));
      expect(token.expires_in).toBeGreaterThan(3000);
      expect(token.shown).not.toContain(alice);
      expect(token.file.startsWith(libPath)).toBe(true);

      const piped = await next();
      expect(piped.tokens).toEqual(piped.users.map((u: string) => fx.stored(u).accessToken));
      expect(fx.agent.connections).toBe(before + 1); // 201 requests, 16 threads, one connection

      await fx.restart();
      child.stdin.write('go\n');
      expect(await next()).toEqual({ step: 'restarted', token: alice });

      const errors = await next();
      expect(errors.missing).toMatchObject({
        cls: 'NotFoundError',
        code: 'ACCOUNT_NOT_FOUND',
        exit: 2,
        retry: null,
        category: 'not_found',
      });
      expect(errors.missing.msg).toContain('No account testop/nobody@example.test');
      expect(errors.bad).toMatchObject({ cls: 'UsageError', code: 'bad_request', exit: 64 });
      expect(errors.reauth).toMatchObject({ cls: 'NeedsReauthError', exit: 3, retry: null, category: 'reauth' });
      expect(['needs_reauth', 'invalid_grant']).toContain(errors.reauth.code);
      // With a key the vault issued; asking for fewer scopes gets a token narrowed to them (another token).
      const scoped = await next();
      expect(scoped).toMatchObject({ step: 'scoped', shared: alice });
      expect(scoped.token).not.toBe(alice);
      expect((await fx.op.introspect(scoped.token as string)).scope).toBe('openid');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

if (NO_PYTHON) {
  describe('osmen-agent-client (Python)', () => {
    it.skip('skipped: no /usr/bin/python3 on this machine (.ci/run installs python3, python3-pip and python3-setuptools)', () => undefined);
  });
}
