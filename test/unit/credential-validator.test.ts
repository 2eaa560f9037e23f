import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialValidator } from '../../src/main/core/health/credential-validator.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { makeTmpHome } from '../helpers/tmp.js';

/** Assembled at run time so this file does not itself contain a secret-looking literal. */
const FAKE_GOOGLE_SECRET = 'GOC' + 'SPX-' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4';

describe('validateRequiredEnvVars', () => {
  it('reports set, missing and blank per name, with fixes, without echoing values', () => {
    const env = { A: 'value-of-a', B: '   ', C: '' };
    const r = CredentialValidator.validateRequiredEnvVars(['A', 'B', 'C', 'D'], env);
    expect(r.ok).toBe(false);
    expect(r.missing).toEqual(['B', 'C', 'D']);
    expect(r.results.map((x) => [x.name, x.status])).toEqual([
      ['A', 'set'],
      ['B', 'blank'],
      ['C', 'blank'],
      ['D', 'missing'],
    ]);
    for (const x of r.results) {
      expect(x.message).not.toContain('value-of-a');
      if (x.status !== 'set') expect(x.fix).toContain(x.name);
    }
    expect(CredentialValidator.validateRequiredEnvVars(['A'], env)).toMatchObject({ ok: true, missing: [] });
  });

  it('defaults to process.env', () => {
    process.env.OSMEN_TEST_VAR_SET = 'x';
    try {
      expect(CredentialValidator.validateRequiredEnvVars(['OSMEN_TEST_VAR_SET', 'OSMEN_TEST_VAR_UNSET']).missing).toEqual([
        'OSMEN_TEST_VAR_UNSET',
      ]);
    } finally {
      delete process.env.OSMEN_TEST_VAR_SET;
    }
  });
});

describe('validateClientId', () => {
  const cases: Array<[string, string | undefined, boolean, RegExp?]> = [
    ['google', '1234567890-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com', true],
    ['google', '407408718192.apps.googleusercontent.com', true], // legacy id without the dash part
    ['google', 'evil.com/1234-abc.apps.googleusercontent.com', false, /project number/],
    ['google', '1234-abc.apps.googleusercontent.com.evil.com', false, /must end with/],
    ['google', 'x1234-abc.apps.googleusercontent.com', false, /project number/],
    ['google', '1234-ABC.apps.googleusercontent.com', false, /lowercase/],
    ['google', '1234-abc_def.apps.googleusercontent.com', false],
    ['google', '1234-abc.apps.googleusercontent.com\n', false, /whitespace/],
    ['google', ' 1234-abc.apps.googleusercontent.com', false, /whitespace/],
    ['google', '"1234-abc.apps.googleusercontent.com"', false, /quotes/],
    ['google', '', false, /empty/],
    ['google', undefined, false, /empty/],
    ['google', FAKE_GOOGLE_SECRET, false, /secret or token/],
    ['microsoft', '00000000-1111-2222-3333-444444444444', true],
    ['microsoft', 'ABCDEF01-2345-6789-ABCD-EF0123456789', true],
    ['microsoft', '{00000000-1111-2222-3333-444444444444}', false, /braces/],
    ['microsoft', '00000000-1111-2222-3333-44444444444', false, /GUID/],
    ['microsoft', '00000000111122223333444444444444', false, /GUID/],
    ['microsoft', 'g0000000-1111-2222-3333-444444444444', false, /GUID/],
    ['microsoft', '00000000-1111-2222-3333-444444444444x', false, /GUID/],
    ['Microsoft', '00000000-1111-2222-3333-444444444444', true],
    ['my-idp', 'osmen-desktop', true],
    ['my-idp', 'has space', false, /whitespace/],
    ['my-idp', 'a'.repeat(513), false],
    ['my-idp', '   ', false, /empty/],
  ];
  it.each(cases)('%s %j → valid=%s', (provider, id, valid, message) => {
    const r = CredentialValidator.validateClientId(id, provider);
    expect(r.valid).toBe(valid);
    if (message) expect(r.message).toMatch(message);
    if (!valid) expect(r.fix).toBeTruthy();
    // The checked value is never repeated (it may be a pasted secret).
    if (id && id.trim().length > 3) expect(`${r.message} ${r.fix ?? ''}`).not.toContain(id.trim());
  });
});

