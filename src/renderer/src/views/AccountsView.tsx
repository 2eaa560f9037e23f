import { useState } from 'react';
import type { AccountDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ProviderMark } from '../components/ProviderMark';
import {
  expiryUrgency,
  formatAgo,
  formatDateTime,
  formatExpiry,
  providerLabel,
  statusLabel,
  statusView,
} from '../format';
import { useNow } from '../hooks';

interface Props {
  accounts: AccountDto[] | null;
  error: string | null;
  refreshing: ReadonlySet<string>;
  /** Provider id -> display name (custom providers have their own names). */
  providerNames: Readonly<Record<string, string>>;
  windowMs: number;
  onChanged(): Promise<void>;
  onConnect(): void;
}

const keyOf = (a: { provider: string; userId: string }): string => `${a.provider}\u0000${a.userId}`;

export function AccountsView(props: Props): React.JSX.Element {
  const now = useNow(1000);
  const [busy, setBusy] = useState<Record<string, 'refresh' | 'reconnect' | 'disconnect'>>({});
  const [messages, setMessages] = useState<Record<string, { kind: 'error' | 'info'; text: string }>>({});
  const [confirm, setConfirm] = useState<AccountDto | null>(null);
  const [refreshingAll, setRefreshingAll] = useState(false);
  const [banner, setBanner] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);

  const run = async (account: AccountDto, action: 'refresh' | 'reconnect' | 'disconnect'): Promise<void> => {
    const key = keyOf(account);
    setBusy((b) => ({ ...b, [key]: action }));
    setMessages((m) => {
      const { [key]: _drop, ...rest } = m;
      return rest;
    });
    try {
      if (action === 'refresh') {
        await call(bridge().refreshAccount({ providerId: account.provider, userId: account.userId }));
        setMessages((m) => ({ ...m, [key]: { kind: 'info', text: 'Refreshed.' } }));
      } else if (action === 'reconnect') {
        await call(bridge().connectAccount({ providerId: account.provider }));
        setMessages((m) => ({ ...m, [key]: { kind: 'info', text: 'Reconnected.' } }));
      } else {
        const result = await call(bridge().disconnectAccount({ providerId: account.provider, userId: account.userId }));
        const note =
          result.revocation === 'failed'
            ? ' The provider did not confirm the revocation; it was logged.'
            : result.revocation === 'revoked'
              ? ' Access was revoked at the provider.'
              : '';
        setBanner({ kind: 'info', text: `Disconnected ${account.displayName ?? account.userId}.${note}` });
      }
    } catch (err) {
      setMessages((m) => ({ ...m, [key]: { kind: 'error', text: errorText(err) } }));
    } finally {
      setBusy((b) => {
        const { [key]: _drop, ...rest } = b;
        return rest;
      });
      await props.onChanged();
    }
  };

  const refreshAll = async (): Promise<void> => {
    setRefreshingAll(true);
    setBanner(null);
    try {
      const s = await call(bridge().refreshAll({ force: true }));
      setBanner({
        kind: s.failed > 0 ? 'error' : 'info',
        text:
          s.due === 0
            ? 'No account can be refreshed (none has a refresh token, or they need re-auth).'
            : `Refreshed ${s.refreshed} of ${s.due} account${s.due === 1 ? '' : 's'}${s.failed > 0 ? `; ${s.failed} failed` : ''}.`,
      });
    } catch (err) {
      setBanner({ kind: 'error', text: errorText(err) });
    } finally {
      setRefreshingAll(false);
      await props.onChanged();
    }
  };

  const accounts = props.accounts;
  const providerName = (id: string): string => props.providerNames[id] ?? providerLabel(id);
  return (
    <section aria-labelledby="accounts-title">
      <header className="view-header">
        <div>
          <h1 id="accounts-title" tabIndex={-1}>
            Accounts
          </h1>
          <p className="muted">Connected accounts, their token expiry and refresh state. Tokens never leave the vault.</p>
        </div>
        <div className="header-actions">
          <button type="button" className="btn" onClick={() => void refreshAll()} disabled={refreshingAll || !accounts?.length}>
            {refreshingAll ? 'Refreshing…' : 'Refresh all now'}
          </button>
          <button type="button" className="btn btn-primary" onClick={props.onConnect}>
            Connect account
          </button>
        </div>
      </header>
      {banner && (
        <p className={`banner banner-${banner.kind}`} role={banner.kind === 'error' ? 'alert' : 'status'}>
          {banner.text}
        </p>
      )}
      {props.error && (
        <p className="banner banner-error" role="alert">
          {props.error}
        </p>
      )}
      {accounts === null && !props.error && (
        <div className="loading" aria-busy="true" aria-live="polite">
          <span className="spinner" aria-hidden="true" /> Loading accounts…
        </div>
      )}
      {accounts !== null && accounts.length === 0 && (
        <div className="empty">
          <p className="empty-mark" aria-hidden="true">
            ◎
          </p>
          <h2>No accounts yet</h2>
          <p className="muted">Connect a Google, Microsoft or OpenID Connect account to keep its tokens fresh here.</p>
          <button type="button" className="btn btn-primary" onClick={props.onConnect}>
            Connect your first account
          </button>
        </div>
      )}
      {accounts !== null && accounts.length > 0 && (
        <ul className="account-list" aria-label="Connected accounts">
          {accounts.map((a) => {
            const key = keyOf(a);
            const view = statusView(a.status, props.refreshing.has(key) || busy[key] === 'refresh');
            const urgency = expiryUrgency(a.expiresAt, now, props.windowMs);
            const name = a.displayName ?? a.userId;
            const msg = messages[key];
            return (
              <li key={key} className={`account-card status-${view}`} aria-label={`${providerName(a.provider)} account ${name}`}>
                <div className="account-head">
                  <ProviderMark provider={a.provider} />
                  <div className="account-id">
                    <h2 className="account-name">{name}</h2>
                    <p className="muted small">
                      {providerName(a.provider)}
                      {a.displayName && a.displayName !== a.userId ? ` · ${a.userId}` : ''}
                    </p>
                  </div>
                  <span className={`pill pill-${view}`} data-testid="account-status">
                    {view === 'refreshing' && <span className="spinner small" aria-hidden="true" />}
                    {statusLabel(view, a.nextAttemptAt, now)}
                  </span>
                </div>
                <dl className="account-facts">
                  <div>
                    <dt>Access token expires</dt>
                    <dd>
                      <time
                        className={`expiry expiry-${urgency}`}
                        data-testid="expires-in"
                        dateTime={a.expiresAt === null ? undefined : new Date(a.expiresAt).toISOString()}
                        title={a.expiresAt === null ? undefined : formatDateTime(a.expiresAt)}
                      >
                        {formatExpiry(a.expiresAt, now)}
                      </time>
                    </dd>
                  </div>
                  <div>
                    <dt>Last refresh</dt>
                    <dd data-testid="last-refresh">{formatAgo(a.lastRefreshAt, now)}</dd>
                  </div>
                  <div>
                    <dt>Connected</dt>
                    <dd>{formatAgo(a.createdAt, now)}</dd>
                  </div>
                  <div>
                    <dt>Refresh token</dt>
                    <dd>{a.hasRefreshToken ? 'stored' : 'none (sign in again when it expires)'}</dd>
                  </div>
                </dl>
                {a.scopes.length > 0 && (
                  <ul className="scopes" aria-label="Scopes">
                    {a.scopes.map((s) => (
                      <li key={s} className="chip">
                        {s}
                      </li>
                    ))}
                  </ul>
                )}
                {a.statusDetail && a.status !== 'active' && <p className="status-detail small">{a.statusDetail}</p>}
                {msg && (
                  <p className={`inline-msg ${msg.kind}`} role={msg.kind === 'error' ? 'alert' : 'status'}>
                    {msg.text}
                  </p>
                )}
                <div className="account-actions">
                  {a.status === 'needs_reauth' ? (
                    <button
                      type="button"
                      className="btn btn-primary"
                      disabled={busy[key] !== undefined}
                      onClick={() => void run(a, 'reconnect')}
                    >
                      {busy[key] === 'reconnect' ? 'Waiting for sign-in…' : 'Reconnect'}
                      <span className="visually-hidden"> {name}</span>
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="btn"
                      disabled={busy[key] !== undefined || !a.hasRefreshToken}
                      onClick={() => void run(a, 'refresh')}
                    >
                      {busy[key] === 'refresh' ? 'Refreshing…' : 'Refresh now'}
                      <span className="visually-hidden"> {name}</span>
                    </button>
                  )}
                  {busy[key] === 'reconnect' && (
                    <button type="button" className="btn" onClick={() => void bridge().cancelConnect()}>
                      Cancel sign-in
                    </button>
                  )}
                  <button
                    type="button"
                    className="btn btn-quiet-danger"
                    disabled={busy[key] !== undefined}
                    onClick={() => setConfirm(a)}
                  >
                    Disconnect
                    <span className="visually-hidden"> {name}</span>
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <ConfirmDialog
        open={confirm !== null}
        title="Disconnect this account?"
        body={
          confirm && (
            <p>
              The tokens for <strong>{confirm.displayName ?? confirm.userId}</strong> ({providerName(confirm.provider)}) are
              revoked at the provider where it supports revocation and deleted from this computer. Programs that use this
              account will need you to connect it again.
            </p>
          )
        }
        confirmLabel="Disconnect"
        destructive
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          const target = confirm;
          setConfirm(null);
          if (target) void run(target, 'disconnect');
        }}
      />
    </section>
  );
}
