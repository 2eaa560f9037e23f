import { useEffect, useId, useRef, useState } from 'react';
import type { BuiltinProviderConfigDto, SecretChange } from '../../../../shared/ipc-contract';
import { bridge, call, errorInfo, type ErrorInfo } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { FieldMessage } from '../../components/FieldMessage';
import { ProviderMark } from '../../components/ProviderMark';
import { useFieldCheck } from '../../hooks/useFieldCheck';

interface Props {
  provider: BuiltinProviderConfigDto;
  /** Scroll here and put the cursor in the client id (from Connect's "Set up" link). */
  focus: boolean;
  onChanged(): void;
}

function sourceText(p: BuiltinProviderConfigDto): string {
  switch (p.clientId.source) {
    case 'app':
      return `Set in this app (used instead of ${p.envNames.clientId})`;
    case 'environment':
      return `From ${p.envNames.clientId} (environment or the data folder’s .env)`;
    default:
      return 'Not set';
  }
}

function secretText(p: BuiltinProviderConfigDto): string {
  if (p.clientSecret.source === 'app') return 'Secret set, kept encrypted in the vault';
  if (p.clientSecret.source === 'environment') return `Secret set, from ${p.envNames.clientSecret}`;
  return p.clientId.source === 'app' ? 'No secret (the environment’s is never used with the app’s client id)' : 'No secret';
}

const TENANT_SOURCE = { app: 'set in this app', environment: 'from MICROSOFT_TENANT', default: 'the default' } as const;

/**
 * One built-in provider: the client id in use and where it comes from (this app, the
 * environment, nowhere), whether a secret is used (never the secret), a form that sets the app's
 * values (checked as they are typed) and one that clears them; Microsoft's tenant.
 */
