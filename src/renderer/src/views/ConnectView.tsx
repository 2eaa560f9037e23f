import { useId, useState } from 'react';
import type { AccountDto, ProviderDto } from '../../../shared/ipc-contract';
import { errorInfo, type ErrorInfo } from '../api';
import { ErrorNotice } from '../components/ErrorNotice';
import { ProviderMark } from '../components/ProviderMark';
import type { ProvidersState } from '../hooks/useProviders';
import type { SignInState } from '../hooks/useSignIn';
import { CustomProviderForm } from './CustomProviderForm';
import './connect.css';

interface Props {
  providers: ProvidersState;
  signIn: SignInState;
  onConnected(account: AccountDto): void;
  onOpenHealth(): void;
}

export function ConnectView({ providers: state, signIn, onConnected, onOpenHealth }: Props): React.JSX.Element {
  const [failure, setFailure] = useState<{ provider: string; error: ErrorInfo } | null>(null);
  const [tenant, setTenant] = useState('common');
  const tenantId = useId();
  const providers = state.providers;
  const pending = signIn.pending?.providerId ?? null;

  const connect = async (provider: ProviderDto): Promise<void> => {
    setFailure(null);
    try {
      const req =
        provider.kind === 'microsoft' && tenant.trim() !== ''
          ? { providerId: provider.id, tenant: tenant.trim() }
          : { providerId: provider.id };
      onConnected(await signIn.connect(req));
    } catch (err) {
      setFailure({ provider: provider.id, error: errorInfo(err) });
    }
  };

  return (
    <section aria-labelledby="connect-title">
      <header className="view-header">
        <div>
          <h1 id="connect-title" tabIndex={-1}>
            Connect an account
          </h1>
          <p className="muted">
            Sign-in happens in your browser with PKCE; the app receives the result on a one-time loopback address.
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
                  <p className="muted small">{p.issuer ?? (p.kind === 'oauth2' ? 'OAuth 2.0' : 'OpenID Connect')}</p>
                </div>
              </div>
              {p.kind === 'microsoft' && (
                <div className="field">
                  <label htmlFor={tenantId}>Tenant</label>
                  <input
                    id={tenantId}
                    value={tenant}
                    onChange={(e) => setTenant(e.target.value)}
                    placeholder="common, organizations, consumers or a tenant ID"
                    aria-describedby={`${tenantId}-help`}
                    spellCheck={false}
                  />
                  <p id={`${tenantId}-help`} className="help">
                    “common” accepts work, school and personal accounts.
                  </p>
                </div>
              )}
              {!p.configured && p.configHint && <p className="hint small">{p.configHint}</p>}
              {failure?.provider === p.id && (
                <ErrorNotice
                  error={failure.error}
                  live
                  actions={{
                    connect: { label: 'Try again', run: () => void connect(p), disabled: pending !== null },
                    health: { label: 'Open Health', run: onOpenHealth },
                  }}
                />
              )}
              <button
                type="button"
                className="btn btn-primary"
                disabled={pending !== null || !p.configured}
                onClick={() => void connect(p)}
              >
                {pending === p.id ? 'Signing in…' : 'Connect'}
                <span className="visually-hidden"> {p.displayName}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <CustomProviderForm onAdded={() => void state.reload()} disabled={pending !== null} />
    </section>
  );
}
