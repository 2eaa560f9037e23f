/**
 * What the tray shows, as a pure function of the app's state: icon (ok /
 * attention), tooltip ("3 accounts · next refresh in 12 min · 1 needs
 * attention") and menu. tray.ts turns this into Electron objects; the unit
 * tests check it directly.
 */

export interface TrayAccount {
  status: 'active' | 'needs_reauth' | 'refresh_failing';
  /** Epoch ms; null when the provider gave no lifetime. */
  expiresAt: number | null;
  hasRefreshToken: boolean;
}

export interface TrayState {
  vaultLocked: boolean;
  accounts: readonly TrayAccount[];
  refreshWindowMs: number;
  paused: boolean;
  /** A "Refresh all now" is running. */
  refreshingAll: boolean;
  now: number;
}

export type TrayAction = 'open' | 'refresh-all' | 'toggle-pause' | 'quit';

export type TrayMenuItem =
  { type: 'action'; action: TrayAction; label: string; enabled: boolean } | { type: 'info'; label: string } | { type: 'separator' };

export interface TrayModel {
  icon: 'ok' | 'attention';
  tooltip: string;
  menu: TrayMenuItem[];
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "now", "1 min", "12 min", "2 h 5 min", "3 d". Rounded up so "in 0 min" never shows for a future time. */
export function formatWait(ms: number): string {
  if (ms <= 0) return 'now';
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
  }
  return `${Math.floor(hours / 24)} d`;
}

/** Earliest planned refresh among accounts the scheduler will refresh; null when none. */
export function nextRefreshAt(state: Pick<TrayState, 'accounts' | 'refreshWindowMs'>): number | null {
  let next: number | null = null;
  for (const a of state.accounts) {
    if (a.status === 'needs_reauth' || a.expiresAt === null || !a.hasRefreshToken) continue;
    const due = a.expiresAt - state.refreshWindowMs;
    if (next === null || due < next) next = due;
  }
  return next;
}

export function buildTrayModel(state: TrayState): TrayModel {
  const attention = state.accounts.filter((a) => a.status !== 'active').length;
  const count = state.accounts.length;
  const parts: string[] = [];
  if (state.vaultLocked) {
    parts.push('Vault locked');
  } else {
    parts.push(count === 0 ? 'No accounts' : plural(count, 'account', 'accounts'));
    if (state.paused) parts.push('background refresh paused');
    else if (state.refreshingAll) parts.push('refreshing now');
    else {
      const next = nextRefreshAt(state);
      if (next !== null) {
        const wait = next - state.now;
        parts.push(wait <= 0 ? 'refresh due now' : `next refresh in ${formatWait(wait)}`);
      }
    }
    if (attention > 0) parts.push(`${attention} need${attention === 1 ? 's' : ''} attention`);
  }
  const tooltip = parts.join(' · ');
  const icon: TrayModel['icon'] = state.vaultLocked || attention > 0 ? 'attention' : 'ok';

  const menu: TrayMenuItem[] = [{ type: 'info', label: tooltip }, { type: 'separator' }];
  menu.push({ type: 'action', action: 'open', label: 'Open OsMEN Credential Manager', enabled: true });
  menu.push({
    type: 'action',
    action: 'refresh-all',
    label: state.refreshingAll ? 'Refreshing…' : 'Refresh all now',
    enabled: !state.vaultLocked && count > 0 && !state.refreshingAll,
  });
  menu.push({
    type: 'action',
    action: 'toggle-pause',
    label: state.paused ? 'Resume background refresh' : 'Pause background refresh',
    enabled: !state.vaultLocked,
  });
  menu.push({ type: 'separator' });
  menu.push({ type: 'action', action: 'quit', label: 'Quit', enabled: true });
  return { icon, tooltip, menu };
}
