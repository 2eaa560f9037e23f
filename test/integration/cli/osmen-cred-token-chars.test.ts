/**
 * A provider that issues an access token with CR/LF (or another C0, DEL or C1 control
 * character): `token --format header` and `--format raw`, `run` and `run --sdk` refuse it with exit 65
 * (TOKEN_CONTROL_CHARS) and never print it, from the vault and through an agent; `--format json`
 * shows it escaped. The token endpoint is a real HTTP server the refresh really reaches.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreInternals, createCredentialCore } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { KEYCHAIN_SERVICE } from '../../../src/main/core/vault/key-custody.js';
import { TokenStore } from '../../../src/main/core/vault/token-store.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { startAgent } from '../agent/agent-harness.js';
import { runCli, type CliRun } from './run-cli.js';

const USER = 'mallory@example.test';
const key = EncryptionManager.generateKey();
let home: ReturnType<typeof makeTmpHome>;
let server: Server;
let issuer: string;
/** What the token endpoint issues next; with nextError, an error whose description is that. */
let nextToken = '';
let nextError = '';
let refreshes = 0;

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home.dir,
  OSMEN_HOME: home.dir,
  OAUTH_ENCRYPTION_KEY: key,
  OSMEN_KEYCHAIN_SERVICE: `${KEYCHAIN_SERVICE} (token chars test ${randomUUID()})`,
  ...extra,
});

function withStore<T>(fn: (t: TokenStore) => T): T {
  const t = new TokenStore({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(key) });
  try {
    return fn(t);
  } finally {
    t.close();
  }
}
/** The stored token expires now: the next `token` refreshes and gets `token` from the provider. */
const issueNext = (token: string) => {
  nextToken = token;
  withStore((t) =>
    t.saveToken('evilop', USER, { access_token: `old-${randomUUID()}`, refresh_token: `rt-${randomUUID()}`, expires_in: 0 }),
  );
};

function expectRefused(r: CliRun, token: string, what: RegExp) {
  expect(r.code, r.stderr).toBe(65);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(
    /^osmen-cred: error \[TOKEN_CONTROL_CHARS\]: The access token for evilop\/mallory@example\.test contains a control character/,
  );
  expect(r.stderr).toMatch(what);
  expect(r.stderr.split('\n')).toHaveLength(2); // one line
  // Not the token, nor any piece of it around the control character.
  // eslint-disable-next-line no-control-regex
  for (const piece of token.split(/[\u0000-\u001f\u007f-\u009f]/).filter((p) => p.length >= 8)) expect(r.stderr).not.toContain(piece);
}

beforeAll(async () => {
  server = createServer((req, res) => {
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
      req.resume();
      refreshes++;
      if (nextError) {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'invalid_grant', error_description: nextError }));
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ access_token: nextToken, token_type: 'Bearer', expires_in: 3600 }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  home = makeTmpHome('osmen-token-chars-');
  const core = await createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });
  try {
    core.updateSettings({ backgroundRefreshPaused: true });
    // Not a consent test: any program of this user may have tokens (consent has its own tests).
    core.consent.setMode('same-user', 'cli');
    await core.createCustomProvider({ id: 'evilop', issuer, clientId: 'evil-client', scopes: ['openid'] });
    coreInternals(core).tokens.saveToken('evilop', USER, { access_token: 'first', refresh_token: `rt-${randomUUID()}`, expires_in: 0 });
  } finally {
    await core.close();
  }
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  home?.cleanup();
});

const BAD = [
  ['CR LF', `at-${randomUUID()}\r\nX-Injected: yes`],
  ['LF', `at-${randomUUID()}\nsecond-line-of-token`],
  ['NUL', `at-${randomUUID()}\u0000after-the-nul-byte`],
  ['DEL', `at-${randomUUID()}\u007fafter-the-del-char`],
  ['C1 CSI', `at-${randomUUID()}\u009b31mafter-the-csi`],
] as const;

