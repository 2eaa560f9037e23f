import { describe, expect, it } from 'vitest';
import {
  expiryUrgency,
  formatAgo,
  formatDuration,
  formatExpiry,
  matchesFilter,
  statusLabel,
  statusView,
  toJsonLines,
  type LogFilter,
} from '../../src/renderer/src/format.js';

const NOW = 1_800_000_000_000;
const all: LogFilter = { event: '', provider: '', outcome: 'all', search: '' };

describe('renderer formatting', () => {
  it('counts down expiry and says when it passed', () => {
    expect(formatExpiry(NOW + 12 * 60_000 + 3_000, NOW)).toBe('in 12m 03s');
    expect(formatExpiry(NOW + 45_000, NOW)).toBe('in 45s');
    expect(formatExpiry(NOW + 2 * 3_600_000 + 5 * 60_000, NOW)).toBe('in 2h 05m');
    expect(formatExpiry(NOW + 3 * 86_400_000 + 4 * 3_600_000, NOW)).toBe('in 3d 4h');
    expect(formatExpiry(NOW - 5 * 60_000, NOW)).toBe('expired 5m 00s ago');
    expect(formatExpiry(null, NOW)).toBe('no expiry given');
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

  it('filters log entries by event, provider, outcome and search text', () => {
    const ok = { event: 'refresh', provider: 'google', success: true, level: 'info', details: { scopes: 'openid' } };
    const bad = { event: 'refresh', provider: 'microsoft', success: false, level: 'warn', details: { code: 'invalid_grant' } };
    const sec = { event: 'ipc_rejected', level: 'warn', details: { channel: 'osmen:x' } };
    expect([ok, bad, sec].filter((e) => matchesFilter(e, { ...all, event: 'refresh' }))).toEqual([ok, bad]);
    expect([ok, bad, sec].filter((e) => matchesFilter(e, { ...all, provider: 'microsoft' }))).toEqual([bad]);
    expect([ok, bad, sec].filter((e) => matchesFilter(e, { ...all, outcome: 'success' }))).toEqual([ok]);
    expect([ok, bad, sec].filter((e) => matchesFilter(e, { ...all, outcome: 'failure' }))).toEqual([bad, sec]);
    expect([ok, bad, sec].filter((e) => matchesFilter(e, { ...all, search: 'INVALID_GRANT' }))).toEqual([bad]);
  });

  it('exports JSON lines', () => {
    expect(toJsonLines([{ a: 1 }, { b: 'x\ny' }])).toBe('{"a":1}\n{"b":"x\\ny"}\n');
    expect(toJsonLines([])).toBe('');
  });
});

describe('effective refresh timing (Settings)', () => {
  it('explains that a window longer than half the lifetime refreshes at the middle of it', async () => {
    const { effectiveTiming } = await import('../../src/renderer/src/timing.js');
    expect(effectiveTiming(5)).toMatch(/^A 1-hour token is refreshed after 55 minutes \(5 minutes before it expires\)/);
    expect(effectiveTiming(60)).toMatch(/^A 1-hour token is refreshed after 30 minutes: never before the middle/);
    expect(effectiveTiming(45)).toMatch(/after 30 minutes/);
    expect(effectiveTiming(Number.NaN)).toBe('');
  });
});
