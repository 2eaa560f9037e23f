import { describe, expect, it } from 'vitest';
import {
  expiryUrgency,
  formatAgo,
  formatDuration,
  formatExpiry,
  matchesFilter,
  statusLabel,
  statusView,
  type LogFilter,
} from '../../src/renderer/src/format.js';
import { removedProviderText, revocationText } from '../../src/renderer/src/revocation-text.js';
import { BUILTIN_PROVIDERS } from '../../src/main/core/oauth/providers/builtins.js';

const NOW = 1_800_000_000_000;
const all: LogFilter = { event: '', provider: '', outcome: 'all', search: '' };

describe('renderer formatting', () => {
  it('counts down expiry and says when it passed', () => {
    expect(formatExpiry(NOW + 12 * 60_000 + 3_000, NOW)).toBe('in 12m 03s');
    expect(formatExpiry(NOW + 45_000, NOW)).toBe('in 45s');
    expect(formatExpiry(NOW + 2 * 3_600_000 + 5 * 60_000, NOW)).toBe('in 2h 05m');
    expect(formatExpiry(NOW + 3 * 86_400_000 + 4 * 3_600_000, NOW)).toBe('in 3d 4h');
    expect(formatExpiry(NOW - 5 * 60_000, NOW)).toBe('expired 5m 00s ago');
    expect(formatExpiry(null, NOW)).toBe('does not expire');
    // One second later the countdown moved by one second.
    expect(formatExpiry(NOW + 61_000, NOW + 1000)).toBe('in 1m 00s');
    expect(formatDuration(-5)).toBe('0s');
  });

  it('shows relative times', () => {
    expect(formatAgo(null, NOW)).toBe('never');
    expect(formatAgo(NOW - 10_000, NOW)).toBe('just now');
    expect(formatAgo(NOW - 3 * 60_000, NOW)).toBe('3 min ago');
    expect(formatAgo(NOW - 2 * 3_600_000, NOW)).toBe('2 h ago');
    expect(formatAgo(NOW - 86_400_000, NOW)).toBe('1 day ago');
  });

  it('derives the card status: needs re-auth wins, then refreshing, then failing with its retry time', () => {
    expect(statusView('needs_reauth', true)).toBe('needs_reauth');
    expect(statusView('active', true)).toBe('refreshing');
    expect(statusView('refresh_failing', false)).toBe('failing');
    expect(statusLabel('failing', NOW + 90_000, NOW)).toBe('Refresh failing · retry in 1m 30s');
    expect(statusLabel('failing', null, NOW)).toBe('Refresh failing · retrying soon');
    expect(statusLabel('needs_reauth', null, NOW)).toBe('Needs re-auth');
    expect(expiryUrgency(NOW + 60_000, NOW, 300_000)).toBe('soon');
    expect(expiryUrgency(NOW - 1, NOW, 300_000)).toBe('expired');
    expect(expiryUrgency(null, NOW, 300_000)).toBe('none');
  });

  it('colours an expiry amber when its refresh is due, not because the window is longer than the token lives', () => {
    const hour = 3_600_000;
    // A 1-hour token issued now, a 60-minute window: the app refreshes it after half an hour, not now.
    expect(expiryUrgency(NOW + hour, NOW, hour, NOW + hour / 2)).toBe('ok');
    expect(expiryUrgency(NOW + hour, NOW + hour / 2, hour, NOW + hour / 2)).toBe('soon');
    // The default 5-minute window: due 5 minutes before expiry, as before.
    expect(expiryUrgency(NOW + 4 * 60_000, NOW, 300_000, NOW - hour / 2)).toBe('soon');
    expect(expiryUrgency(NOW + 6 * 60_000, NOW, 300_000, NOW - hour / 2)).toBe('ok');
    // Tokens stored without a floor (imported): the window alone.
    expect(expiryUrgency(NOW + 60_000, NOW, 300_000, null)).toBe('soon');
  });

  it('says what a failed or impossible revocation means, and where to end access', () => {
    const corp = { id: 'corp', name: 'Corp SSO', issuer: 'https://login.corp.example/oidc' };
    expect(revocationText('revoked', corp)).toBe('Access was revoked at the provider.');
    expect(revocationText('none', corp)).toBe('');
    expect(revocationText('failed', corp)).toBe(
      'The tokens were deleted here, but Corp SSO did not confirm the revocation, so they may still be valid there until they expire. ' +
        'To end access now, remove this app’s access in your account at login.corp.example.',
    );
    // A built-in's page for it comes from its file (through the provider DTO's revokeAt).
    const plainHub = { id: 'plainhub', name: 'Plain Hub', revokeAt: 'https://plainhub.example/settings/applications' };
    expect(revocationText('unsupported', plainHub)).toBe(
      'The tokens were deleted here; Plain Hub can’t revoke them from the app, so they stay valid there until they expire. ' +
        'To end access now, remove this app’s access in your Plain Hub account (https://plainhub.example/settings/applications).',
    );
    for (const b of BUILTIN_PROVIDERS) {
      expect(revocationText('failed', { id: b.id, name: b.displayName, revokeAt: b.revocation.revokeAt })).toContain(b.revocation.revokeAt);
    }
    expect(removedProviderText(corp, { disconnected: 0, revocationFailed: 0, revocationUnsupported: 0 })).toEqual({
      text: 'Removed Corp SSO.',
      warn: false,
    });
    expect(removedProviderText(corp, { disconnected: 2, revocationFailed: 0, revocationUnsupported: 0 })).toEqual({
      text: 'Removed Corp SSO and disconnected 2 accounts.',
      warn: false,
    });
    const partly = removedProviderText(corp, { disconnected: 2, revocationFailed: 1, revocationUnsupported: 0 });
    expect(partly.warn).toBe(true);
    expect(partly.text).toMatch(/^Removed Corp SSO and disconnected 2 accounts\. The tokens of 1 of them were deleted here, but Corp SSO/);
  });

  it('filters log entries by event, provider, outcome and search text', () => {
    const ok = { event: 'refresh', provider: 'google', success: true, level: 'info', details: { scopes: 'openid' } };
    const bad = { event: 'refresh', provider: 'microsoft', success: false, level: 'warn', details: { code: 'invalid_grant' } };
    const sec = { event: 'ipc_rejected', level: 'warn', details: { channel: 'osmen:x' } };
    expect([ok, bad, sec].filter((e) => matchesFilter(e, { ...all, event: 'refresh' }))).toEqual([ok, bad]);
    expect([ok, bad, sec].filter((e) => matchesFilter(e, { ...all, provider: 'microsoft' }))).toEqual([bad]);
    expect([ok, bad, sec].filter((e) => matchesFilter(e, { ...all, outcome: 'success' }))).toEqual([ok]);
    expect([ok, bad, sec].filter((e) => matchesFilter(e, { ...all, outcome: 'failure' }))).toEqual([bad, sec]);
    // The person's own cancel did not succeed, and is not a failure (logged at level info).
    const cancel = { event: 'connect', provider: 'google', success: false, level: 'info', details: { error: 'cancelled' } };
    expect(matchesFilter(cancel, { ...all, outcome: 'failure' })).toBe(false);
    // A provider event is found by the provider it names.
    const removed = { event: 'provider_removed', level: 'info', details: { provider: 'corp', displayName: 'Corp' } };
    expect(matchesFilter(removed, { ...all, provider: 'corp' })).toBe(true);
    expect([ok, bad, sec].filter((e) => matchesFilter(e, { ...all, search: 'INVALID_GRANT' }))).toEqual([bad]);
  });
});

describe('effective refresh timing (Settings)', () => {
  it('shows a stored duration in minutes as it is stored', async () => {
    const { minutesText } = await import('../../src/renderer/src/timing.js');
    expect(minutesText(30_000)).toBe('0.5');
    expect(minutesText(45_000)).toBe('0.75');
    expect(minutesText(300_000)).toBe('5');
    expect(minutesText(20_000)).toBe('0.333');
    expect(minutesText(86_400_000)).toBe('1440');
  });

  it('explains that a window longer than half the lifetime refreshes at the middle of it', async () => {
    const { effectiveTiming } = await import('../../src/renderer/src/timing.js');
    expect(effectiveTiming(5)).toMatch(/^A 1-hour token is refreshed after 55 minutes \(5 minutes before it expires\)/);
    expect(effectiveTiming(60)).toMatch(/^A 1-hour token is refreshed after 30 minutes: never before the middle/);
    expect(effectiveTiming(45)).toMatch(/after 30 minutes/);
    expect(effectiveTiming(Number.NaN)).toBe('');
  });
});
