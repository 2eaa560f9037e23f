import { useId, useState } from 'react';
import type { CustomProviderConfigDto, FieldCheckDto, FieldCheckRequest, SecretChange } from '../../../../shared/ipc-contract';
import { bridge, call, errorInfo, type ErrorInfo } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { FieldMessage } from '../../components/FieldMessage';
import { useFieldCheck } from '../../hooks/useFieldCheck';
import './providers.css';

const DEFAULT_SCOPES = 'openid profile email offline_access';

interface Props {
  /** Edit an existing provider (its id is fixed); without it a new one is added. */
  editing?: CustomProviderConfigDto;
  disabled?: boolean;
  /** The heading level that fits where the form is shown. */
  headingLevel?: 2 | 3;
  onSaved(saved: { id: string; name: string }): void;
  onCancel?(): void;
}

/**
 * Adds an OpenID Connect issuer (its discovery document is fetched and checked by main when it is
 * saved), or edits one explicitly. Each field is checked by main as it is typed. A secret goes to
 * the vault and never comes back: editing shows only whether one is stored.
 */
export function CustomProviderEditor({ editing, disabled = false, headingLevel = 2, onSaved, onCancel }: Props): React.JSX.Element {
  const base = useId();
  const [id, setId] = useState(editing?.id ?? '');
  const [displayName, setDisplayName] = useState(editing?.displayName ?? '');
  const [issuer, setIssuer] = useState(editing?.issuer ?? '');
  const [clientId, setClientId] = useState(editing?.clientId ?? '');
  const [clientSecret, setClientSecret] = useState('');
  const [removeSecret, setRemoveSecret] = useState(false);
  const [scopes, setScopes] = useState(editing ? editing.scopes.join(' ') : DEFAULT_SCOPES);
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<{ kind: 'error'; error: ErrorInfo } | { kind: 'info'; text: string } | null>(null);

  const touched = (value: string, initial: string | undefined): boolean => value !== '' && value !== (initial ?? '');
  const idCheck = useFieldCheck(!editing && id !== '' ? { field: 'provider-id', value: id } : null);
  const issuerCheck = useFieldCheck(touched(issuer, editing?.issuer) ? { field: 'issuer', value: issuer } : null);
  const clientCheck = useFieldCheck(
    touched(clientId, editing?.clientId) ? { field: 'client-id', provider: 'custom', value: clientId } : null,
  );
  const secretCheck = useFieldCheck(clientSecret !== '' ? { field: 'client-secret', provider: 'custom', value: clientSecret } : null);
  const scopesCheck = useFieldCheck(
    touched(scopes, editing ? editing.scopes.join(' ') : DEFAULT_SCOPES)
      ? ({ field: 'scopes', value: scopes } satisfies FieldCheckRequest)
      : null,
  );
  const blocking = [idCheck, issuerCheck, clientCheck, secretCheck, scopesCheck].some((c: FieldCheckDto | null) => c?.status === 'error');
  const issuerLocked = editing !== undefined && editing.accounts > 0 && issuer.trim() !== editing.issuer;

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    setSaving(true);
    setResult(null);
    const common = {
      issuer: issuer.trim(),
      clientId: clientId.trim(),
      scopes: scopes.split(/\s+/).filter(Boolean),
      ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
    };
    try {
      if (editing) {
        const secret: SecretChange = removeSecret
          ? { action: 'clear' }
          : clientSecret
            ? { action: 'set', value: clientSecret }
            : { action: 'keep' };
        const saved = await call(bridge().updateCustomProvider({ id: editing.id, ...common, clientSecret: secret }));
        setResult({ kind: 'info', text: `Saved ${saved.displayName ?? saved.id}.` });
        onSaved({ id: saved.id, name: saved.displayName ?? saved.id });
      } else {
        const added = await call(bridge().addCustomProvider({ id: id.trim(), ...common, ...(clientSecret ? { clientSecret } : {}) }));
        setResult({ kind: 'info', text: `Added ${added.displayName}. Connect it from Connect.` });
        setId('');
        onSaved({ id: added.id, name: added.displayName });
      }
      setClientSecret('');
      setRemoveSecret(false);
    } catch (err) {
      setResult({ kind: 'error', error: errorInfo(err) });
    } finally {
      setSaving(false);
    }
  };

  // A note about the last save describes the fields as they were: it goes when one changes.
  const edited = <T,>(set: (value: T) => void, value: T): void => {
    set(value);
    setResult(null);
  };

  const Heading = `h${headingLevel}` as const;
  const field = (name: string) => ({ id: `${base}-${name}`, 'aria-describedby': `${base}-${name}-check` });
  return (
    <form
      className="panel custom-form"
      onSubmit={(e) => void submit(e)}
      aria-labelledby={`${base}-title`}
      data-testid="custom-provider-form"
    >
      <Heading id={`${base}-title`}>{editing ? `Edit ${editing.displayName ?? editing.id}` : 'Add an OpenID Connect provider'}</Heading>
      <p className="muted small">
        Any issuer with discovery (/.well-known/openid-configuration), checked when you save. https only; http only on this computer.
      </p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${base}-id`}>Provider ID</label>
          <input
            {...field('id')}
            value={id}
            onChange={(e) => edited(setId, e.target.value)}
            required
            readOnly={editing !== undefined}
            placeholder="e.g. okta-work"
            spellCheck={false}
          />
          <FieldMessage id={`${base}-id-check`} check={idCheck} />
        </div>
        <div className="field">
          <label htmlFor={`${base}-name`}>Display name</label>
          <input id={`${base}-name`} value={displayName} onChange={(e) => edited(setDisplayName, e.target.value)} placeholder="Optional" />
        </div>
        <div className="field span-2">
          <label htmlFor={`${base}-issuer`}>Issuer URL</label>
          <input
            {...field('issuer')}
            type="url"
            value={issuer}
            onChange={(e) => edited(setIssuer, e.target.value)}
            required
            placeholder="https://login.example.com"
            spellCheck={false}
          />
          <FieldMessage id={`${base}-issuer-check`} check={issuerCheck} />
          {issuerLocked && (
            <p className="hint small" role="status">
              {editing.accounts} account{editing.accounts === 1 ? ' is' : 's are'} connected at the current issuer, so it can’t change.
              Disconnect them first, or add the new issuer as another provider.
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={`${base}-client`}>Client ID</label>
          <input {...field('client')} value={clientId} onChange={(e) => edited(setClientId, e.target.value)} required spellCheck={false} />
          <FieldMessage id={`${base}-client-check`} check={clientCheck} />
        </div>
        <div className="field">
          <label htmlFor={`${base}-secret`}>Client secret</label>
          <input
            {...field('secret')}
            type="password"
            value={clientSecret}
            onChange={(e) => edited(setClientSecret, e.target.value)}
            placeholder={editing?.hasClientSecret ? 'Stored; type to replace' : 'Only if required'}
            autoComplete="off"
            disabled={removeSecret}
          />
          <FieldMessage id={`${base}-secret-check`} check={secretCheck} />
          {editing?.hasClientSecret && (
            <label className="check-row small">
              <input type="checkbox" checked={removeSecret} onChange={(e) => edited(setRemoveSecret, e.target.checked)} /> Remove the stored
              secret
            </label>
          )}
        </div>
        <div className="field span-2">
          <label htmlFor={`${base}-scopes`}>Scopes</label>
          <input {...field('scopes')} value={scopes} onChange={(e) => edited(setScopes, e.target.value)} required spellCheck={false} />
          <FieldMessage id={`${base}-scopes-check`} check={scopesCheck} />
        </div>
      </div>
      {result?.kind === 'info' && (
        <p className="inline-msg info" role="status">
          {result.text}
        </p>
      )}
      {result?.kind === 'error' && <ErrorNotice error={result.error} live />}
      <div className="form-actions">
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel} disabled={saving}>
            Cancel
          </button>
        )}
        <button type="submit" className="btn btn-primary" disabled={saving || disabled || blocking || issuerLocked}>
          {saving ? 'Checking issuer…' : editing ? 'Save changes' : 'Add provider'}
        </button>
      </div>
    </form>
  );
}
