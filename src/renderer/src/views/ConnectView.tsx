import { useEffect, useId, useRef, useState } from 'react';
import type { AccountDto, ProviderDto } from '../../../shared/ipc-contract';
import { errorInfo, type ErrorInfo } from '../api';
import { BreakableUrl } from '../components/BreakableUrl';
import { ErrorNotice } from '../components/ErrorNotice';
import { ProviderMark } from '../components/ProviderMark';
import type { DeviceSignInState } from '../hooks/useDeviceSignIn';
import { deviceUnavailableText, useDeviceSupport, type DeviceSupportState } from '../hooks/useDeviceSupport';
import type { ProvidersState } from '../hooks/useProviders';
import type { SignInState } from '../hooks/useSignIn';
import { CustomProviderEditor } from './providers/CustomProviderEditor';
import './connect.css';

interface Props {
  providers: ProvidersState;
  signIn: SignInState;
  device: DeviceSignInState;
  onConnected(account: AccountDto): void;
  onOpenHealth(): void;
  /** Settings → Providers, at this built-in provider's client id. */
  onSetUp(providerId: string): void;
}

export function ConnectView({ providers: state, signIn, device, onConnected, onOpenHealth, onSetUp }: Props): React.JSX.Element {
  const [failure, setFailure] = useState<{ provider: string; error: ErrorInfo } | null>(null);
  // The person's own cancel: a quiet note on the card, and the focus back on its Connect button.
  const [cancelled, setCancelled] = useState<string | null>(null);
  const connectButtons = useRef(new Map<string, HTMLButtonElement>());
  useEffect(() => {
    if (cancelled !== null) connectButtons.current.get(cancelled)?.focus();
  }, [cancelled]);
  const [tenant, setTenant] = useState('common');
  const tenantId = useId();
  const providers = state.providers;
  const support = useDeviceSupport(providers);
  const pending = signIn.pending?.providerId ?? device.pending?.providerId ?? null;

  const request = (provider: ProviderDto) =>
    provider.kind === 'microsoft' && tenant.trim() !== ''
      ? { providerId: provider.id, tenant: tenant.trim() }
      : { providerId: provider.id };

  const connect = async (provider: ProviderDto, how: 'browser' | 'device'): Promise<void> => {
    setFailure(null);
    setCancelled(null);
    try {
      onConnected(await (how === 'device' ? device.start(request(provider)) : signIn.connect(request(provider))));
    } catch (err) {
      const error = errorInfo(err);
      if (error.code === 'cancelled') setCancelled(provider.id);
      else setFailure({ provider: provider.id, error });
    }
  };

  const deviceOption = (p: ProviderDto, s: DeviceSupportState | undefined): React.JSX.Element | null => {
    if (!p.configured) return null;
    if (s === undefined || s === 'checking') {
      return <p className="muted small">Checking whether {p.displayName} offers sign-in on another device…</p>;
    }
    if (!s.supported) {
      return (
        <p className="muted small device-unavailable" data-testid="device-unavailable">
          <span className="reason">{deviceUnavailableText(p.displayName, s)}</span>
          {s.code && (
            <>
              {' '}
              <span className="notice-code">
                Code <code>{s.code}</code>
              </span>
            </>
          )}
        </p>
      );
    }
    return (
      <button type="button" className="btn" disabled={pending !== null} onClick={() => void connect(p, 'device')}>
        {device.pending?.providerId === p.id ? 'Waiting for the other device…' : 'Sign in on another device'}
        <span className="visually-hidden"> ({p.displayName})</span>
      </button>
    );
  };

  return (
    <section aria-labelledby="connect-title">
      <header className="view-header">
        <div>
          <h1 id="connect-title" tabIndex={-1}>
            Connect an account
          </h1>
          <p className="muted">
            You sign in on the provider’s own page in your browser; the app never sees your password. No browser on this computer? Sign in
            on another device with a code.
          </p>
        </div>
      </header>
      {state.error && (
        <p className="banner banner-error" role="alert">
          {state.error}
        </p>
      )}
      {providers === null && !state.error && (
        <div className="loading" aria-busy="true">
          <span className="spinner" aria-hidden="true" /> Loading providers…
        </div>
      )}
      {providers !== null && (
        <ul className="provider-grid" aria-label="Providers">
          {providers.map((p) => (
            <li key={p.id} className="provider-card">
              <div className="provider-head">
                <ProviderMark provider={p.kind === 'google' || p.kind === 'microsoft' ? p.kind : p.id} />
                <div>
                  <h2>{p.displayName}</h2>
                  <p className="muted small provider-issuer">
                    {p.issuer ? <BreakableUrl url={p.issuer} /> : p.kind === 'oauth2' ? 'OAuth 2.0' : 'OpenID Connect'}
                  </p>
                </div>
              </div>
              {p.kind === 'microsoft' && p.configured && (
                <div className="field">
                  <label htmlFor={tenantId}>Tenant</label>
                  <input
                    id={tenantId}
                    value={tenant}
                    onChange={(e) => setTenant(e.target.value)}
                    placeholder="common or a tenant ID"
                    aria-describedby={`${tenantId}-help`}
                    spellCheck={false}
                  />
                  <p id={`${tenantId}-help`} className="help">
                    “common” accepts work, school and personal accounts; “organizations” or “consumers” only one kind; a tenant ID or domain
                    only that organisation.
                  </p>
                </div>
              )}
              {!p.configured && p.configHint && (
                <div className="hint small setup-hint">
                  <p>{p.configHint}</p>
                  {(p.kind === 'google' || p.kind === 'microsoft') && (
                    <button type="button" className="btn btn-small" onClick={() => onSetUp(p.id)}>
                      Set up in Settings → Providers<span className="visually-hidden"> ({p.displayName})</span>
                    </button>
                  )}
                </div>
              )}
              {failure?.provider === p.id && (
                <ErrorNotice
                  error={failure.error}
                  live
                  context="sign-in"
                  actions={{
                    connect: { label: 'Try again', run: () => void connect(p, 'browser'), disabled: pending !== null },
                    health: { label: 'Open Health', run: onOpenHealth },
                  }}
                />
              )}
              {cancelled === p.id && (
                <p className="inline-msg" role="status">
                  Sign-in cancelled.
                </p>
              )}
              <div className="card-actions">
                <button
                  type="button"
                  ref={(el) => {
                    if (el) connectButtons.current.set(p.id, el);
                    else connectButtons.current.delete(p.id);
                  }}
                  className="btn btn-primary"
                  disabled={pending !== null || !p.configured}
                  onClick={() => void connect(p, 'browser')}
                >
                  {signIn.pending?.providerId === p.id ? 'Signing in…' : 'Connect'}
                  <span className="visually-hidden"> {p.displayName}</span>
                </button>
                {deviceOption(p, support.get(p.id))}
              </div>
            </li>
          ))}
        </ul>
      )}
      <CustomProviderEditor onSaved={() => void state.reload()} disabled={pending !== null} />
    </section>
  );
}
