/**
 * GitHub's provider file (providers/github.ts) part by part: its token and secret shapes in the
 * log redactor, the OAuth error sanitizer and the repository scan; its error dialect (errors that
 * GitHub sends with HTTP 200, made 400 by the answer adapter); the Enterprise host option (https
 * only, loopback excepted); its client-id check; and the vault's migration that keeps a subject
 * and the refresh token's expiry.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinProvider } from '../../src/main/core/oauth/providers/builtins.js';
import { builtinDefinition } from '../../src/main/core/oauth/providers/builtin.js';
import { errorsSentWithHttp200 } from '../../src/main/core/oauth/providers/answers.js';
import { OAuthErrorParser } from '../../src/main/core/oauth/error-parser.js';
import { sanitizeText } from '../../src/main/core/oauth/sanitize.js';
import { findSecretValues, maskSecret, redactTokens } from '../../src/main/core/secret-patterns.js';
import { redactString } from '../../src/main/core/audit/redaction.js';
import { CredentialValidator } from '../../src/main/core/health/credential-validator.js';
import { ProviderRegistry } from '../../src/main/core/oauth/providers/registry.js';
import { MIGRATIONS } from '../../src/main/core/vault/schema.js';
import { TokenStore } from '../../src/main/core/vault/token-store.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { makeTmpHome } from '../helpers/tmp.js';

const GH = ['git', 'hub'].join('');
const github = builtinProvider(GH)!;
const base62 = (n: number) => Array.from({ length: n }, (_, i) => 'aZ09kQ7xLm'[i % 10]).join('');
// Token shapes assembled at run time, so this file is not itself a finding of the scan.
const T = {
  gho: 'gh' + 'o_' + base62(36),
  ghu: 'gh' + 'u_' + base62(36),
  ghs: 'gh' + 's_' + base62(36),
  ghp: 'gh' + 'p_' + base62(36),
  ghr: 'gh' + 'r_' + base62(76),
  pat: 'github' + '_pat_' + base62(22) + '_' + base62(59),
};
const SECRET = 'f3'.repeat(20);

const tmps: Array<ReturnType<typeof makeTmpHome>> = [];
afterEach(() => {
  for (const t of tmps.splice(0)) t.cleanup();
});

describe('token and secret shapes', () => {
  it('the log redactor, the error sanitizer and the masking know every GitHub token', () => {
    for (const token of Object.values(T)) {
      expect(redactTokens(`got ${token} back`).text).toBe('got [REDACTED] back');
      expect(redactString(`x ${token}`).text).not.toContain(token.slice(4));
      expect(sanitizeText(`GitHub said ${token} is bad`)).not.toContain(token.slice(4));
      expect(maskSecret(token)).toMatch(/^(gh[opsur]_|github_pat_)\*\*\*\*\(\d+ chars\)$/);
    }
  });

  it('the repository scan finds them, and a client secret assigned to GITHUB_CLIENT_SECRET', async () => {
    for (const token of Object.values(T)) expect(findSecretValues(`const t = "${token}";`)).toHaveLength(1);
    expect(findSecretValues(`GITHUB_CLIENT_SECRET=${SECRET}`)).toEqual([
      expect.objectContaining({ kind: 'client_secret_assignment', masked: `****(40 chars)` }),
    ]);
    const tmp = makeTmpHome('osmen-ghscan-');
    tmps.push(tmp);
    const repo = join(tmp.dir, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
      });
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'Test');
    git('config', 'user.email', 'test@example.com');
    writeFileSync(join(repo, '.gitignore'), '.env\n');
    writeFileSync(join(repo, 'deploy.sh'), `export GH_TOKEN=${T.gho}\nrefresh=${T.ghr}\n`);
    git('add', '-A');
    git('commit', '-q', '-m', 'add');
    const r = await CredentialValidator.checkSecretsNotCommitted(repo);
    expect(r.findings.map((f) => [f.kind, f.path, f.line, f.secretKind])).toEqual([
      ['secret_value', 'deploy.sh', 1, 'github_token'],
      ['secret_value', 'deploy.sh', 2, 'github_refresh_token'],
    ]);
    expect(JSON.stringify(r)).not.toContain(T.gho.slice(4));
  });
});

describe('error dialect', () => {
  const adapted = async (body: Record<string, unknown>) => {
    const res = await errorsSentWithHttp200(
      new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }),
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('errors sent with HTTP 200 become 400, and a successful answer is left alone', async () => {
    expect(
      (await adapted({ error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' })).status,
    ).toBe(400);
    expect((await adapted({ access_token: T.gho, token_type: 'bearer', scope: 'repo' })).status).toBe(200);
  });

  it("bad_refresh_token needs re-auth; the client's codes are configuration; device_flow_disabled is device_flow_unsupported with the fix", () => {
    const parse = (error: string, phase: 'refresh' | 'token' | 'authorization' = 'refresh') =>
      OAuthErrorParser.parseErrorResponse({ error, error_description: 'GitHub says no.' }, { status: 400, phase, provider: GH });
    expect(parse('bad_refresh_token')).toMatchObject({ needsReauth: true, retryable: false, providerCodes: ['bad_refresh_token'] });
    for (const code of ['incorrect_client_credentials', 'redirect_uri_mismatch']) {
      expect(parse(code, 'token')).toMatchObject({ code, category: 'configuration', needsReauth: false, retryable: false });
    }
    const disabled = parse('device_flow_disabled', 'authorization');
    expect(disabled).toMatchObject({ code: 'device_flow_unsupported', category: 'configuration', retryable: false });
    expect(disabled.message).toContain('Enable Device Flow');
    expect(parse('bad_verification_code', 'token')).toMatchObject({ code: 'bad_verification_code', needsReauth: false });
    expect(parse('bad_verification_code', 'token').message).toContain('connect again');
  });
});

describe('the host option (GitHub Enterprise Server)', () => {
  const host = github.options.find((o) => o.name === 'host')!;

  it('takes github.com or an Enterprise host over https (loopback may be http, for local servers)', () => {
    for (const ok of ['github.com', 'github.example.com', 'https://ghe.example.com', 'http://127.0.0.1:8080', 'http://localhost:3000']) {
      expect(host.check(ok)).toBeNull();
    }
    for (const bad of [
      'http://ghe.example.com',
      'https://ghe.example.com/path',
      'https://u:p@ghe.example.com',
      'ftp://ghe.example.com',
      '',
    ]) {
      expect(host.check(bad)).toEqual(expect.any(String));
    }
  });

  it('github.com uses api.github.com; an Enterprise host its /api/v3; a bad host is a configuration problem', () => {
    expect(builtinDefinition(github, {}).endpoints).toEqual({
      authorization: 'https://github.com/login/oauth/authorize',
      token: 'https://github.com/login/oauth/access_token',
      device: 'https://github.com/login/device/code',
      api: 'https://api.github.com',
      issuer: 'https://github.com',
    });
    expect(builtinDefinition(github, { GITHUB_HOST: 'ghe.example.com' }).endpoints).toMatchObject({
      token: 'https://ghe.example.com/login/oauth/access_token',
      api: 'https://ghe.example.com/api/v3',
    });
    const bad = builtinDefinition(github, { GITHUB_HOST: 'http://ghe.example.com' });
    expect(bad).toMatchObject({ configProblemCode: 'invalid_host', endpoints: { api: 'https://api.github.com' } });
    const reg = new ProviderRegistry({ env: { GITHUB_HOST: 'http://ghe.example.com', GITHUB_CLIENT_ID: 'Ov23li' + base62(14) } });
    expect(() => reg.getHandler(GH)).toThrow(expect.objectContaining({ code: 'invalid_host' }));
  });

  it('an account keeps the host it signed in at; an issuer that is not a GitHub origin is refused', () => {
    const reg = new ProviderRegistry({ env: { GITHUB_CLIENT_ID: 'Iv23li' + base62(14), GITHUB_CLIENT_SECRET: SECRET } });
    expect(reg.handlerFor(GH, 'https://ghe.example.com').boundIssuer).toBe('https://ghe.example.com');
    expect(() => reg.handlerFor(GH, 'https://ghe.example.com/evil')).toThrow(expect.objectContaining({ code: 'issuer_mismatch' }));
    expect(() => reg.handlerFor(GH, 'http://ghe.example.com')).toThrow(expect.objectContaining({ code: 'issuer_mismatch' }));
    // Narrowing: GitHub can't mint a token for fewer scopes.
    expect(reg.supportsNarrowing(GH)).toBe(false);
    expect(reg.supportsNarrowing(reg.list()[0]!.id)).toBe(true);
  });
});

describe('client registration', () => {
  it('client ids of GitHub Apps and OAuth Apps pass; an App ID or a secret does not', () => {
    for (const id of ['Iv23li' + base62(14), 'Ov23li' + base62(14), 'Iv1.0123456789abcdef', '0123456789abcdef0123']) {
      expect(github.checkClientId(id).valid).toBe(true);
    }
    for (const id of ['123456', SECRET, 'Iv23short']) expect(github.checkClientId(id).valid).toBe(false);
    expect(github.checkClientSecret(undefined)).toMatchObject({ status: 'warn', message: expect.stringContaining('device sign-in') });
    expect(github.checkClientSecret(SECRET).status).toBe('ok');
  });
});

describe('the vault keeps a subject and the refresh token expiry (migration)', () => {
  it('a vault of the previous schema gains both columns and keeps its accounts', () => {
    const tmp = makeTmpHome('osmen-ghmig-');
    tmps.push(tmp);
    const key = EncryptionManager.generateKey();
    const path = join(tmp.dir, 'tokens.db');
    const first = new TokenStore({ dbPath: path, encryption: new EncryptionManager(key) });
    first.saveToken('acme', 'u1', { access_token: 'at-1', refresh_token: 'rt-1', expires_in: 3600 });
    first.close();
    // Back to the schema before this migration: drop its columns, as an older version left the file.
    const old = new Database(path);
    old.exec('ALTER TABLE tokens DROP COLUMN subject; ALTER TABLE tokens DROP COLUMN refresh_expires_at');
    old.pragma(`user_version = ${MIGRATIONS.length - 1}`);
    old.close();

    const store = new TokenStore({ dbPath: path, encryption: new EncryptionManager(key), now: () => 1_000_000 });
    expect(store.getMetadata('acme', 'u1')).toMatchObject({ subject: null, refreshExpiresAt: null, hasRefreshToken: true });
    store.saveToken('acme', 'u1', { access_token: 'at-2', refresh_token: 'rt-2', refresh_token_expires_in: 15_897_600 }, { subject: '42' });
    expect(store.getMetadata('acme', 'u1')).toMatchObject({ subject: '42', refreshExpiresAt: new Date(1_000_000 + 15_897_600_000) });
    // A refresh answer without a refresh token keeps the stored one, its expiry and the subject.
    store.saveToken('acme', 'u1', { access_token: 'at-3' });
    expect(store.getMetadata('acme', 'u1')).toMatchObject({ subject: '42', refreshExpiresAt: new Date(1_000_000 + 15_897_600_000) });
    expect(store.getToken('acme', 'u1')?.refreshToken).toBe('rt-2');
    // A new refresh token without a stated lifetime has none.
    store.saveToken('acme', 'u1', { access_token: 'at-4', refresh_token: 'rt-4' });
    expect(store.getMetadata('acme', 'u1')?.refreshExpiresAt).toBeNull();
    store.close();
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    check.close();
  });
});