describe('validateRedirectUri (RFC 8252, RFC 9700)', () => {
  const valid: Array<[string, string, boolean?]> = [
    ['https://app.example.com/callback', 'https'],
    ['https://app.example.com/callback?x=1', 'https'],
    ['http://127.0.0.1', 'loopback'],
    ['http://127.0.0.1:53123/callback', 'loopback'],
    ['http://[::1]:8080/cb', 'loopback'],
    ['http://localhost:8080/cb', 'loopback', true],
    ['http://LOCALHOST/cb', 'loopback', true],
    ['com.example.app:/oauth2redirect/example-provider', 'private-use'],
    ['com.googleusercontent.apps.1234-abc:/oauth2redirect', 'private-use'],
    ['com.example.app://callback', 'private-use', true],
  ];
  it.each(valid)('%s is valid (%s)', (uri, kind, warns) => {
    const r = CredentialValidator.validateRedirectUri(uri);
    expect(r.valid, r.message).toBe(true);
    expect(r.kind).toBe(kind);
    expect(r.warnings.length > 0).toBe(Boolean(warns));
  });

  it('flags localhost as NOT RECOMMENDED (RFC 8252 §8.3)', () => {
    const r = CredentialValidator.validateRedirectUri('http://localhost:1234/');
    expect(r.warnings[0]).toMatch(/NOT RECOMMENDED/);
    expect(r.warnings[0]).toMatch(/8\.3/);
    expect(r.fix).toMatch(/127\.0\.0\.1/);
  });

  const invalid: Array<[string | undefined, RegExp]> = [
    ['', /empty/],
    [undefined, /empty/],
    ['   ', /empty/],
    ['http://example.com/callback', /only on loopback/],
    ['http://127.0.0.2/cb', /only on loopback/],
    ['http://10.0.0.1/cb', /only on loopback/],
    ['http://localhost.evil.com/cb', /only on loopback/],
    ['http://127.0.0.1.nip.io/cb', /only on loopback/],
    ['https://app.example.com/cb#frag', /fragment/],
    ['http://127.0.0.1/cb#', /fragment/],
    ['https://*.example.com/cb', /wildcard/],
    ['https://app.example.com/*', /wildcard/],
    ['https://user:pass@app.example.com/cb', /user info/],
    ['https://user@app.example.com/cb', /user info/],
    ['http://evil.com@127.0.0.1/cb', /user info/],
    ['javascript:alert(1)', /javascript: scheme/],
    ['JavaScript:alert(1)', /javascript: scheme/],
    ['data:text/html,<script>alert(1)</script>', /data: scheme/],
    ['file:///etc/passwd', /file: scheme/],
    ['vbscript:msgbox', /vbscript: scheme/],
    ['myapp:/callback', /reverse domain/],
    ['myapp://callback', /reverse domain/],
    ['/callback', /no scheme/],
    ['127.0.0.1:8080/cb', /reverse domain|no scheme|not a valid/],
    ['https://', /not a valid URL|no host/],
    ['https://exa mple.com/', /whitespace/],
    ['https://example.com/\n', /whitespace/],
    ['urn:ietf:wg:oauth:2.0:oob', /out-of-band/],
    ['ftp://example.com/cb', /reverse domain/],
  ];
  it.each(invalid)('%j is rejected', (uri, message) => {
    const r = CredentialValidator.validateRedirectUri(uri);
    expect(r.valid).toBe(false);
    expect(r.kind).toBe('invalid');
    expect(r.message).toMatch(message);
    expect(r.fix).toBeTruthy();
  });
});

