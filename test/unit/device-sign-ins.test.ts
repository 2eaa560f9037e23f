/**
 * The device sign-in state main keeps for the renderer: named fields only (whatever else the
 * core's info carries stays behind), one sign-in at a time (a superseded attempt can neither
 * show its code nor clear the newer one), and the page to open is the provider's, with the code
 * filled in when it gave that URI.
 */
import { describe, expect, it } from 'vitest';
import { DeviceSignIns } from '../../src/main/ipc/device-sign-ins.js';
import type { DeviceSignInStateDto } from '../../src/shared/ipc-contract.js';
import { DeviceSignInStateDtoSchema } from '../../src/shared/ipc-contract.js';

const info = (code: string, complete = true) => ({
  verificationUri: 'https://login.example/device',
  ...(complete ? { verificationUriComplete: `https://login.example/device?user_code=${code}` } : {}),
  userCode: code,
  expiresAt: 1_700_000_600_000,
  interval: 5,
});

describe('DeviceSignIns', () => {
  it('publishes the code with named fields only, and forgets it when the sign-in ends', () => {
    const states: DeviceSignInStateDto[] = [];
    const d = new DeviceSignIns(() => 1_700_000_000_000);
    d.subscribe((s) => states.push(s));
    const a = d.begin('corp');
    expect(d.state()).toEqual({ active: true, providerId: 'corp', startedAt: 1_700_000_000_000, code: null });
    expect(d.pageUrl()).toBeNull();
    a.onUserCode({ ...info('ABCD-EFGH'), device_code: 'never-shown' } as ReturnType<typeof info>);
    const shown = d.state();
    expect(DeviceSignInStateDtoSchema.parse(shown)).toEqual(shown);
    expect(JSON.stringify(shown)).not.toContain('never-shown');
    expect(d.userCode()).toBe('ABCD-EFGH');
    expect(d.pageUrl()).toBe('https://login.example/device?user_code=ABCD-EFGH');
    a.end();
    expect(states.map((s) => s.active)).toEqual([true, true, false]);
    expect([d.userCode(), d.pageUrl()]).toEqual([null, null]);
  });

  it('a superseded attempt neither shows its code nor ends the newer one; without a complete URI the plain page opens', () => {
    const d = new DeviceSignIns();
    const first = d.begin('corp');
    const second = d.begin('corp');
    first.onUserCode(info('OLD1-OLD1'));
    expect(d.userCode()).toBeNull();
    second.onUserCode(info('NEW2-NEW2', false));
    first.end();
    expect(d.userCode()).toBe('NEW2-NEW2');
    expect(d.pageUrl()).toBe('https://login.example/device');
    second.end();
    expect(d.state()).toEqual({ active: false });
  });
});
