import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AppStatusDto } from '../../shared/ipc-contract';
import appIcon from '../../../resources/icon.png';
import { bridge, call, errorText } from './api';
import { ConsentDialog } from './components/ConsentDialog';
import { DeviceSignInPanel } from './components/DeviceSignInPanel';
import { SignInPanel } from './components/SignInPanel';
import { useAccounts } from './hooks/useAccounts';
import { useDeviceSignIn } from './hooks/useDeviceSignIn';
import { useProviders } from './hooks/useProviders';
import { useSettings } from './hooks/useSettings';
import { useSignIn } from './hooks/useSignIn';
import { AccountsView } from './views/accounts/AccountsView';
import { ConnectView } from './views/ConnectView';
import { HealthView } from './views/HealthView';
import { LockedView } from './views/LockedView';
import { LogView } from './views/log/LogView';
import { SettingsView } from './views/SettingsView';
import { ConsentOffer } from './views/programs/ProgramsSection';

export type ViewId = 'accounts' | 'connect' | 'log' | 'health' | 'settings';

const NAV: Array<{ id: ViewId; label: string; icon: string }> = [
  { id: 'accounts', label: 'Accounts', icon: '◎' },
  { id: 'connect', label: 'Connect', icon: '+' },
  { id: 'log', label: 'Security log', icon: '≣' },
  { id: 'health', label: 'Health', icon: '✓' },
  { id: 'settings', label: 'Settings', icon: '⚙' },
];

/** Where the master key is, as the footer says it (a key made at this start is in the keychain like any other). */
const KEY_SOURCE_LABEL = {
  env: 'Master key from OAUTH_ENCRYPTION_KEY',
  keychain: 'Master key in the OS keychain',
  'keychain-created': 'Master key in the OS keychain',
  explicit: 'Master key given at start',
} as const;

export function App(): React.JSX.Element {
  const [status, setStatus] = useState<AppStatusDto | null>(null);
  const [statusError, setStatusError] = useState<string | null>(null);
  const [view, setView] = useState<ViewId>('accounts');
  // A built-in provider Settings → Providers should scroll to (Connect's "Set up" link).
  const [providerFocus, setProviderFocus] = useState<string | null>(null);
  const navRefs = useRef<Array<HTMLButtonElement | null>>([]);
  const mainRef = useRef<HTMLElement | null>(null);

  useEffect(() => {
    call(bridge().appStatus())
      .then(setStatus)
      .catch((err: unknown) => setStatusError(errorText(err)));
  }, []);

  const ready = status?.vault === 'ready';
  const accounts = useAccounts(ready);
  const settings = useSettings(ready);
  const providers = useProviders(ready);
  const signIn = useSignIn(ready);
  const device = useDeviceSignIn(ready);

  const providerIds = useMemo(() => new Set((providers.providers ?? []).map((p) => p.id)), [providers.providers]);
  const attention = useMemo(() => (accounts.accounts ?? []).filter((a) => a.status !== 'active').length, [accounts.accounts]);

  const go = useCallback((id: ViewId): void => {
    setView(id);
    setProviderFocus(null);
    // Move focus to the view's heading so keyboard and screen-reader users land in it.
    window.requestAnimationFrame(() => mainRef.current?.querySelector<HTMLElement>('h1')?.focus());
  }, []);
  // Straight to a provider's client id in Settings (the field takes the focus itself).
  const setUpProvider = useCallback((providerId: string): void => {
    setView('settings');
    setProviderFocus(providerId);
  }, []);

  const onNavKey = (event: React.KeyboardEvent, index: number): void => {
    let next = -1;
    if (event.key === 'ArrowDown' || event.key === 'ArrowRight') next = (index + 1) % NAV.length;
    else if (event.key === 'ArrowUp' || event.key === 'ArrowLeft') next = (index - 1 + NAV.length) % NAV.length;
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
  if (status.vault === 'locked') return <LockedView status={status} onStatus={setStatus} />;

  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <img className="brand-mark" src={appIcon} alt="" width={34} height={34} />
          <span className="brand-text">
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
          {KEY_SOURCE_LABEL[status.keySource ?? 'keychain']} · v{status.version}
        </p>
      </aside>
      <main className="content" ref={mainRef}>
        <ConsentDialog ready={ready} />
        <ConsentOffer ready={ready} />
        <SignInPanel signIn={signIn} providerName={providers.nameOf} />
        <DeviceSignInPanel device={device} providerName={providers.nameOf} />
        {view === 'accounts' && (
          <AccountsView
            state={accounts}
            providers={providers.providers}
            nameOf={providers.nameOf}
            settings={settings.settings}
            onResume={async () => {
              await settings.save({ backgroundRefreshPaused: false });
            }}
            signIn={signIn}
            onConnect={() => go('connect')}
          />
        )}
        {view === 'connect' && (
          <ConnectView
            providers={providers}
            signIn={signIn}
            device={device}
            onConnected={(account) => {
              accounts.merge(account);
              go('accounts');
            }}
            onOpenHealth={() => go('health')}
            onSetUp={setUpProvider}
          />
        )}
        {view === 'log' && <LogView providerName={providers.nameOf} providerIds={providerIds} accounts={accounts.accounts} />}
        {view === 'health' && <HealthView />}
        {view === 'settings' && (
          <SettingsView
            settings={settings.settings}
            save={settings.save}
            providerFocus={providerFocus}
            onProvidersChanged={providers.reload}
          />
        )}
      </main>
    </div>
  );
}
