/** Core events -> renderer event channels: mapped to DTOs, checked against the contract, unsubscribable. */
import { describe, expect, it } from 'vitest';
import { CoreEvents } from '../../src/main/core/events.js';
import { forwardCoreEvents } from '../../src/main/ipc/events-bridge.js';

describe('event forwarding', () => {
  it('forwards each core event on its channel with the DTO payload only', () => {
    const events = new CoreEvents();
    const sent: Array<[string, unknown]> = [];
    const off = forwardCoreEvents(events, (channel, payload) => sent.push([channel, payload]));
    events.emit('accounts-changed');
    events.emit('refresh-state', { provider: 'google', userId: 'a@example.test', refreshing: true });
    events.emit('needs-reauth', { provider: 'google', userId: 'a@example.test', reason: 'invalid_grant' });
    events.emit('refresh-failed', {
      provider: 'google',
      userId: 'a@example.test',
      code: 'temporarily_unavailable',
      retryAt: 1_800_000_000_000,
    });
    events.emit('token-refreshed', { provider: 'google', userId: 'a@example.test', expiresAt: 1_800_000_000_000 });
    const entry = {
      seq: 3,
      ts: '2026-11-25T12:00:00.000Z',
      level: 'info' as const,
      category: 'oauth' as const,
      event: 'refresh',
      provider: 'google',
      userHash: 'abc123',
      success: true,
      details: { rotated: true },
      prev: '0'.repeat(64),
      hash: 'f'.repeat(64),
    };
    events.emit('log-appended', { ...entry, ...({ accessToken: 'CANARY-leak' } as object) } as typeof entry);
    expect(sent).toEqual([
      ['osmen:event:accounts-changed', {}],
      ['osmen:event:refresh-state', { provider: 'google', userId: 'a@example.test', refreshing: true }],
      ['osmen:event:needs-reauth', { provider: 'google', userId: 'a@example.test', reason: 'invalid_grant' }],
      [
        'osmen:event:refresh-failed',
        { provider: 'google', userId: 'a@example.test', code: 'temporarily_unavailable', retryAt: 1_800_000_000_000 },
      ],
      ['osmen:event:log-appended', entry],
    ]);
    expect(JSON.stringify(sent)).not.toContain('CANARY');

    off();
    events.emit('accounts-changed');
    expect(sent).toHaveLength(5);
    expect(events.listenerCount('log-appended')).toBe(0);
  });

  it('one refresh is one accounts-changed for the renderer (token-refreshed is not forwarded as another)', () => {
    const events = new CoreEvents();
    const sent: string[] = [];
    forwardCoreEvents(events, (channel) => sent.push(channel));
    // What the token refresher emits for one successful refresh, in its order.
    events.emit('refresh-state', { provider: 'google', userId: 'a@example.test', refreshing: true });
    events.emit('token-refreshed', { provider: 'google', userId: 'a@example.test', expiresAt: 1_800_000_000_000 });
    events.emit('accounts-changed');
    events.emit('refresh-state', { provider: 'google', userId: 'a@example.test', refreshing: false });
    expect(sent.filter((c) => c === 'osmen:event:accounts-changed')).toHaveLength(1);
  });

  it('drops an event whose payload breaks the contract instead of sending it', () => {
    const events = new CoreEvents();
    const sent: unknown[] = [];
    forwardCoreEvents(events, (channel, payload) => sent.push([channel, payload]));
    events.emit('refresh-state', { provider: 'Not A Valid Id!', userId: 'a', refreshing: true });
    events.emit('refresh-failed', { provider: 'google', userId: 'a', code: 'x', retryAt: -1 });
    expect(sent).toEqual([]);
  });
});
