import { useId, useState } from 'react';
import { bridge, call, errorInfo, type ErrorInfo } from '../api';
import { ErrorNotice } from '../components/ErrorNotice';

const DEFAULT_SCOPES = 'openid profile email offline_access';

/** Adds an OpenID Connect issuer (discovery) as a provider; the secret goes to the vault, never back. */
export function CustomProviderForm({ onAdded, disabled }: { onAdded(): void; disabled: boolean }): React.JSX.Element {
  const base = useId();
  const [id, setId] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [issuer, setIssuer] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [scopes, setScopes] = useState(DEFAULT_SCOPES);
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<{ kind: 'error'; error: ErrorInfo } | { kind: 'info'; text: string } | null>(null);

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
      setResult({ kind: 'error', error: errorInfo(err) });
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
      {result?.kind === 'info' && (
        <p className="inline-msg info" role="status">
          {result.text}
        </p>
      )}
      {result?.kind === 'error' && <ErrorNotice error={result.error} live />}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={saving || disabled}>
          {saving ? 'Checking issuer…' : 'Add provider'}
        </button>
      </div>
    </form>
  );
}
