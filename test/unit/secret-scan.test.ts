import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialValidator } from '../../src/main/core/health/credential-validator.js';
import type { SecretScanResult } from '../../src/main/core/health/git-secrets.js';
import { makeTmpHome } from '../helpers/tmp.js';

// Secret-shaped values, assembled at run time so this file is not itself a finding.
const S = {
  googleSecret: 'GOC' + 'SPX-' + 'Zq81kLmN0pQrStUvWxYz12345',
  refresh: '1/' + '/0' + 'gAbCdEfGhIjKlMnOpQrStUvWxYz-0123456789',
  access: 'ya' + '29.' + 'a0AfB_byC1234567890abcdefghijklmnopqrstuv',
  pemHeader: '-----BEGIN ' + 'RSA PRIVATE KEY-----',
  encKey: 'q7Xv2mK9pL4nR8sT1wY6zA3bC5dE0fG2hJ4kM6nP8rS=',
};
const secretBodies = [S.googleSecret.slice(7), S.refresh.slice(4), S.access.slice(5), S.encKey.slice(0, 30)];

let tmp: { dir: string; cleanup: () => void };
let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
}
function write(rel: string, content: string): void {
  const p = join(repo, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
}
function commitAll(msg: string): void {
  git('add', '-A');
  git('commit', '-q', '-m', msg);
}
const scan = (opts?: Parameters<typeof CredentialValidator.checkSecretsNotCommitted>[1]): Promise<SecretScanResult> =>
  CredentialValidator.checkSecretsNotCommitted(repo, opts);
const kinds = (r: SecretScanResult): string[] => r.findings.map((f) => `${f.kind}:${f.path}`).sort();
function expectNoSecretEchoed(r: SecretScanResult): void {
  const text = JSON.stringify(r);
  for (const body of secretBodies) expect(text).not.toContain(body);
}

// Hermetic git: a developer's global excludes file (often listing .env) must not change what these
// repositories ignore. vitest runs each test file in its own process, so this stays local.
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

beforeEach(() => {
  tmp = makeTmpHome('osmen-gitscan-');
  repo = join(tmp.dir, 'repo');
  mkdirSync(repo);
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test');
  git('config', 'user.email', 'test@example.com');
  git('config', 'commit.gpgsign', 'false');
});
afterEach(() => tmp.cleanup());

const GOOD_IGNORE = '.env\n.env.*\n!.env.example\n*.db\n*.db-wal\n*.pem\n';
const EXAMPLE = 'OAUTH_ENCRYPTION_KEY=\nGOOGLE_CLIENT_ID=\nGOOGLE_CLIENT_SECRET=your-client-secret\nMICROSOFT_CLIENT_SECRET=<secret>\n';

describe('checkSecretsNotCommitted', () => {
  it('a clean repository: ignored .env present, placeholders in .env.example', async () => {
    write('.gitignore', GOOD_IGNORE);
    write('.env.example', EXAMPLE);
    write('src/app.ts', 'export const x = 1;\n');
    commitAll('init');
    write('.env', `GOOGLE_CLIENT_SECRET=${S.googleSecret}\n`);
    write('tokens.db', 'sqlite');
    const r = await scan();
    expect(r).toMatchObject({ ok: true, status: 'clean', findings: [] });
    expect(r.root).toBeTruthy();
  });

  it('a tracked .env is a finding even when .gitignore lists it (the seed only read .gitignore)', async () => {
    write('.env', `GOOGLE_CLIENT_SECRET=${S.googleSecret}\nOAUTH_ENCRYPTION_KEY=${S.encKey}\n`);
    commitAll('oops');
    write('.gitignore', GOOD_IGNORE);
    commitAll('ignore it');
    const r = await scan();
    expect(r.ok).toBe(false);
    expect(kinds(r)).toEqual(['secret_value:.env', 'secret_value:.env', 'tracked_secret_file:.env']);
    const tracked = r.findings.find((f) => f.kind === 'tracked_secret_file')!;
    expect(tracked.fix).toContain("git rm --cached -- '.env'");
    expect(tracked.fix).toMatch(/rotate/i);
    const values = r.findings.filter((f) => f.kind === 'secret_value');
    expect(values.map((f) => [f.secretKind, f.line])).toEqual([
      ['google_client_secret', 1],
      ['encryption_key_assignment', 2],
    ]);
    expect(values[0]!.message).toContain('GOCSPX-****(');
    expect(values[0]!.fix).toMatch(/Reset the client secret/);
    expect(values[1]!.fix).toMatch(/keygen/);
    expectNoSecretEchoed(r);
  });

  it('a secret file removed in a later commit is still found in history, with the secret value', async () => {
    write('.gitignore', 'node_modules\n');
    write('config/.env.production', `GOOGLE_REFRESH=${S.refresh}\n`);
    commitAll('add env');
    const added = git('rev-parse', '--short', 'HEAD').trim();
    git('rm', '-q', '--cached', 'config/.env.production');
    write('.gitignore', GOOD_IGNORE);
    commitAll('remove env');
    const r = await scan();
    expect(kinds(r)).toEqual(['secret_file_in_history:config/.env.production', 'secret_value_in_history:config/.env.production']);
    const file = r.findings.find((f) => f.kind === 'secret_file_in_history')!;
    expect(file).toMatchObject({ severity: 'fail', commit: added });
    expect(file.fix).toMatch(/filter-repo/);
    const value = r.findings.find((f) => f.kind === 'secret_value_in_history')!;
    expect(value).toMatchObject({ commit: added, line: 1, secretKind: 'google_refresh_token' });
    expect(value.message).toContain('1//****(');
    expectNoSecretEchoed(r);
  });

  it('a secret value committed and later edited out is found in history', async () => {
    write('.gitignore', GOOD_IGNORE);
    write('src/client.ts', `const a = 1;\nconst token = '${S.access}';\n`);
    commitAll('add');
    write('src/client.ts', 'const a = 1;\nconst token = process.env.TOKEN;\n');
    commitAll('fix');
    const r = await scan();
    expect(kinds(r)).toEqual(['secret_value_in_history:src/client.ts']);
    expect(r.findings[0]).toMatchObject({ line: 2, secretKind: 'google_access_token' });
    expectNoSecretEchoed(r);
  });

  it('a .env present in the work tree and not ignored (git check-ignore) is a finding; a missing ignore rule is a warning', async () => {
    write('README.md', 'hi\n');
    commitAll('init');
    let r = await scan();
    expect(r.findings).toEqual([expect.objectContaining({ kind: 'env_not_ignored', severity: 'warn', path: '.env' })]);
    expect(r.ok).toBe(true);

    write('.env', 'GOOGLE_CLIENT_ID=x\n');
    write('keys/service.pem', 'x');
    r = await scan();
    expect(kinds(r)).toEqual(['secret_file_not_ignored:.env', 'secret_file_not_ignored:keys/service.pem']);
    expect(r.ok).toBe(false);
    expect(r.findings[0]!.fix).toContain('.gitignore');

    write('.gitignore', GOOD_IGNORE);
    r = await scan();
    expect(r.findings).toEqual([]);
  });

  it('recognises the secret file names and leaves .env.example alone', async () => {
    write('.gitignore', '');
    for (const f of [
      '.env.local',
      'certs/server.key',
      'client.p12',
      'data/tokens.db',
      'tokens.db-wal',
      'x.db-wal',
      'credentials.json',
      'client_secret_123-abc.json',
      'a/b/id.pem',
      '.env.example',
      'env.ts',
      'notes.txt',
    ]) {
      write(f, 'content\n');
    }
    commitAll('many');
    const r = await scan();
    expect(
      r.findings
        .filter((f) => f.kind === 'tracked_secret_file')
        .map((f) => f.path)
        .sort(),
    ).toEqual(
      [
        '.env.local',
        'a/b/id.pem',
        'certs/server.key',
        'client.p12',
        'client_secret_123-abc.json',
        'credentials.json',
        'data/tokens.db',
        'tokens.db-wal',
        'x.db-wal',
      ].sort(),
    );
  });

  it('finds secret-looking values in any tracked file, with line numbers, and skips placeholders', async () => {
    write('.gitignore', GOOD_IGNORE);
    write('.env.example', EXAMPLE);
    write('docs/setup.md', `# Setup\n\nRun it with:\n\n    OAUTH_ENCRYPTION_KEY=${S.encKey} npm start\n`);
    write('config/key.txt', `${S.pemHeader}\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n`);
    write('fixtures/response.json', `{\n  "refresh_token": "${S.refresh}"\n}\n`);
    write('src/settings.ts', `export const secret = "${S.googleSecret}";\n`);
    write('src/ms.ts', `MICROSOFT_CLIENT_SECRET = "abc8Q~realLookingSecretValue123"\n`);
    commitAll('values');
    const r = await scan();
    expect(r.findings.map((f) => [f.kind, f.path, f.line, f.secretKind])).toEqual([
      ['secret_value', 'config/key.txt', 1, 'private_key'],
      ['secret_value', 'docs/setup.md', 5, 'encryption_key_assignment'],
      ['secret_value', 'fixtures/response.json', 2, 'google_refresh_token'],
      ['secret_value', 'src/ms.ts', 1, 'client_secret_assignment'],
      ['secret_value', 'src/settings.ts', 1, 'google_client_secret'],
    ]);
    expectNoSecretEchoed(r);
    expect(JSON.stringify(r)).not.toContain('realLookingSecretValue');

    const excluded = await scan({ exclude: ['fixtures/**'] });
    expect(excluded.findings.map((f) => f.path)).not.toContain('fixtures/response.json');
    expect(excluded.findings).toHaveLength(4);
  });

  it('looks at every branch, not only the checked-out one', async () => {
    write('.gitignore', GOOD_IGNORE);
    commitAll('init');
    git('checkout', '-q', '-b', 'feature');
    write('credentials.json', `{"client_secret":"${S.googleSecret}"}\n`);
    commitAll('feature creds');
    git('checkout', '-q', 'main');
    const r = await scan();
    expect(kinds(r)).toEqual(['secret_file_in_history:credentials.json', 'secret_value_in_history:credentials.json']);
  });

  it('bounds the history value scan by maxHistoryCommits', async () => {
    write('.gitignore', GOOD_IGNORE);
    write('a.txt', `${S.access}\n`);
    commitAll('one');
    write('a.txt', 'clean\n');
    commitAll('two');
    write('b.txt', `${S.googleSecret}\n`);
    commitAll('three');
    write('b.txt', 'clean\n');
    commitAll('four');
    const all = await scan();
    expect(kinds(all)).toEqual(['secret_value_in_history:a.txt', 'secret_value_in_history:b.txt']);
    // -G selects the commits that add or remove a match (four of them); the newest two are about b.txt.
    const bounded = await scan({ maxHistoryCommits: 2 });
    expect(kinds(bounded)).toEqual(['secret_value_in_history:b.txt']);
  });

  it('handles paths with spaces and non-ASCII names', async () => {
    write('.gitignore', '');
    write('my dir/ünïcode/.env', 'X=1\n');
    commitAll('odd');
    const r = await scan();
    expect(r.findings.find((f) => f.kind === 'tracked_secret_file')?.path).toBe('my dir/ünïcode/.env');
  });

  it('gives a clear result, not a crash, outside a repository', async () => {
    const plain = join(tmp.dir, 'plain');
    mkdirSync(plain);
    const r = await CredentialValidator.checkSecretsNotCommitted(plain);
    expect(r).toMatchObject({ ok: false, status: 'not_a_repo', findings: [] });
    expect(r.message).toMatch(/not a git repository/);
    const missing = await CredentialValidator.checkSecretsNotCommitted(join(tmp.dir, 'does-not-exist'));
    expect(missing).toMatchObject({ status: 'not_a_repo' });
  });

  it('says the scan is incomplete instead of "clean" when git output exceeds the limit', async () => {
    write('.gitignore', GOOD_IGNORE);
    for (let i = 0; i < 40; i++) write(`src/f${i}.ts`, `export const t${i} = '${S.access}';\n`);
    commitAll('many values');
    const r = await scan({ maxBuffer: 512 });
    expect(r.findings.some((f) => f.kind === 'scan_incomplete' && f.severity === 'warn')).toBe(true);
    expect(r.status).toBe('findings');
  });

  it('caps the health report at 50 findings plus a summary line', async () => {
    write('.gitignore', '');
    for (let i = 0; i < 60; i++) write(`keys/k${i}.pem`, 'x\n');
    commitAll('keys');
    const report = await CredentialValidator.validateAll({ env: {}, repoDir: repo });
    const git = report.checks.filter((c) => c.id.startsWith('secrets-in-git'));
    expect(git).toHaveLength(51);
    expect(git[50]).toMatchObject({ id: 'secrets-in-git:more', status: 'fail' });
    expect(git[50]!.message).toMatch(/^\d+ more findings/);
  });

  it('feeds validateAll: one health check per finding, with its fix', async () => {
    write('.env', `GOOGLE_CLIENT_SECRET=${S.googleSecret}\n`);
    commitAll('oops');
    const report = await CredentialValidator.validateAll({ env: {}, repoDir: repo });
    const git = report.checks.filter((c) => c.id.startsWith('secrets-in-git'));
    expect(git.map((c) => c.status)).toEqual(['fail', 'fail']);
    expect(git.every((c) => c.fix && c.title.includes('.env'))).toBe(true);
    expect(report.ok).toBe(false);
    expect(JSON.stringify(report)).not.toContain(S.googleSecret.slice(7));
  });
});
