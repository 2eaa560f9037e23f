import { useEffect, useRef, useState } from 'react';
import type { CustomProviderConfigDto, ProviderConfigDto } from '../../../../shared/ipc-contract';
import { bridge, call, errorInfo, UiError } from '../../api';
import { BreakableUrl } from '../../components/BreakableUrl';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ProviderMark } from '../../components/ProviderMark';
import { removedProviderText } from '../../revocation-text';
import { CustomProviderEditor } from './CustomProviderEditor';
import type { ProvidersMessage } from './providers-message';

interface Props {
  config: ProviderConfigDto;
  onChanged(): void;
  /** The panel's one note: what the last edit or removal did. */
  onMessage(message: ProvidersMessage | null): void;
  /** Focus for when the last custom provider was removed (the "Add a provider…" button). */
  focusAfterLast(): void;
}

const IGNORED = {
  builtin_id: 'uses a built-in provider id, which settings.json can never re-define',
  unauthenticated: 'is not signed by this vault (edited, or written by someone else)',
  invalid: 'is malformed',
} as const;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The custom providers: each with its registration (never the secret), Edit and Remove. */
export function CustomProviderList({ config, onChanged, onMessage, focusAfterLast }: Props): React.JSX.Element {
  const [editing, setEditing] = useState<string | null>(null);
  const [removing, setRemoving] = useState<{ id: string; name: string; accounts: number; issuer?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const headings = useRef(new Map<string, HTMLHeadingElement>());
  // After a removal: the provider that was removed, and the one whose heading takes the focus.
  const [focusAfter, setFocusAfter] = useState<{ removed: string; next: string | null } | null>(null);

  useEffect(() => {
    if (!focusAfter || config.custom.some((p) => p.id === focusAfter.removed)) return;
    const next = focusAfter.next !== null ? headings.current.get(focusAfter.next) : undefined;
    if (next) next.focus();
    else focusAfterLast();
    setFocusAfter(null);
  }, [config, focusAfter, focusAfterLast]);

  const remove = async (): Promise<void> => {
    if (!removing) return;
    setBusy(true);
    onMessage(null);
    const at = config.custom.findIndex((p) => p.id === removing.id);
    const neighbour = config.custom[at + 1] ?? config.custom[at - 1] ?? null;
    try {
      const r = await call(
        bridge().removeCustomProvider({ id: removing.id, ...(removing.accounts > 0 ? { disconnectAccounts: true } : {}) }),
      );
      const said = removedProviderText({ id: removing.id, name: removing.name, issuer: removing.issuer ?? null }, r);
      onMessage({ kind: said.warn ? 'warn' : 'info', text: said.text });
      setRemoving(null);
      setFocusAfter({ removed: removing.id, next: neighbour && neighbour.id !== removing.id ? neighbour.id : null });
      onChanged();
    } catch (err) {
      // Accounts connected since the list was read: offer to disconnect them with it.
      if (err instanceof UiError && err.code === 'provider_in_use') {
        const n = Number(/^(\d+)/.exec(err.message)?.[1] ?? 1);
        setRemoving({ ...removing, accounts: n });
      } else {
        setRemoving(null);
        onMessage({ kind: 'error', error: errorInfo(err) });
      }
    } finally {
      setBusy(false);
    }
  };

  const row = (p: CustomProviderConfigDto): React.JSX.Element => {
    const name = p.displayName ?? p.id;
    if (editing === p.id) {
      return (
        <li key={p.id} className="custom-row editing">
          <CustomProviderEditor
            editing={p}
            headingLevel={3}
            onSaved={(saved) => {
              setEditing(null);
              onMessage({ kind: 'info', text: `Saved ${saved.name}.` });
              onChanged();
            }}
            onCancel={() => setEditing(null)}
          />
        </li>
      );
    }
    return (
      <li key={p.id} className="custom-row" aria-label={`provider ${name}`} data-testid="custom-provider">
        <div className="provider-head">
          <ProviderMark provider={p.id} />
          <div>
            <h4
              tabIndex={-1}
              ref={(el) => {
                if (el) headings.current.set(p.id, el);
                else headings.current.delete(p.id);
              }}
            >
              {name}
            </h4>
            <p className="muted small">
              <code>{p.id}</code> · {plural(p.accounts, 'account')}
            </p>
          </div>
        </div>
        <dl className="provider-values compact">
          <div>
            <dt>Issuer</dt>
            <dd className="wrap">
              <BreakableUrl url={p.issuer} />
            </dd>
          </div>
          <div>
            <dt>Client id</dt>
            <dd className="wrap">{p.clientId}</dd>
          </div>
          <div>
            <dt>Secret</dt>
            <dd>{p.hasClientSecret ? 'Set, kept encrypted in the vault' : 'None'}</dd>
          </div>
          <div>
            <dt>Scopes</dt>
            <dd className="wrap">{p.scopes.join(' ')}</dd>
          </div>
        </dl>
        <div className="row-actions">
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              onMessage(null);
              setEditing(p.id);
            }}
          >
            Edit<span className="visually-hidden"> {name}</span>
          </button>
          <button
            type="button"
            className="btn btn-small btn-quiet-danger"
            onClick={() => {
              onMessage(null);
              setRemoving({ id: p.id, name, accounts: p.accounts, issuer: p.issuer });
            }}
          >
            Remove<span className="visually-hidden"> {name}</span>
          </button>
        </div>
      </li>
    );
  };

  const n = removing?.accounts ?? 0;
  return (
    <div className="custom-list-wrap">
      {config.custom.length === 0 ? (
        <p className="muted small">No custom providers yet.</p>
      ) : (
        <ul className="custom-list" aria-label="Custom providers">
          {config.custom.map(row)}
        </ul>
      )}
      {config.ignored.map((e) => (
        <div key={e.id} className="hint small ignored-entry">
          The entry “{e.id}” in settings.json {IGNORED[e.reason]}, so it is ignored: no token is sent to it.
          {e.reason !== 'builtin_id' && (
            <button type="button" className="btn btn-small" onClick={() => setRemoving({ id: e.id, name: e.id, accounts: 0 })}>
              Remove entry<span className="visually-hidden"> {e.id}</span>
            </button>
          )}
        </div>
      ))}
      <ConfirmDialog
        open={removing !== null}
        title={n > 0 ? `Disconnect ${plural(n, 'account')} and remove ${removing?.name}?` : `Remove ${removing?.name ?? ''}?`}
        body={
          n > 0 ? (
            <p>
              {plural(n, 'account is', 'accounts are')} connected through {removing?.name}. A provider in use can’t be removed alone: its
              accounts’ refreshes would have nowhere to go. They are signed out (revoked at the provider where it can) and their tokens
              deleted; programs using them get no token.
            </p>
          ) : (
            <p>Its settings and client secret are deleted. You can add it again later.</p>
          )
        }
        confirmLabel={n > 0 ? `Disconnect ${plural(n, 'account')} and remove` : 'Remove'}
        destructive
        busy={busy}
        onConfirm={() => void remove()}
        onCancel={() => setRemoving(null)}
      />
    </div>
  );
}