describe('a token with control characters', () => {
  it('token --format header refuses every kind (65) from the vault; raw and run refuse it too; json shows it escaped', async () => {
    for (const [name, bad] of BAD) {
      issueNext(bad);
      const before = refreshes;
      const header = await runCli(['token', 'evilop', USER, '--format', 'header'], env());
      expect(refreshes, name).toBe(before + 1); // the provider really issued it
      expectRefused(header, bad, /it was not printed \(`--format json` shows it escaped\)/);
    }
    const bad = BAD[BAD.length - 1]![1]; // stored now, valid for an hour: no refresh below
    expectRefused(await runCli(['token', 'evilop', USER], env()), bad, /it was not printed/);
    const json = await runCli(['token', 'evilop', USER, '--format', 'json'], env());
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { accessToken: string }).accessToken).toBe(bad);
    // Escaped, not raw: JSON.stringify leaves C1 (here an 8-bit CSI) as it is, the terminal would act on it.
    expect(json.stdout).toContain('\\u009b31mafter-the-csi');
    // eslint-disable-next-line no-control-regex
    expect(json.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const marker = join(home.dir, `started-${randomUUID()}`);
    const run = await runCli(
      [
        'run',
        '--account',
        `evilop:${USER}`,
        '--',
        process.execPath,
        '-e',
        `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`,
      ],
      env(),
    );
    expectRefused(run, bad, /the command was not started/);
    expect(existsSync(marker)).toBe(false);
    // run --sdk bypasses token's output path: its endpoint would hand the token to an SDK's header.
    const sdk = await runCli(
      [
        'run',
        '--sdk',
        'google',
        '--account',
        `evilop:${USER}`,
        '--',
        process.execPath,
        '-e',
        `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`,
      ],
      env(),
    );
    expectRefused(sdk, bad, /it was not handed out/);
    expect(existsSync(marker)).toBe(false);
  });

  it('through an agent too, and a clean token still passes', async () => {
    const bad = BAD[0][1];
    issueNext(bad);
    const agent = await startAgent(env());
    try {
      const keyless = env({ OAUTH_ENCRYPTION_KEY: undefined });
      expectRefused(await runCli(['token', 'evilop', USER, '--format', 'header'], keyless), bad, /it was not printed/);
      expectRefused(await runCli(['run', '--account', `evilop:${USER}`, '--', process.execPath, '-e', '0'], keyless), bad, /not started/);
      const good = `at-${randomUUID()}`;
      issueNext(good);
      const ok = await runCli(['token', 'evilop', USER, '--format', 'header'], keyless);
      expect(ok).toMatchObject({ code: 0, stdout: `Authorization: Bearer ${good}\n`, stderr: '' });
    } finally {
      await agent.stop();
    }
  });

  it("a provider's error description reaches the terminal without C1 controls or bidi overrides", async () => {
    issueNext('unused');
    nextError = 'Grant revoked\u009b2J\u009b31m by \u202eexe.nacs\u202c admin\u0085\u2066see portal\u2069';
    try {
      const r = await runCli(['token', 'evilop', USER, '--format', 'header'], env());
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('Grant revoked');
      // eslint-disable-next-line no-control-regex
      expect(r.stderr.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    } finally {
      nextError = '';
    }
  });

  it('an account id with a bidi override: list and status show it stripped as text and escaped as JSON', async () => {
    const spoof = 'eve\u202egro.elpmaxe@example.test';
    withStore((t) => t.saveToken('evilop', spoof, { access_token: `at-${randomUUID()}`, refresh_token: 'rt', expires_in: 3600 }));
    try {
      for (const args of [['list'], ['status']]) {
        const text = await runCli(args, env());
        expect(text.stdout).toContain('evegro.elpmaxe@example.test');
        const json = await runCli([...args, '--json'], env());
        expect(json.stdout).toContain('eve\\u202egro.elpmaxe@example.test');
        expect(json.stdout).not.toContain('\u202e');
        expect(JSON.stringify(JSON.parse(json.stdout))).toContain(spoof);
      }
    } finally {
      withStore((t) => t.deleteToken('evilop', spoof));
    }
  });
});
