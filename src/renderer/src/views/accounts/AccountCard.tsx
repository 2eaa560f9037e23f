import { forwardRef, useEffect, useId, useRef, useState } from 'react';
import type { AccountDto } from '../../../../shared/ipc-contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ProviderMark } from '../../components/ProviderMark';
import { codeOf } from '../../errors/advice';
import { expiryUrgency, formatAgo, formatDateTime, formatExpiry, statusLabel, statusView } from '../../format';
import { AccountDetail } from './AccountDetail';
import type { CardBusy, CardMessage } from './useAccountActions';

interface Props {
  account: AccountDto;
  providerName: string;
  providerIssuer: string | null;
  refreshing: boolean;
  busy: CardBusy | undefined;
  message: CardMessage | undefined;
  /** Another sign-in is waiting in the browser: Reconnect must wait. */
  signInWaiting: boolean;
  windowMs: number;
  now: number;
  onRefresh(): void;
  onReconnect(): void;
  onCancelSignIn(): void;
  onDisconnect(): void;
}

/** One account: who, its state in words, expiry, and what you can do. The heading takes focus after a neighbour is removed. */
export const AccountCard = forwardRef<HTMLHeadingElement, Props>(function AccountCard(props, headingRef) {
  const { account: a, busy, message } = props;
  const [open, setOpen] = useState(false);
  const detailId = useId();
  const view = statusView(a.status, props.refreshing || busy === 'refresh');
  const name = a.displayName ?? a.userId;
  const reauth = a.status === 'needs_reauth';
  const urgency = expiryUrgency(a.expiresAt, props.now, props.windowMs, a.refreshNotBefore);
  const reconnectRef = useRef<HTMLButtonElement | null>(null);
  // A cancelled sign-in: the focus goes back to Reconnect (the panel that had it is gone).
  useEffect(() => {
    if (message?.kind === 'info' && message.focus === 'reconnect') reconnectRef.current?.focus();
  }, [message]);
  const statusCode = a.status !== 'active' ? codeOf(a.statusDetail) : null;
  const actionError = message?.kind === 'error' ? message.error : null;
  // The same code twice (the failed click and the state it left) is explained once.
  const showStatus = statusCode !== null && actionError?.code !== statusCode;

  return (
    <li className={`account-card status-${view}`} aria-label={`${props.providerName} account ${name}`}>
      <div className="account-head">
        <ProviderMark provider={a.provider} />
        <div className="account-id">
          <h2 className="account-name" tabIndex={-1} ref={headingRef}>
            {name}
          </h2>
          <p className="muted small account-sub">
            {props.providerName}
            {a.displayName && a.displayName !== a.userId ? ` · ${a.userId}` : ''}
          </p>
        </div>
        <span className={`pill pill-${view}`} data-testid="account-status">
          {view === 'refreshing' && <span className="spinner small" aria-hidden="true" />}
          {statusLabel(view, a.nextAttemptAt, props.now)}
        </span>
      </div>
      <dl className="account-facts">
        <div>
          <dt>Access token</dt>
          <dd>
            {reauth ? (
              // Programs get no token from a needs-re-auth account, whatever its expiry says.
              <span className="expiry expiry-expired" data-testid="expires-in">
                not available until you reconnect
              </span>
            ) : (
              <time
                className={`expiry expiry-${urgency}`}
                data-testid="expires-in"
                dateTime={a.expiresAt === null ? undefined : new Date(a.expiresAt).toISOString()}
                title={a.expiresAt === null ? undefined : formatDateTime(a.expiresAt)}
              >
                {a.expiresAt !== null && a.expiresAt > props.now
                  ? `expires ${formatExpiry(a.expiresAt, props.now)}`
                  : formatExpiry(a.expiresAt, props.now)}
              </time>
            )}
          </dd>
        </div>
        <div>
          <dt>Last refresh</dt>
          <dd data-testid="last-refresh">{formatAgo(a.lastRefreshAt, props.now)}</dd>
        </div>
      </dl>
      {!a.hasRefreshToken && !reauth && (
        <p className="muted small" data-testid="no-refresh-token">
          No refresh token: the app cannot renew this one. Connect it again when it expires.
        </p>
      )}
      {showStatus && <ErrorNotice error={{ code: statusCode }} tone={reauth ? 'error' : 'warn'} context="refresh" />}
      {actionError && message?.kind === 'error' && (
        <ErrorNotice
          error={actionError}
          live
          tone={reauth || actionError.needsReauth ? 'error' : 'warn'}
          context={message.action === 'refresh' ? 'refresh' : message.action === 'reconnect' ? 'sign-in' : 'general'}
        />
      )}
      {message?.kind === 'info' && (
        <p className="inline-msg info" role="status">
          {message.text}
        </p>
      )}
      <div className="account-actions">
        {reauth ? (
          <button
            type="button"
            ref={reconnectRef}
            className="btn btn-primary"
            disabled={busy !== undefined || props.signInWaiting}
            onClick={props.onReconnect}
          >
            {busy === 'reconnect' ? 'Waiting for sign-in…' : 'Reconnect'}
            <span className="visually-hidden"> {name}</span>
          </button>
        ) : (
          <button type="button" className="btn" disabled={busy !== undefined || !a.hasRefreshToken} onClick={props.onRefresh}>
            {busy === 'refresh' ? 'Refreshing…' : 'Refresh now'}
            <span className="visually-hidden"> {name}</span>
          </button>
        )}
        {busy === 'reconnect' && (
          <button type="button" className="btn" onClick={props.onCancelSignIn}>
            Cancel sign-in
          </button>
        )}
        <button type="button" className="btn btn-quiet" aria-expanded={open} aria-controls={detailId} onClick={() => setOpen((o) => !o)}>
          {open ? 'Hide details' : 'Details'}
          <span className="visually-hidden"> {name}</span>
        </button>
        <button type="button" className="btn btn-quiet-danger" disabled={busy !== undefined} onClick={props.onDisconnect}>
          Disconnect
          <span className="visually-hidden"> {name}</span>
        </button>
      </div>
      {open && (
        <AccountDetail id={detailId} account={a} providerName={props.providerName} providerIssuer={props.providerIssuer} now={props.now} />
      )}
    </li>
  );
});
