/**
 * The plain-language layer of the renderer: the one table from error code to
 * sentence and next step (it must know every code the core and the IPC layer
 * can produce), log entries in words, the "Refresh all" headline, finding log
 * entries by e-mail through keyed hashes, and the `osmen-cred` command shown
 * for an account.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adviceFor, codeOf, hasAdvice } from '../../src/renderer/src/errors/advice.js';
import { accountMatches, hashesMatching, matchesFilter, type LogFilter } from '../../src/renderer/src/format.js';
import { refreshHeadline } from '../../src/renderer/src/views/accounts/refresh-text.js';
import { describeEntry } from '../../src/renderer/src/views/log/describe.js';
import { accountKey } from '../../src/shared/account-key.js';
import type { LogEntryDto } from '../../src/shared/ipc-contract.js';
import { shellQuote, tokenCommand } from '../../src/shared/token-command.js';

const ROOT = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every error code written in the core's and the IPC layer's sources. */
function producedCodes(): Set<string> {
  const codes = new Set<string>();
  const add = (text: string, re: RegExp): void => {
    for (const m of text.matchAll(re)) codes.add(m[1]!);
  };
  for (const file of [...sources(join(ROOT, 'src/main/core')), ...sources(join(ROOT, 'src/main/ipc'))]) {
    const text = readFileSync(file, 'utf8');
    add(text, /\bcode: '([A-Za-z_]+)'/g); // new OAuthError({ code: 'timeout', … })
    add(text, /configError\('([a-z_]+)'/g);
    add(text, /(?:Vault|Encryption|KeyCustody|TokenStore)Error\('([A-Z_]+)'/g);
    add(text, /IpcFailure\('([A-Z_]+)'/g);
    add(text, /CodedError\('([A-Za-z_]+)'/g);
    add(text, /code: '([A-Z_]+)', message/g);
  }
  // The typed unions and the OAuth code tables.
  const unions = readFileSync(join(ROOT, 'src/main/core/errors.ts'), 'utf8') + readFileSync(join(ROOT, 'src/main/ipc/errors.ts'), 'utf8');
  add(unions, /\| '([A-Z_]+)'/g);
  const oauth = readFileSync(join(ROOT, 'src/main/core/oauth/error-parser.ts'), 'utf8');
  for (const set of oauth.matchAll(/const (?:REAUTH|CONFIG|TRANSIENT)_CODES = new Set\(\[([^\]]*)\]/g)) add(set[1]!, /'([a-z_]+)'/g);
  // The renderer's own transport failure (src/preload/bridge.ts).
  add(readFileSync(join(ROOT, 'src/preload/bridge.ts'), 'utf8'), /code: '([A-Z_]+)'/g);
  return codes;
}

describe('the error table', () => {
  it('explains every code the core, the IPC layer and the bridge can produce', () => {
    const codes = producedCodes();
    expect(codes.size).toBeGreaterThan(60);
    for (const sample of ['invalid_grant', 'KEYCHAIN_UNAVAILABLE', 'VAULT_LOCKED', 'network_error', 'IPC_UNAVAILABLE'])
      expect(codes).toContain(sample);
    expect([...codes].filter((c) => !hasAdvice(c)).sort()).toEqual([]);
  });

  it('gives a sentence and a next step; codes that need the user say so', () => {
    expect(adviceFor('invalid_grant')).toMatchObject({ action: 'reconnect', next: expect.stringMatching(/^Reconnect/) });
    expect(adviceFor('temporarily_unavailable')).toMatchObject({ title: 'The provider is temporarily unavailable.', action: 'refresh' });
    expect(adviceFor('KEYCHAIN_UNAVAILABLE')).toMatchObject({ action: 'retry', next: expect.stringContaining('Retry') });
    expect(adviceFor('KEY_MALFORMED')).toMatchObject({ action: 'quit' });
    for (const code of ['invalid_grant', 'account_conflict', 'DB_CORRUPT', 'KEY_MALFORMED', 'INTERNAL']) {
      const a = adviceFor(code);
      expect(a.title).toMatch(/^[A-Z`].*\.$/);
      expect(a.next).toMatch(/\.$/);
      expect(a.title + a.next).not.toContain(code); // the code is shown beside it, once, not inside
    }
  });

  it('falls back on the flags and the message for a code it does not know', () => {
    expect(adviceFor('AADSTS99999', { needsReauth: true })).toEqual(adviceFor('needs_reauth'));
    expect(adviceFor('weird_code', { message: 'The provider said no.', retryable: true })).toMatchObject({
      title: 'The provider said no.',
      action: 'refresh',
    });
    expect(adviceFor('weird_code')).toMatchObject({ title: 'Something went wrong.' });
    // Names that exist on every object are codes like any other, not table entries.
    expect(hasAdvice('constructor')).toBe(false);
    expect(adviceFor('__proto__').title).toBe('Something went wrong.');
  });

  it('reads the code out of an account’s status detail', () => {
    expect(codeOf('invalid_grant (AADSTS70008)')).toBe('invalid_grant');
    expect(codeOf('temporarily_unavailable')).toBe('temporarily_unavailable');
    expect(codeOf(null)).toBeNull();
    expect(codeOf('  ')).toBeNull();
  });
});

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

describe('log entries in words', () => {
  it('says what happened, with the advice for failures', () => {
    expect(describeEntry(entry({ success: true, details: { rotated: true } }))).toBe(
      'Access token refreshed; the provider issued a new refresh token',
    );
    expect(describeEntry(entry({ success: false, level: 'warn', details: { error: 'temporarily_unavailable' } }))).toBe(
      'Refresh failed: The provider is temporarily unavailable.',
    );
    // A cancel, as logged now (info, not successful) and as older device sign-ins logged it (an error).
    expect(describeEntry(entry({ event: 'connect', success: false, details: { error: 'cancelled' } }))).toBe('Sign-in cancelled');
    expect(describeEntry(entry({ event: 'connect', level: 'error', category: 'security', details: { error: 'cancelled' } }))).toBe(
      'Sign-in cancelled',
    );
    expect(describeEntry(entry({ event: 'connect', success: false, level: 'warn', details: { error: 'access_denied' } }))).toBe(
      'Connect failed: Access was not granted on the provider’s page.',
    );
    // A refresh that timed out is not a sign-in.
    expect(describeEntry(entry({ success: false, level: 'warn', details: { error: 'timeout' } }))).toBe(
      'Refresh failed: The provider did not answer in time.',
    );
    expect(
      describeEntry(entry({ event: 'ipc_rejected', level: 'warn', category: 'security', details: { reason: 'foreign_origin' } })),
    ).toBe('A request from the window was refused: it came from a page that is not the app');
    expect(describeEntry(entry({ event: 'key_rotation', category: 'security', details: { rotated: 3 } }))).toMatch(
      /master key was rotated/,
    );
  });
});

describe('finding log entries by e-mail', () => {
  const accounts = [
    { userId: 'alice@example.test', displayName: 'Alice Liddell', userHash: 'aaaa1111', provider: 'google' },
    { userId: 'bob@example.test', displayName: null, userHash: 'bbbb2222', provider: 'microsoft' },
  ];
  const all: LogFilter = { event: '', provider: '', outcome: 'all', search: '' };

  it('maps an e-mail or a name to the accounts’ keyed hashes, and entries match through them', () => {
    expect([...hashesMatching(accounts, 'BOB@example')]).toEqual(['bbbb2222']);
    expect([...hashesMatching(accounts, 'liddell')]).toEqual(['aaaa1111']);
    expect(hashesMatching(accounts, '  ').size).toBe(0);
    const bobs = entry({ userHash: 'bbbb2222' });
    const alices = entry({ userHash: 'aaaa1111' });
    const search = { ...all, search: 'bob@example.test' };
    const hashes = hashesMatching(accounts, search.search);
    expect(matchesFilter(bobs, search, hashes)).toBe(true);
    expect(matchesFilter(alices, search, hashes)).toBe(false);
    // Without the hashes (the old behaviour) the address finds nothing: the log holds no address.
    expect(matchesFilter(bobs, search)).toBe(false);
    // Other filters still apply.
    expect(matchesFilter(bobs, { ...search, outcome: 'success' }, hashes)).toBe(false);
  });

  it('filters the Accounts view by name, e-mail or provider name', () => {
    expect(accountMatches(accounts[0]!, 'Google', 'alice')).toBe(true);
    expect(accountMatches(accounts[1]!, 'Microsoft', 'micro')).toBe(true);
    expect(accountMatches(accounts[1]!, 'Microsoft', 'alice')).toBe(false);
    expect(accountMatches(accounts[1]!, 'Microsoft', '')).toBe(true);
  });
});

describe('"Refresh all" headline', () => {
  const base = { due: 2, refreshed: 2, failed: 0, skipped: [], failures: [] };
  it('counts every account, naming skipped and failed ones in the numbers', () => {
    expect(refreshHeadline(base)).toBe('Refreshed 2 of 2 accounts.');
    expect(refreshHeadline({ ...base, skipped: [{ provider: 'google', userId: 'c@x.test', reason: 'needs_reauth' }] })).toBe(
      'Refreshed 2 of 3 accounts; 1 skipped.',
    );
    expect(
      refreshHeadline({ ...base, refreshed: 1, failed: 1, failures: [{ provider: 'google', userId: 'b@x.test', code: 'invalid_grant' }] }),
    ).toBe('Refreshed 1 of 2 accounts; 1 failed.');
    expect(refreshHeadline({ ...base, due: 1, refreshed: 1 })).toBe('Refreshed 1 of 1 account.');
    expect(refreshHeadline({ ...base, due: 0, refreshed: 0 })).toBe('There are no accounts to refresh.');
  });
});

describe('shared helpers', () => {
  it('the osmen-cred command quotes what a shell would split or expand', () => {
    expect(tokenCommand('google', 'me@example.com')).toBe('osmen-cred token google me@example.com');
    expect(tokenCommand('my-okta', "o'brien $(rm -rf ~)@example.com")).toBe(
      `osmen-cred token my-okta 'o'\\''brien $(rm -rf ~)@example.com'`,
    );
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote('')).toBe("''");
  });

  it('one account key for main, core and renderer', () => {
    expect(accountKey({ provider: 'google', userId: 'a@x' })).toBe('google\u0000a@x');
  });
});

describe('advice where it happened', () => {
  it('a refresh is never worded as a sign-in, and never asks to try again while the app retries', () => {
    for (const code of ['timeout', 'cancelled', 'invalid_response', 'client_error', 'unknown_error', 'network_error', 'server_error']) {
      const a = adviceFor(code, {}, 'refresh');
      expect({ code, text: a.title + ' ' + a.next }).not.toEqual({ code, text: expect.stringMatching(/sign-?in|signing in|try again/i) });
      expect({ code, next: a.next }).toEqual({ code, next: expect.stringMatching(/retries on its own/) });
    }
    // An unknown code after a refresh still says the app retries.
    expect(adviceFor('weird_code', { message: 'Odd.' }, 'refresh').next).toMatch(/retries on its own/);
    // Codes without a refresh reading read as everywhere else.
    expect(adviceFor('invalid_grant', {}, 'refresh')).toEqual(adviceFor('invalid_grant'));
  });

  it('a sign-in that ran out of time says so; elsewhere a timeout is the provider not answering', () => {
    expect(adviceFor('timeout', {}, 'sign-in')).toMatchObject({ title: 'The sign-in was not finished in time.', action: 'connect' });
    expect(adviceFor('timeout').title).toBe('The provider did not answer in time.');
  });

  it('has no back-ticks or build commands in any advice', async () => {
    const codes = producedCodes();
    for (const code of codes) {
      for (const context of ['general', 'refresh', 'sign-in'] as const) {
        const a = adviceFor(code, {}, context);
        expect({ code, text: a.title + a.next }).not.toEqual({ code, text: expect.stringMatching(/`|npm run/) });
      }
    }
  });

  it('the browser’s result page words a failed sign-in as the app does, without the code', async () => {
    const { SIGN_IN_RESULT_TEXT, signInFailedPage } = await import('../../src/main/core/oauth/sign-in-result.js');
    for (const code of ['access_denied', 'authorization_declined', 'account_mismatch', 'account_conflict', 'invalid_id_token']) {
      expect(SIGN_IN_RESULT_TEXT[code]!.message.startsWith(adviceFor(code).title)).toBe(true);
      expect(signInFailedPage(code)).not.toContain(code);
    }
    expect(signInFailedPage('server_error')).toContain('The app could not finish signing in.');
    expect(signInFailedPage('server_error')).not.toContain('server_error');
  });
});
