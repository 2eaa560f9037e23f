import { useEffect, useState } from 'react';
import type { AccountDto, AccountProgramDto } from '../../../../shared/ipc-contract';
import { tokenCommand } from '../../../../shared/token-command';
import { bridge, call, errorInfo, type ErrorInfo } from '../../api';
import { BreakableUrl } from '../../components/BreakableUrl';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatAgo, formatDateTime } from '../../format';
import { SdkEndpoints } from './SdkEndpoints';

interface Props {
  id: string;
  account: AccountDto;
  providerName: string;
  /** The provider's issuer, until the account DTO carries one. */
  providerIssuer: string | null;
  now: number;
}

/** Everything about one account, with absolute times, and the command a program runs for its token. */
export function AccountDetail({ id, account: a, providerName, providerIssuer, now }: Props): React.JSX.Element {
  const [copy, setCopy] = useState<{ ok: true } | { ok: false; error: ErrorInfo } | null>(null);
  const command = tokenCommand(a.provider, a.userId);
  const [programs, setPrograms] = useState<AccountProgramDto[] | null>(null);
  useEffect(() => {
    call(bridge().accountPrograms({ providerId: a.provider, userId: a.userId }))
      .then(setPrograms)
      .catch(() => setPrograms([]));
  }, [a.provider, a.userId, a.lastRefreshAt]);
  const issuer = a.issuer ?? providerIssuer;

  const copyCommand = async (): Promise<void> => {
    setCopy(null);
    try {
      await call(bridge().copyToClipboard({ what: 'token-command', providerId: a.provider, userId: a.userId }));
      setCopy({ ok: true });
    } catch (err) {
      setCopy({ ok: false, error: errorInfo(err) });
    }
  };

  return (
    <div id={id} className="account-detail" data-testid="account-detail">
      <dl>
        <div>
          <dt>Account</dt>
          <dd className="wrap">{a.userId}</dd>
        </div>
        <div>
          <dt>Provider</dt>
          <dd>{providerName}</dd>
        </div>
        <div className="span-2">
          <dt>Issuer</dt>
          <dd className="wrap mono" data-testid="issuer">
            {issuer ? <BreakableUrl url={issuer} /> : 'not known yet'}
          </dd>
        </div>
        <div>
          <dt>Access token expires</dt>
          <dd data-testid="expires-at">{a.expiresAt === null ? 'does not expire' : formatDateTime(a.expiresAt)}</dd>
        </div>
        <div>
          <dt>Last refresh</dt>
          <dd data-testid="last-refresh-at">
            {a.lastRefreshAt === null ? 'never' : `${formatDateTime(a.lastRefreshAt)} (${formatAgo(a.lastRefreshAt, now)})`}
          </dd>
        </div>
        <div>
          <dt>Connected</dt>
          <dd>{formatDateTime(a.createdAt)}</dd>
        </div>
        <div>
          <dt>Refresh token</dt>
          <dd>{a.hasRefreshToken ? 'stored, encrypted' : 'none — sign in again when the access token expires'}</dd>
        </div>
        <div className="span-2">
          <dt>Scopes</dt>
          <dd>
            {a.scopes.length === 0 ? (
              'none listed'
            ) : (
              <ul className="scopes" aria-label="Scopes">
                {a.scopes.map((s) => (
                  <li key={s} className="chip">
                    {s}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
        <div className="span-2">
          <dt>Programs that used it</dt>
          <dd data-testid="account-programs">
            {programs === null ? (
              '…'
            ) : programs.length === 0 ? (
              'none recorded'
            ) : (
              <ul className="account-programs">
                {programs.slice(0, 20).map((p) => (
                  <li key={`${p.program}-${p.path ?? ''}`}>
                    <strong>{p.program}</strong> · {p.count} token{p.count === 1 ? '' : 's'} · last {formatAgo(p.lastAt, now)}
                    {p.path && <span className="mono small block wrap">{p.path}</span>}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
      </dl>
      <div className="token-command">
        <p className="small">
          <strong>For programs.</strong> This command prints a fresh access token for this account; the token itself is never shown here.
        </p>
        <div className="command-row">
          <code className="command" data-testid="token-command">
            {command}
          </code>
          <button type="button" className="btn btn-small" onClick={() => void copyCommand()}>
            Copy command
          </button>
        </div>
        {copy?.ok && (
          <p className="inline-msg info" role="status">
            Command copied.
          </p>
        )}
        {copy && !copy.ok && <ErrorNotice error={copy.error} live />}
      </div>
      <SdkEndpoints account={a} />
    </div>
  );
}
