/**
 * What the renderer says after the fact: a log entry's details in words (never the core's field
 * names), provider events named for what happened, and the "Refresh all" report following the
 * accounts (a line goes when its account works again or is gone; the report goes when nothing
 * it named still stands). Pure functions; the Chromium suite shows them on screen.
 */
import { describe, expect, it } from 'vitest';
import { accountKey } from '../../src/shared/account-key.js';
import type { AccountDto, LogEntryDto, RefreshSummaryDto } from '../../src/shared/ipc-contract.js';
import { followReport, newReport } from '../../src/renderer/src/views/accounts/refresh-text.js';
import { describeEntry, entryErrorCode } from '../../src/renderer/src/views/log/describe.js';
import { detailPhrases, durationWords } from '../../src/renderer/src/views/log/details.js';

const entry = (over: Partial<LogEntryDto>): LogEntryDto => ({
  seq: 1,
  ts: '2026-11-25T12:00:00.000Z',
  level: 'info',
  category: 'oauth',
  event: 'refresh',
  details: {},
  prev: '0'.repeat(64),
  hash: 'f'.repeat(64),
  ...over,
});
const phrases = (e: LogEntryDto): string[] => detailPhrases(e, entryErrorCode(e));

describe('log details in words', () => {
  it('a deferred refresh: the wait in words, the HTTP status, and none of the core’s field names', () => {
    const e = entry({
      success: false,
      level: 'warn',
      details: {
        error: 'temporarily_unavailable',
        errorClass: 'OAuthServerError',
        retryable: true,
        needsReauth: false,
        status: 503,
        retryAfterMs: 120_000,
      },
    });
    expect(phrases(e)).toEqual(['HTTP 503', 'retry in 2 minutes']);
    expect(phrases(e).join(' ')).not.toMatch(/errorClass|retryable|needsReauth|retryAfterMs|temporarily_unavailable/);
  });

  it('the phase an OAuth error happened in, in words, unless the event already says it', () => {
    const details = { error: 'temporarily_unavailable', retryable: true, needsReauth: false, status: 503, retryAfterMs: 120_000 };
    expect(phrases(entry({ success: false, level: 'warn', details: { ...details, phase: 'refresh' } }))).toEqual([
      'HTTP 503',
      'retry in 2 minutes',
    ]);
    expect(phrases(entry({ event: 'connect', success: false, details: { error: 'invalid_grant', phase: 'token', status: 400 } }))).toEqual([
      'while finishing the sign-in',
      'HTTP 400',
    ]);
  });

  it('names durations the way people say them', () => {
    expect(durationWords(45_000)).toBe('45 seconds');
    expect(durationWords(60_000)).toBe('1 minute');
    expect(durationWords(120_000)).toBe('2 minutes');
    expect(durationWords(3_600_000)).toBe('1 hour');
    expect(durationWords(5_400_000)).toBe('1 hour 30 minutes');
  });

  it('says where a sign-in happened and what a disconnect did, and keeps what it does not know readable', () => {
    expect(phrases(entry({ event: 'connect', success: false, details: { source: 'device', error: 'cancelled' } }))).toEqual([
      'on another device',
    ]);
    expect(phrases(entry({ event: 'disconnect', success: true, details: { revocation: 'failed' } }))).toEqual([
      'the provider did not confirm the revocation',
    ]);
    expect(
      phrases(entry({ event: 'key_rotation', category: 'security', details: { keyId: 'abc', rotated: 3, reason: 'resumed' } })),
    ).toEqual(['key abc', '3 tokens re-encrypted', 'finished after an interruption']);
    expect(phrases(entry({ event: 'something_new', details: { someFlag: true, tokenCount: 2 } }))).toEqual(['some flag', 'token count: 2']);
  });

  it('a provider event: named for what happened, with its name; older entries with the id in "reason" too', () => {
    const removed = entry({
      event: 'provider_removed',
      category: 'security',
      details: { source: 'custom', provider: 'backup', displayName: 'Backup IdP' },
    });
    expect(describeEntry(removed)).toBe('Provider removed: Backup IdP');
    expect(phrases(removed)).toEqual([]);
    expect(
      describeEntry(entry({ event: 'provider_updated', category: 'security', details: { provider: 'corp', displayName: 'Corp' } })),
    ).toBe('Provider settings changed: Corp');
    const older = entry({
      event: 'provider_removed',
      level: 'error',
      category: 'security',
      details: { source: 'custom', reason: 'backup' },
    });
    expect(describeEntry(older)).toBe('Provider removed: backup');
    expect(phrases(older)).toEqual([]);
    expect(phrases(entry({ event: 'provider_added', category: 'security', details: { provider: 'corp', count: 2 } }))).toEqual([
      '2 stored accounts bound to it',
    ]);
  });

  it('hand-off records: which program got the account’s tokens and how often, who was refused and why, never the provider’s consent words', () => {
    const handed = entry({
      event: 'token_handoff',
      provider: 'google',
      userHash: 'ab'.repeat(8),
      success: true,
      details: {
        program: 'python3 sync.py',
        programKey: 'f'.repeat(24),
        exe: '/usr/bin/python3.11',
        script: '/home/me/work/sync.py',
        via: 'agent',
        scopes: 'openid email',
        basis: 'grant',
        grant: 'g_abcdefghij',
        count: 42,
        durationMs: 60_000,
      },
    });
    expect(describeEntry(handed)).toBe('Tokens handed to python3 sync.py (scopes: openid email), 42 times');
    expect(phrases(handed)).toEqual([
      'run by /usr/bin/python3.11',
      'script /home/me/work/sync.py',
      'through the token agent',
      'allowed by a grant',
      'grant g_abcdefghij',
    ]);
    expect(describeEntry(entry({ event: 'token_handoff', success: true, details: { program: 'curl', scopes: '(all)', count: 1 } }))).toBe(
      'Tokens handed to curl, once',
    );
    const refused = entry({
      event: 'handoff_refused',
      category: 'security',
      level: 'warn',
      details: { program: 'node flood.mjs', via: 'agent', code: 'consent_required', count: 10_000 },
    });
    expect(entryErrorCode(refused)).toBe('consent_required');
    expect(describeEntry(refused)).toBe(
      'node flood.mjs was refused a token 10000 times: it is not allowed for that account or those scopes',
    );
    expect(describeEntry(refused)).not.toMatch(/provider|reconnect/i);
    expect(phrases(refused)).toEqual(['through the token agent']);
    expect(
      describeEntry(
        entry({ event: 'handoff_refused', level: 'warn', details: { program: 'unidentified caller (x)', code: 'forbidden', count: 1 } }),
      ),
    ).toBe(
      'unidentified caller (x) was refused a token once: another user, an unknown or revoked client key, or a program that exited while asking',
    );
  });

  it('grants and the consent mode in words', () => {
    const added = entry({
      event: 'grant_added',
      category: 'security',
      details: { code: 'g_abcdefghij', reason: 'session', program: 'terminal /dev/pts/3', source: 'app' },
    });
    expect(describeEntry(added)).toBe('A terminal session was allowed to get tokens: terminal /dev/pts/3 (in this app)');
    expect(phrases(added)).toEqual(['grant g_abcdefghij']);
    expect(describeEntry(entry({ event: 'grant_revoked', category: 'security', details: { code: 'g_abcdefghij' } }))).toBe(
      'A grant was revoked',
    );
    const ignored = entry({
      event: 'grant_ignored',
      category: 'security',
      level: 'warn',
      details: { code: 'g_forged0000', reason: 'signature' },
    });
    expect(describeEntry(ignored)).toBe('A grant in the vault was ignored: it was written or changed outside OsMEN');
    expect(phrases(ignored)).toContain('not signed with the vault’s key');
    expect(
      describeEntry(
        entry({ event: 'consent_mode_changed', category: 'security', level: 'warn', details: { reason: 'ask->same-user', source: 'cli' } }),
      ),
    ).toBe('Consent switched off: any program running as you now gets tokens');
    expect(describeEntry(entry({ event: 'consent_mode_changed', category: 'security', details: { reason: 'same-user->ask' } }))).toBe(
      'Consent switched on: programs must be allowed before they get tokens',
    );
  });
});

