import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AccountDto, AppStatusDto, SettingsDto } from '../../shared/ipc-contract';
import appIcon from '../../../resources/icon.png';
import { bridge, call, errorText } from './api';
import { AccountsView } from './views/AccountsView';
import { ConnectView } from './views/ConnectView';
import { HealthView } from './views/HealthView';
import { LockedView } from './views/LockedView';
import { LogView } from './views/LogView';
import { SettingsView } from './views/SettingsView';

export type ViewId = 'accounts' | 'connect' | 'log' | 'health' | 'settings';

const NAV: Array<{ id: ViewId; label: string; icon: string }> = [
  { id: 'accounts', label: 'Accounts', icon: '◎' },
  { id: 'connect', label: 'Connect', icon: '+' },
  { id: 'log', label: 'Security log', icon: '≣' },
  { id: 'health', label: 'Health', icon: '✓' },
  { id: 'settings', label: 'Settings', icon: '⚙' },
];

const DEFAULT_WINDOW_MS = 300_000;

const KEY_SOURCE_LABEL = {
  env: 'OAUTH_ENCRYPTION_KEY',
  keychain: 'OS keychain',
  'keychain-created': 'OS keychain (new)',
  explicit: 'provided by the caller',
} as const;

export function App(): React.JSX.Element {
  const [status, setStatus] = useState<AppStatusDto | null>(null);
  const [statusError, setStatusError] = useState<string | null>(null);
  const [view, setView] = useState<ViewId>('accounts');
  const [accounts, setAccounts] = useState<AccountDto[] | null>(null);
  const [accountsError, setAccountsError] = useState<string | null>(null);
  const [refreshing, setRefreshing] = useState<ReadonlySet<string>>(new Set());
  const [settings, setSettings] = useState<SettingsDto | null>(null);
  const [providerNames, setProviderNames] = useState<Record<string, string>>({});
  const navRefs = useRef<Array<HTMLButtonElement | null>>([]);
  const mainRef = useRef<HTMLElement | null>(null);

  const loadAccounts = useCallback(async () => {
    try {
      setAccounts(await call(bridge().listAccounts()));
      setAccountsError(null);
    } catch (err) {
      setAccountsError(errorText(err));
    }
  }, []);

  useEffect(() => {
    call(bridge().appStatus())
      .then(setStatus)
      .catch((err: unknown) => setStatusError(errorText(err)));
  }, []);

  const ready = status?.vault === 'ready';

  useEffect(() => {
    if (!ready) return;
    void loadAccounts();
    call(bridge().getSettings())
      .then(setSettings)
      .catch(() => undefined);
    call(bridge().listProviders())
      .then((list) => setProviderNames(Object.fromEntries(list.map((p) => [p.id, p.displayName]))))
      .catch(() => undefined);
    const offAccounts = bridge().onAccountsChanged(() => void loadAccounts());
    const offReauth = bridge().onNeedsReauth(() => void loadAccounts());
    const offFailed = bridge().onRefreshFailed(() => void loadAccounts());
    const offSettings = bridge().onSettingsChanged(setSettings);
    const offState = bridge().onRefreshState(({ provider, userId, refreshing: on }) => {
      setRefreshing((prev) => {
        const next = new Set(prev);
        const key = `${provider}\u0000${userId}`;
        if (on) next.add(key);
        else next.delete(key);
        return next;
      });
    });
    return () => {
      offAccounts();
      offReauth();
      offFailed();
      offState();
      offSettings();
    };
  }, [ready, loadAccounts]);

  const attention = useMemo(
    () => (accounts ?? []).filter((a) => a.status !== 'active').length,
    [accounts],
  );

  const go = (id: ViewId): void => {
    setView(id);
    // Move focus to the view's heading so keyboard and screen-reader users land in it.
    window.requestAnimationFrame(() => mainRef.current?.querySelector<HTMLElement>('h1')?.focus());
  };

  const onNavKey = (event: React.KeyboardEvent, index: number): void => {
    let next = -1;
    if (event.key === 'ArrowDown') next = (index + 1) % NAV.length;
    else if (event.key === 'ArrowUp') next = (index - 1 + NAV.length) % NAV.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = NAV.length - 1;
    if (next >= 0) {
      event.preventDefault();
      navRefs.current[next]?.focus();
    }
  };

  if (statusError) {
    return (
      <main className="locked" ref={mainRef}>
        <div className="locked-card" role="alert">
          <h1 tabIndex={-1}>The app could not start</h1>
          <p>{statusError}</p>
        </div>
      </main>
    );
  }
  if (!status) {
    return (
      <main className="splash" aria-busy="true">
        <p className="muted">Opening the vault…</p>
      </main>
    );
  }
  if (status.vault === 'locked') return <LockedView status={status} />;

  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <img className="brand-mark" src={appIcon} alt="" width={34} height={34} />
          <span>
            <strong>OsMEN</strong>
            <span className="brand-sub">Credential Manager</span>
          </span>
        </div>
        <nav aria-label="Sections">
          <ul>
            {NAV.map((item, index) => (
              <li key={item.id}>
                <button
                  type="button"
                  ref={(el) => {
                    navRefs.current[index] = el;
                  }}
                  className={view === item.id ? 'nav-item active' : 'nav-item'}
                  aria-current={view === item.id ? 'page' : undefined}
                  onClick={() => go(item.id)}
                  onKeyDown={(e) => onNavKey(e, index)}
                >
                  <span className="nav-icon" aria-hidden="true">
                    {item.icon}
                  </span>
                  {item.label}
                  {item.id === 'accounts' && attention > 0 && (
                    <span className="nav-badge" aria-label={`${attention} need attention`}>
                      {attention}
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <p className="sidebar-foot muted">
          Key: {KEY_SOURCE_LABEL[status.keySource ?? 'keychain']} · v{status.version}
        </p>
      </aside>
      <main className="content" ref={mainRef}>
        {view === 'accounts' && (
          <AccountsView
            accounts={accounts}
            error={accountsError}
            refreshing={refreshing}
            providerNames={providerNames}
            windowMs={settings?.refreshWindowMs ?? DEFAULT_WINDOW_MS}
            onChanged={loadAccounts}
            onConnect={() => go('connect')}
          />
        )}
        {view === 'connect' && (
          <ConnectView
            onConnected={() => {
              void loadAccounts();
              go('accounts');
            }}
            onProvidersChanged={(list) => setProviderNames(Object.fromEntries(list.map((p) => [p.id, p.displayName])))}
          />
        )}
        {view === 'log' && <LogView providerNames={providerNames} />}
        {view === 'health' && <HealthView />}
        {view === 'settings' && <SettingsView settings={settings} onSaved={setSettings} />}
      </main>
    </div>
  );
}
