/** Pure parts of the Electron hardening: app:// path resolution, CSP, external links, rejection logging. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCsp, securityHeaders } from '../../src/main/app/csp.js';
import { mimeTypeOf, resolveStaticPath } from '../../src/main/app/static-files.js';
import { isAllowedExternalUrl } from '../../src/main/ipc/external-links.js';
import { toErrorDto } from '../../src/main/ipc/errors.js';
import { TokenStoreError } from '../../src/main/core/errors.js';
import { RejectionReporter, safeChannelLabel } from '../../src/main/ipc/rejections.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { OAuthError } from '../../src/main/core/oauth/errors.js';

const tmp = makeTmpHome('osmen-static-');
const root = join(tmp.dir, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html>');
writeFileSync(join(tmp.dir, 'secret.txt'), 'outside');
afterAll(() => tmp.cleanup());

describe('app:// static file resolution', () => {
  it('serves files inside the renderer bundle', () => {
    expect(resolveStaticPath(root, '/')).toBe(join(root, 'index.html'));
    expect(resolveStaticPath(root, '/index.html')).toBe(join(root, 'index.html'));
    expect(resolveStaticPath(root, '/assets/index-abc.js')).toBe(join(root, 'assets', 'index-abc.js'));
  });

  it('refuses every way out of the bundle', () => {
    for (const p of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/..%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/..\\secret.txt',
      '//etc/passwd',
      '/%00index.html',
      '/%E0%A4%A',
      `/${'../'.repeat(20)}etc/passwd`,
    ]) {
      const resolved = resolveStaticPath(root, p);
      expect(resolved === null || resolved.startsWith(root + '/'), p).toBe(true);
      expect(resolved, p).not.toBe(join(tmp.dir, 'secret.txt'));
    }
    expect(resolveStaticPath(root, '/../secret.txt')).toBeNull();
    expect(resolveStaticPath(root, '/%2e%2e/secret.txt')).toBeNull();
  });

  it('knows the bundle MIME types', () => {
    expect(mimeTypeOf('a.js')).toMatch(/javascript/);
    expect(mimeTypeOf('a.css')).toMatch(/text\/css/);
    expect(mimeTypeOf('a.bin')).toBe('application/octet-stream');
  });
});

describe('Content-Security-Policy', () => {
  it('production allows only self: no inline, no eval, no remote, no framing', () => {
    const csp = buildCsp();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|data:|\*/);
  });

  it('development relaxes only for the dev server', () => {
    const csp = buildCsp({ devServerOrigin: 'http://localhost:5173' });
    expect(csp).toContain("script-src 'self' 'unsafe-inline' http://localhost:5173");
    expect(csp).toContain('ws://localhost:5173');
    expect(csp).not.toContain('unsafe-eval');
    expect(securityHeaders()['X-Content-Type-Options']).toBe('nosniff');
  });
});

describe('external links', () => {
  it('opens only allow-listed https hosts, compared exactly', () => {
    expect(isAllowedExternalUrl('https://console.cloud.google.com/apis/credentials')).toBe(true);
    expect(isAllowedExternalUrl('https://entra.microsoft.com/#home')).toBe(true);
    for (const url of [
      'http://console.cloud.google.com/',
      'https://console.cloud.google.com.evil.example/',
      'https://evil.example/?https://console.cloud.google.com',
      'https://console.cloud.google.com:8443/',
      'https://a:b@portal.azure.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      42,
      null,
    ]) {
      expect(isAllowedExternalUrl(url), String(url)).toBe(false);
    }
  });
});

describe('error DTOs and rejection logging', () => {
  it('keeps code, message and the retry hints of the error category only', () => {
    const err = new OAuthError({
      phase: 'refresh',
      code: 'invalid_grant',
      description: 'Refresh failed\nat provider',
      needsReauth: true,
      retryAfterMs: 5000,
      provider: 'google',
      cause: new Error('inner'),
    });
    Object.assign(err, { body: { access_token: 'leak' } });
    const dto = toErrorDto(err);
    expect(dto).toEqual({
      code: 'invalid_grant',
      message: 'Refresh failed at provider', // the description: the code travels on its own
      retryable: false,
      needsReauth: true,
      retryAfterMs: 5000,
    });
    // Without a description, the message as it is.
    expect(toErrorDto(new OAuthError({ phase: 'refresh', code: 'server_error', provider: 'google' })).message).toBe('google: server_error');
    expect(toErrorDto(new TokenStoreError('DB_LOCKED', 'busy'))).toEqual({
      code: 'DB_LOCKED',
      message: 'busy',
      retryable: true,
      needsReauth: false,
    });
    // Anything outside the error family is an internal failure: nothing of it crosses.
    expect(toErrorDto(Object.assign(new Error('secret detail'), { code: 'invalid_grant', needsReauth: true }))).toEqual({
      code: 'INTERNAL',
      message: 'The operation failed.',
    });
    expect(toErrorDto('a string')).toEqual({ code: 'INTERNAL', message: 'The operation failed.' });
    expect(toErrorDto(new TokenStoreError('DB_OPEN_FAILED', 'm'.repeat(5000))).message.length).toBeLessThanOrEqual(600);
  });

  it('writes at most `burst` rejections per window, then one summary', () => {
    const lines: Array<Record<string, unknown>> = [];
    let now = 0;
    const reporter = new RejectionReporter(() => ({ logSecurityError: (_t, d) => void lines.push(d) }), {
      burst: 3,
      windowMs: 1000,
      now: () => now,
    });
    for (let i = 0; i < 10; i++) reporter.report('osmen:accounts:list', 'invalid_payload');
    expect(lines).toHaveLength(3);
    expect(reporter.pending).toBe(7);
    now = 1000;
    reporter.report('osmen:accounts:list', 'invalid_payload');
    expect(lines[3]).toEqual({ reason: 'suppressed', count: 7 });
    expect(lines).toHaveLength(5);
    expect(safeChannelLabel('a\u0000b\nc' + 'x'.repeat(100))).toMatch(/^a\?b\?cx+…$/);
    expect(safeChannelLabel('x'.repeat(100)).length).toBe(64);
  });
});

describe('CSP in index.html', () => {
  it('the <meta> policy equals the header policy (frame-ancestors is header-only)', async () => {
    const { readFileSync } = await import('node:fs');
    const html = readFileSync(new URL('../../src/renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    const header = buildCsp()
      .split('; ')
      .filter((d) => !d.startsWith('frame-ancestors'))
      .join('; ');
    expect(meta).toBe(header);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/\sstyle=/);
  });
});