const account = (userId: string, over: Partial<AccountDto> = {}): AccountDto => ({
  provider: 'google',
  userId,
  displayName: null,
  expiresAt: null,
  scopes: [],
  scopeCount: 0,
  tokenType: 'Bearer',
  status: 'active',
  statusDetail: null,
  failureCount: 0,
  nextAttemptAt: null,
  hasRefreshToken: true,
  createdAt: 0,
  updatedAt: 0,
  lastRefreshAt: null,
  userHash: 'abcdef12',
  issuer: null,
  refreshNotBefore: null,
  ...over,
});
const byKey = (...list: AccountDto[]) => new Map(list.map((a) => [accountKey(a), a]));

describe('the "Refresh all" report follows the accounts', () => {
  const summary: RefreshSummaryDto = {
    due: 2,
    refreshed: 0,
    failed: 2,
    skipped: [{ provider: 'google', userId: 'erin@x.test', reason: 'needs_reauth' }],
    failures: [
      { provider: 'google', userId: 'a@x.test', code: 'timeout' },
      { provider: 'google', userId: 'b@x.test', code: 'timeout' },
    ],
  };
  const failing = (id: string) => account(id, { status: 'refresh_failing' });

  it('a failure stands until its account turns active, and is then named as working again', () => {
    const r0 = newReport(summary);
    const reauth = account('erin@x.test', { status: 'needs_reauth' });
    // A list read before the failures were recorded (still "active") clears nothing.
    const stale = followReport(
      r0,
      byKey(account('a@x.test'), account('b@x.test'), reauth),
      byKey(account('a@x.test'), account('b@x.test'), reauth),
    );
    expect(stale).toBe(r0);
    const failed = byKey(failing('a@x.test'), failing('b@x.test'), reauth);
    const r1 = followReport(r0, byKey(account('a@x.test'), account('b@x.test'), reauth), failed)!;
    expect(r1.cleared.size).toBe(0);
    const r2 = followReport(r1, failed, byKey(account('a@x.test'), failing('b@x.test'), reauth))!;
    expect([...r2.cleared]).toEqual([accountKey({ provider: 'google', userId: 'a@x.test' })]);
    expect(r2.recovered).toEqual([accountKey({ provider: 'google', userId: 'a@x.test' })]);
    // b is disconnected (gone, not "working again"), erin reconnects: nothing stands, the report goes.
    const r3 = followReport(r2, byKey(account('a@x.test'), failing('b@x.test'), reauth), byKey(account('a@x.test'), reauth))!;
    expect(r3.recovered).toHaveLength(1);
    expect(followReport(r3, byKey(account('a@x.test'), reauth), byKey(account('a@x.test'), account('erin@x.test')))).toBeNull();
  });

  it('a skip for a missing refresh token stands until the account has one; a report that named nothing stays', () => {
    const nora = { provider: 'google', userId: 'nora@x.test', reason: 'no_refresh_token' as const };
    const r = newReport({ due: 0, refreshed: 0, failed: 0, skipped: [nora], failures: [] });
    const without = byKey(account('nora@x.test', { hasRefreshToken: false }));
    expect(followReport(r, without, without)).toBe(r);
    expect(followReport(r, without, byKey(account('nora@x.test')))).toBeNull();
    const clean = newReport({ due: 1, refreshed: 1, failed: 0, skipped: [], failures: [] });
    expect(followReport(clean, byKey(account('a@x.test')), byKey())).toBe(clean);
  });
});