describe('validateAll', () => {
  let home: { dir: string; cleanup: () => void };
  beforeEach(() => {
    home = makeTmpHome('osmen-validate-');
  });
  afterEach(() => home.cleanup());

  const byId = (r: { checks: Array<{ id: string }> }, id: string) => r.checks.find((c) => c.id === id);

  it('passes a good configuration', async () => {
    const report = await CredentialValidator.validateAll({
      env: {
        GOOGLE_CLIENT_ID: '1234567890-abc123.apps.googleusercontent.com',
        GOOGLE_CLIENT_SECRET: FAKE_GOOGLE_SECRET,
        MICROSOFT_CLIENT_ID: '00000000-1111-2222-3333-444444444444',
        MICROSOFT_TENANT: 'organizations',
      },
      keySource: 'keychain',
      redirectUris: ['http://127.0.0.1/callback'],
    });
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual([
      'encryption-key',
      'env:GOOGLE_CLIENT_ID',
      'env:GOOGLE_CLIENT_SECRET',
      'env:MICROSOFT_CLIENT_ID',
      'env:MICROSOFT_CLIENT_SECRET',
      'env:MICROSOFT_TENANT',
      'redirect-uri:0',
    ]);
    expect(JSON.stringify(report)).not.toContain(FAKE_GOOGLE_SECRET);
  });

  it('fails and explains a bad configuration', async () => {
    const report = await CredentialValidator.validateAll({
      env: {
        OAUTH_ENCRYPTION_KEY: 'not-a-key',
        GOOGLE_CLIENT_ID: 'abc.apps.googleusercontent.com',
        MICROSOFT_CLIENT_ID: 'nope',
        MICROSOFT_CLIENT_SECRET: 'some-secret-value',
        MICROSOFT_TENANT: 'not a tenant',
      },
      keySource: { source: 'none', keychainAvailable: false },
      redirectUris: ['http://example.com/cb', 'http://localhost/cb'],
    });
    expect(report.ok).toBe(false);
    expect(byId(report, 'encryption-key-format')).toMatchObject({ status: 'fail' });
    expect(byId(report, 'encryption-key')).toMatchObject({ status: 'fail', message: expect.stringMatching(/keychain is not available/) });
    expect(byId(report, 'env:GOOGLE_CLIENT_ID')).toMatchObject({ status: 'fail' });
    expect(byId(report, 'env:GOOGLE_CLIENT_SECRET')).toMatchObject({ status: 'warn' });
    expect(byId(report, 'env:MICROSOFT_CLIENT_ID')).toMatchObject({ status: 'fail' });
    expect(byId(report, 'env:MICROSOFT_CLIENT_SECRET')).toMatchObject({ status: 'warn', message: expect.stringMatching(/public client/) });
    expect(byId(report, 'env:MICROSOFT_TENANT')).toMatchObject({ status: 'fail' });
    expect(byId(report, 'redirect-uri:0')).toMatchObject({ status: 'fail' });
    expect(byId(report, 'redirect-uri:1')).toMatchObject({ status: 'warn' });
    for (const c of report.checks) if (c.status !== 'pass') expect(c.fix, c.id).toBeTruthy();
    const text = JSON.stringify(report);
    expect(text).not.toContain('not-a-key');
    expect(text).not.toContain('some-secret-value');
  });

  it('accepts a well-formed OAUTH_ENCRYPTION_KEY and warns that it is outside the keychain', async () => {
    const report = await CredentialValidator.validateAll({
      env: { OAUTH_ENCRYPTION_KEY: EncryptionManager.generateKey() },
      keySource: 'env',
    });
    expect(byId(report, 'encryption-key-format')).toMatchObject({ status: 'pass' });
    expect(byId(report, 'encryption-key')).toMatchObject({ status: 'warn' });
    expect(byId(report, 'providers')).toMatchObject({ status: 'warn' });
    expect(report.ok).toBe(true);
  });

  it('checks modes of the data folder, database and log files', async () => {
    const dir = join(home.dir, 'osmen');
    mkdirSync(dir, { mode: 0o700 });
    const db = join(dir, 'tokens.db');
    const log = join(dir, 'security.log');
    writeFileSync(db, '', { mode: 0o600 });
    writeFileSync(`${db}-wal`, '', { mode: 0o600 });
    writeFileSync(log, '', { mode: 0o600 });
    writeFileSync(`${log}.1`, '', { mode: 0o600 });
    const good = await CredentialValidator.validateAll({ env: {}, paths: { home: dir, db, log } });
    const perm = good.checks.filter((c) => c.id.startsWith('permissions'));
    expect(perm.map((c) => c.id)).toEqual([
      'permissions:home',
      'permissions:db',
      'permissions:db-wal',
      'permissions:log',
      'permissions:log.1',
    ]);
    expect(perm.every((c) => c.status === 'pass')).toBe(true);

    chmodSync(dir, 0o755);
    chmodSync(`${db}-wal`, 0o644);
    chmodSync(`${log}.1`, 0o640);
    const bad = await CredentialValidator.validateAll({ env: {}, paths: { home: dir, db, log } });
    expect(bad.ok).toBe(false);
    expect(byId(bad, 'permissions:home')).toMatchObject({ status: 'fail', fix: `chmod 0700 '${dir}'` });
    expect(byId(bad, 'permissions:db-wal')).toMatchObject({ status: 'fail', fix: `chmod 0600 '${db}-wal'` });
    expect(byId(bad, 'permissions:log.1')).toMatchObject({ status: 'fail' });
    expect(byId(bad, 'permissions:db')).toMatchObject({ status: 'pass' });
  });

  it('reports not-yet-created paths as fine', async () => {
    const r = await CredentialValidator.validateAll({
      env: {},
      paths: { home: join(home.dir, 'none'), db: join(home.dir, 'none', 'tokens.db') },
    });
    expect(byId(r, 'permissions:home')).toMatchObject({ status: 'pass', message: expect.stringMatching(/does not exist yet/) });
  });

  it('includes secrets-in-git when repoDir is given (not a repository → a warning, not a crash)', async () => {
    const r = await CredentialValidator.validateAll({ env: {}, repoDir: home.dir });
    expect(byId(r, 'secrets-in-git')).toMatchObject({ status: 'warn', message: expect.stringMatching(/not a git repository/) });
  });
});
