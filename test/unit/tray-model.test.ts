import { describe, expect, it } from 'vitest';
import { buildTrayModel, formatWait, nextRefreshAt, type TrayAccount, type TrayState } from '../../src/main/desktop/tray-model.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const MIN = 60_000;
const acct = (over: Partial<TrayAccount> = {}): TrayAccount => ({
  status: 'active',
  expiresAt: NOW + 60 * MIN,
  hasRefreshToken: true,
  ...over,
});
const state = (over: Partial<TrayState> = {}): TrayState => ({
  vaultLocked: false,
  accounts: [],
  refreshWindowMs: 5 * MIN,
  paused: false,
  refreshingAll: false,
  now: NOW,
  ...over,
});
const actions = (s: TrayState) =>
  buildTrayModel(s).menu.flatMap((i) => (i.type === 'action' ? [{ action: i.action, label: i.label, enabled: i.enabled }] : []));

describe('tray model', () => {
  it('says "3 accounts · next refresh in 12 min · 1 needs attention"', () => {
    const model = buildTrayModel(
      state({
        accounts: [
          acct({ expiresAt: NOW + 17 * MIN }), // due at +12 min with a 5 min window
          acct({ expiresAt: NOW + 90 * MIN }),
          acct({ status: 'needs_reauth', expiresAt: NOW - MIN }),
        ],
      }),
    );
    expect(model.tooltip).toBe('3 accounts · next refresh in 12 min · 1 needs attention');
    expect(model.icon).toBe('attention');
    expect(model.menu[0]).toEqual({ type: 'info', label: model.tooltip });
  });

  it('is ok with healthy accounts, and pluralises', () => {
    const one = buildTrayModel(state({ accounts: [acct()] }));
    expect(one.icon).toBe('ok');
    expect(one.tooltip).toBe('1 account · next refresh in 55 min');
    const failing = buildTrayModel(state({ accounts: [acct({ status: 'refresh_failing' }), acct({ status: 'needs_reauth' })] }));
    expect(failing.tooltip).toBe('2 accounts · next refresh in 55 min · 2 need attention');
  });

  it('handles no accounts, a locked vault, due-now, paused and refreshing states', () => {
    expect(buildTrayModel(state()).tooltip).toBe('No accounts');
    expect(buildTrayModel(state()).icon).toBe('ok');
    const locked = buildTrayModel(state({ vaultLocked: true, accounts: [acct()] }));
    expect(locked).toMatchObject({ icon: 'attention', tooltip: 'Vault locked' });
    expect(buildTrayModel(state({ accounts: [acct({ expiresAt: NOW + MIN })] })).tooltip).toBe('1 account · refresh due now');
    expect(buildTrayModel(state({ accounts: [acct()], paused: true })).tooltip).toBe('1 account · background refresh paused');
    expect(buildTrayModel(state({ accounts: [acct()], refreshingAll: true })).tooltip).toBe('1 account · refreshing now');
  });

  it('menu: Open, Refresh all now, Pause/Resume, Quit — enabled only when they can act', () => {
    expect(actions(state({ accounts: [acct()] }))).toEqual([
      { action: 'open', label: 'Open OsMEN Credential Manager', enabled: true },
      { action: 'refresh-all', label: 'Refresh all now', enabled: true },
      { action: 'toggle-pause', label: 'Pause background refresh', enabled: true },
      { action: 'quit', label: 'Quit', enabled: true },
    ]);
    expect(actions(state({ accounts: [acct()], paused: true }))[2]).toEqual({
      action: 'toggle-pause',
      label: 'Resume background refresh',
      enabled: true,
    });
    expect(actions(state())[1]?.enabled).toBe(false); // nothing to refresh
    expect(actions(state({ accounts: [acct()], refreshingAll: true }))[1]).toEqual({
      action: 'refresh-all',
      label: 'Refreshing…',
      enabled: false,
    });
    const locked = actions(state({ vaultLocked: true, accounts: [acct()] }));
    expect(locked.map((a) => [a.action, a.enabled])).toEqual([
      ['open', true],
      ['refresh-all', false],
      ['toggle-pause', false],
      ['quit', true],
    ]);
  });

  it('plans the next refresh from active accounts with a refresh token and an expiry only', () => {
    expect(
      nextRefreshAt({
        refreshWindowMs: 5 * MIN,
        accounts: [
          acct({ status: 'needs_reauth', expiresAt: NOW + MIN }),
          acct({ hasRefreshToken: false, expiresAt: NOW + 2 * MIN }),
          acct({ expiresAt: null }),
          acct({ expiresAt: NOW + 30 * MIN }),
          acct({ status: 'refresh_failing', expiresAt: NOW + 20 * MIN }),
        ],
      }),
    ).toBe(NOW + 15 * MIN);
    expect(nextRefreshAt({ refreshWindowMs: 0, accounts: [] })).toBeNull();
  });

  it('formats waits without ever saying "0 min" for a future time', () => {
    expect(formatWait(0)).toBe('now');
    expect(formatWait(1)).toBe('1 min');
    expect(formatWait(12 * MIN)).toBe('12 min');
    expect(formatWait(125 * MIN)).toBe('2 h 5 min');
    expect(formatWait(120 * MIN)).toBe('2 h');
    expect(formatWait(72 * 60 * MIN)).toBe('3 d');
  });
});
