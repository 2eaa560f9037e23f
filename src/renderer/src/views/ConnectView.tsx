import { useCallback, useEffect, useId, useState } from 'react';
import type { AccountDto, ProviderDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText } from '../api';
import { ProviderMark } from '../components/ProviderMark';

interface Props {
  onConnected(account: AccountDto): void;
  onProvidersChanged?(providers: ProviderDto[]): void;
}

const DEFAULT_SCOPES = 'openid profile email offline_access';

export function ConnectView(props: Props): React.JSX.Element {
  const [providers, setProviders] = useState<ProviderDto[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<{ provider: string; text: string } | null>(null);
  const [tenant, setTenant] = useState('common');
  const tenantId = useId();

  const load = useCallback(async () => {
    try {
      const list = await call(bridge().listProviders());
      setProviders(list);
      props.onProvidersChanged?.(list);
      setLoadError(null);
    } catch (err) {
      setLoadError(errorText(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const connect = async (provider: ProviderDto): Promise<void> => {
    setPending(provider.id);
    setError(null);
    try {
      const req =
        provider.kind === 'microsoft' && tenant.trim() !== ''
          ? { providerId: provider.id, tenant: tenant.trim() }
          : { providerId: provider.id };
      const account = await call(bridge().connectAccount(req));
      props.onConnected(account);
    } catch (err) {
      setError({ provider: provider.id, text: errorText(err) });
    } finally {
      setPending(null);
    }
  };

  const cancel = async (): Promise<void> => {
    await bridge().cancelConnect();
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
      {pending && (
        <div className="progress-panel" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" />
          <div>
            <strong>Waiting for you to finish signing in…</strong>
            <p className="muted small">
              A browser window opened for {providers?.find((p) => p.id === pending)?.displayName ?? pending}. Come back here
              when it says you can close it.
            </p>
          </div>
          <button type="button" className="btn" onClick={() => void cancel()}>
            Cancel
          </button>
        </div>
      )}
      {loadError && (
        <p className="banner banner-error" role="alert">
          {loadError}
        </p>
      )}
      {providers === null && !loadError && (
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
              {error?.provider === p.id && (
                <p className="inline-msg error" role="alert">
                  {error.text}
                </p>
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
      <CustomProviderForm onAdded={() => void load()} disabled={pending !== null} />
    </section>
  );
}

function CustomProviderForm({ onAdded, disabled }: { onAdded(): void; disabled: boolean }): React.JSX.Element {
  const base = useId();
  const [id, setId] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [issuer, setIssuer] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [scopes, setScopes] = useState(DEFAULT_SCOPES);
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    setSaving(true);
    setResult(null);
    try {
      const req = {
        id: id.trim(),
        issuer: issuer.trim(),
        clientId: clientId.trim(),
        scopes: scopes.split(/\s+/).filter(Boolean),
        ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
        ...(clientSecret ? { clientSecret } : {}),
      };
      const added = await call(bridge().addCustomProvider(req));
      setResult({ kind: 'info', text: `Added ${added.displayName}. It is listed above; connect it there.` });
      setClientSecret('');
      onAdded();
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="panel custom-form" onSubmit={(e) => void submit(e)} aria-labelledby={`${base}-title`}>
      <h2 id={`${base}-title`}>Add an OpenID Connect provider</h2>
      <p className="muted small">Any issuer with discovery (/.well-known/openid-configuration). https only; http only on this computer.</p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${base}-id`}>Provider ID</label>
          <input id={`${base}-id`} value={id} onChange={(e) => setId(e.target.value)} required pattern="[a-z0-9][a-z0-9_\-]{0,39}" placeholder="e.g. okta-work" spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor={`${base}-name`}>Display name</label>
          <input id={`${base}-name`} value={displayName} onChange={(e) => setDisplayName(e.target.value)} placeholder="Optional" />
        </div>
        <div className="field span-2">
          <label htmlFor={`${base}-issuer`}>Issuer URL</label>
          <input id={`${base}-issuer`} type="url" value={issuer} onChange={(e) => setIssuer(e.target.value)} required placeholder="https://login.example.com" spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor={`${base}-client`}>Client ID</label>
          <input id={`${base}-client`} value={clientId} onChange={(e) => setClientId(e.target.value)} required spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor={`${base}-secret`}>Client secret</label>
          <input id={`${base}-secret`} type="password" value={clientSecret} onChange={(e) => setClientSecret(e.target.value)} placeholder="Only if the provider requires one" autoComplete="off" />
        </div>
        <div className="field span-2">
          <label htmlFor={`${base}-scopes`}>Scopes</label>
          <input id={`${base}-scopes`} value={scopes} onChange={(e) => setScopes(e.target.value)} required spellCheck={false} />
        </div>
      </div>
      {result && (
        <p className={`inline-msg ${result.kind}`} role={result.kind === 'error' ? 'alert' : 'status'}>
          {result.text}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={saving || disabled}>
          {saving ? 'Checking issuer…' : 'Add provider'}
        </button>
      </div>
    </form>
  );
}
