import { useCallback, useRef, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useProviderConfig } from '../../hooks/useProviderConfig';
import { BuiltinProviderPanel } from './BuiltinProviderPanel';
import { CustomProviderEditor } from './CustomProviderEditor';
import { CustomProviderList } from './CustomProviderList';
import type { ProvidersMessage } from './providers-message';
import './providers.css';

interface Props {
  /** A built-in provider to scroll to and focus (Connect's "Set up" link), once. */
  focus: string | null;
  /** The provider list elsewhere (Connect) follows changes made here. */
  onChanged(): void;
}

/**
 * Settings → Providers: the client registrations of Google and Microsoft (set here, or from the
 * environment, with where each value comes from), Microsoft's tenant, and the custom OpenID
 * providers (add, edit, remove), with one note for the last thing done to them.
 */
export function ProvidersSection({ focus, onChanged }: Props): React.JSX.Element {
  const { config, error, reload } = useProviderConfig(onChanged);
  const [adding, setAdding] = useState(false);
  const [message, setMessage] = useState<ProvidersMessage | null>(null);
  const addButton = useRef<HTMLButtonElement | null>(null);
  const focusAdd = useCallback(() => addButton.current?.focus(), []);

  return (
    <section className="providers-section" aria-labelledby="providers-title" id="providers">
      <div>
        <h2 id="providers-title">Providers</h2>
        <p className="muted small">
          The OAuth clients the app signs in with. Client secrets are kept encrypted in the vault and never shown again; client ids are not
          secret.
        </p>
      </div>
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      {config === null && !error && (
        <div className="loading" aria-busy="true">
          <span className="spinner" aria-hidden="true" /> Loading providers…
        </div>
      )}
      {config && (
        <>
          <div className="builtin-grid">
            {config.builtins.map((b) => (
              <BuiltinProviderPanel key={b.id} provider={b} focus={focus === b.id} onChanged={() => void reload()} />
            ))}
          </div>
          <div className="panel custom-providers">
            <h3>Custom OpenID providers</h3>
            <CustomProviderList config={config} onChanged={() => void reload()} onMessage={setMessage} focusAfterLast={focusAdd} />
            {adding ? (
              <CustomProviderEditor
                headingLevel={3}
                onSaved={(saved) => {
                  setAdding(false);
                  setMessage({ kind: 'info', text: `Added ${saved.name}. Connect it from Connect.` });
                  void reload();
                }}
                onCancel={() => setAdding(false)}
              />
            ) : (
              <div className="form-actions">
                <button
                  type="button"
                  className="btn"
                  ref={addButton}
                  onClick={() => {
                    setMessage(null);
                    setAdding(true);
                  }}
                >
                  Add a provider…
                </button>
              </div>
            )}
            {message?.kind === 'error' ? (
              <div data-testid="custom-providers-message">
                <ErrorNotice error={message.error} live />
              </div>
            ) : (
              message && (
                <p className={`inline-msg ${message.kind}`} role="status" data-testid="custom-providers-message">
                  {message.text}
                </p>
              )
            )}
          </div>
        </>
      )}
    </section>
  );
}