export function BuiltinProviderPanel({ provider: p, focus, onChanged }: Props): React.JSX.Element {
  const ids = useId();
  const clientRef = useRef<HTMLInputElement | null>(null);
  const panelRef = useRef<HTMLElement | null>(null);
  const appValue = p.clientId.source === 'app' ? (p.clientId.value ?? '') : '';
  const [clientId, setClientId] = useState(appValue);
  const [secret, setSecret] = useState('');
  const [removeSecret, setRemoveSecret] = useState(false);
  const [tenant, setTenant] = useState(p.tenant?.value ?? '');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ kind: 'error'; error: ErrorInfo } | { kind: 'info'; text: string } | null>(null);

  useEffect(() => setClientId(appValue), [appValue]);
  useEffect(() => setTenant(p.tenant?.value ?? ''), [p.tenant?.value]);
  useEffect(() => {
    const panel = panelRef.current;
    if (!focus || !panel) return;
    // Scroll the view (not the window: in a small window that would push the top bar away).
    const main = panel.closest('main');
    if (main) main.scrollTop += panel.getBoundingClientRect().top - main.getBoundingClientRect().top - 16;
    clientRef.current?.focus({ preventScroll: true });
  }, [focus]);

  const kind = p.id;
  const clientCheck = useFieldCheck(
    clientId !== '' && clientId !== appValue ? { field: 'client-id', provider: kind, value: clientId } : null,
  );
  const secretCheck = useFieldCheck(secret !== '' ? { field: 'client-secret', provider: kind, value: secret } : null);
  const tenantCheck = useFieldCheck(p.tenant && tenant !== p.tenant.value ? { field: 'tenant', value: tenant } : null);
  const changingClient = clientId.trim() !== '' && clientId.trim() !== (p.clientId.value ?? '');

  const run = async (action: () => Promise<unknown>, done: string): Promise<void> => {
    setBusy(true);
    setResult(null);
    try {
      await action();
      setResult({ kind: 'info', text: done });
      setSecret('');
      setRemoveSecret(false);
      onChanged();
    } catch (err) {
      setResult({ kind: 'error', error: errorInfo(err) });
    } finally {
      setBusy(false);
    }
  };

  // A note about the last save describes the values as they were: it goes when one is edited.
  const edited = <T,>(set: (value: T) => void, value: T): void => {
    set(value);
    setResult(null);
  };

  const save = (event: React.FormEvent): void => {
    event.preventDefault();
    const change: SecretChange = removeSecret ? { action: 'clear' } : secret ? { action: 'set', value: secret } : { action: 'keep' };
    void run(
      () => call(bridge().setBuiltinClient({ providerId: p.id, clientId: clientId.trim(), clientSecret: change })),
      `${p.displayName}: the client id set here is used from now on${change.action === 'set' ? ', with its secret kept in the vault' : ''}.`,
    );
  };

  return (
    <section
      ref={panelRef}
      className="panel provider-panel"
      id={`provider-settings-${p.id}`}
      aria-labelledby={`${ids}-title`}
      data-testid={`provider-${p.id}`}
    >
      <div className="provider-head">
        <ProviderMark provider={p.id} />
        <div>
          <h3 id={`${ids}-title`}>{p.displayName}</h3>
          <p className={`small ${p.configured ? 'state-ok' : 'state-warn'}`}>
            {p.configured ? 'Ready to connect' : 'Not set up: connecting is not offered'}
          </p>
        </div>
      </div>
      <dl className="provider-values">
        <div>
          <dt>Client id in use</dt>
          <dd>
            {p.clientId.value !== null && <code className="wrap">{p.clientId.value}</code>}
            <span className={`source source-${p.clientId.source}`} data-testid="client-id-source">
              {sourceText(p)}
            </span>
          </dd>
        </div>
        <div>
          <dt>Client secret</dt>
          <dd data-testid="client-secret-source">{secretText(p)}</dd>
        </div>
        {p.tenant && (
          <div>
            <dt>Tenant for new accounts</dt>
            <dd>
              <code>{p.tenant.value}</code> <span className="source">{TENANT_SOURCE[p.tenant.source]}</span>
            </dd>
          </div>
        )}
      </dl>
      {p.ignoredEntry && (
        <p className="hint small">
          The {p.displayName} client id stored in settings.json was ignored: it{' '}
          {p.ignoredEntry === 'invalid' ? 'is malformed' : 'is not signed by this vault (edited, or written by someone else)'}. If you
          entered it, enter it again below; otherwise Clear removes it.
        </p>
      )}
      <form className="provider-form" onSubmit={save} aria-label={`${p.displayName} client`}>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${ids}-client`}>Client ID</label>
            <input
              ref={clientRef}
              id={`${ids}-client`}
              value={clientId}
              onChange={(e) => edited(setClientId, e.target.value)}
              required
              spellCheck={false}
              placeholder={p.id === 'google' ? 'Desktop app client ID' : 'Application (client) ID'}
              aria-describedby={`${ids}-client-check`}
            />
            <FieldMessage id={`${ids}-client-check`} check={clientCheck} />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-secret`}>Client secret</label>
            <input
              id={`${ids}-secret`}
              type="password"
              value={secret}
              onChange={(e) => edited(setSecret, e.target.value)}
              autoComplete="off"
              disabled={removeSecret}
              placeholder={
                p.clientSecret.source === 'app' ? 'Stored; type to replace' : p.id === 'microsoft' ? 'Leave empty' : 'Its client secret'
              }
              aria-describedby={`${ids}-secret-check`}
            />
            <FieldMessage id={`${ids}-secret-check`} check={secretCheck} />
            {p.clientSecret.source === 'app' && (
              <label className="check-row small">
                <input type="checkbox" checked={removeSecret} onChange={(e) => edited(setRemoveSecret, e.target.checked)} /> Remove the
                stored secret
              </label>
            )}
          </div>
        </div>
        {changingClient && p.accounts > 0 && (
          <p className="hint small" role="status">
            {p.accounts} connected account{p.accounts === 1 ? ' was' : 's were'} signed in with the client id in use; their refresh tokens
            belong to it. After a change, reconnect them.
          </p>
        )}
        <p className="help">
          A value set here wins over {p.envNames.clientId} in the environment or the data folder’s .env; Clear uses that again.
        </p>
        <div className="form-actions">
          {(p.clientId.source === 'app' || p.ignoredEntry) && (
            <button
              type="button"
              className="btn"
              disabled={busy}
              onClick={() =>
                void run(
                  () => call(bridge().clearBuiltinClient({ providerId: p.id })),
                  `${p.displayName}: the app’s client id was removed; ${p.envNames.clientId} is used if it is set.`,
                )
              }
            >
              Clear the app’s value
            </button>
          )}
          <button
            type="submit"
            className="btn btn-primary"
            disabled={busy || clientCheck?.status === 'error' || secretCheck?.status === 'error'}
          >
            Save {p.displayName} client
          </button>
        </div>
      </form>
      {p.tenant && (
        <form
          className="provider-form tenant-form"
          aria-label="Microsoft tenant"
          onSubmit={(e) => {
            e.preventDefault();
            void run(
              () => call(bridge().setMicrosoftTenant({ tenant: tenant.trim() })),
              `New Microsoft accounts sign in with the tenant “${tenant.trim()}”; connected accounts keep theirs.`,
            );
          }}
        >
          <div className="field">
            <label htmlFor={`${ids}-tenant`}>Tenant</label>
            <input
              id={`${ids}-tenant`}
              value={tenant}
              onChange={(e) => edited(setTenant, e.target.value)}
              required
              spellCheck={false}
              aria-describedby={`${ids}-tenant-check`}
            />
            <FieldMessage id={`${ids}-tenant-check`} check={tenantCheck} />
          </div>
          <button type="submit" className="btn" disabled={busy || tenant.trim() === p.tenant.value || tenantCheck?.status === 'error'}>
            Save tenant
          </button>
        </form>
      )}
      {result?.kind === 'info' && (
        <p className="inline-msg info" role="status">
          {result.text}
        </p>
      )}
      {result?.kind === 'error' && <ErrorNotice error={result.error} live />}
    </section>
  );
}
