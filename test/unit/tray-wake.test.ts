import { describe, expect, it } from 'vitest';
import { ReauthNotificationPolicy, onlineEdge } from '../../src/main/desktop/wake-policy.js';

describe('tray background policies', () => {
  it('wakes the scheduler only on an offline -> online transition', () => {
    expect(onlineEdge(false, true)).toBe(true);
    expect(onlineEdge(true, true)).toBe(false);
    expect(onlineEdge(null, true)).toBe(false); // the first sample is not a transition
    expect(onlineEdge(true, false)).toBe(false);
    expect(onlineEdge(false, false)).toBe(false);
  });

  it('notifies once per needs-re-auth episode per account', () => {
    const policy = new ReauthNotificationPolicy();
    const alice = { provider: 'google', userId: 'alice@example.test' };
    const bob = { provider: 'microsoft', userId: 'bob@example.test' };
    expect(policy.shouldNotify(alice)).toBe(true);
    expect(policy.shouldNotify(alice)).toBe(false); // the scheduler retries; no spam
    expect(policy.shouldNotify(bob)).toBe(true);
    // Alice still needs re-auth; Bob reconnected.
    policy.sync([
      { ...alice, status: 'needs_reauth' },
      { ...bob, status: 'active' },
    ]);
    expect(policy.shouldNotify(alice)).toBe(false);
    expect(policy.shouldNotify(bob)).toBe(true); // a new episode
    // Alice was removed.
    policy.sync([{ ...bob, status: 'needs_reauth' }]);
    expect(policy.shouldNotify(alice)).toBe(true);
  });
});
