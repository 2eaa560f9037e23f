import { useCallback, useEffect, useId, useState } from 'react';
import type { GrantDto, ProgramsDto } from '../../../../shared/ipc-contract';
import { bridge, call, errorText } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { formatAgo, formatDateTime } from '../../format';
import { useNow } from '../../hooks/useNow';
import './programs.css';

function until(g: GrantDto): string {
  if (g.state === 'expired') return 'expired';
  if (g.state === 'ended') return 'terminal closed';
  if (g.once) return 'next use only';
  if (g.expiresAt === null) return 'until revoked';
  return `until ${formatDateTime(g.expiresAt)}`;
}

const KIND: Record<GrantDto['kind'], string> = { program: 'Program', session: 'Terminal', key: 'Client key' };

/** Settings → Programs: whether programs must be allowed, and every grant with its last use, count and Revoke. */
export function ProgramsSection(): React.JSX.Element {
  const ids = useId();
  const now = useNow(30_000);
  const [data, setData] = useState<ProgramsDto | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const [revoking, setRevoking] = useState<GrantDto | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    call(bridge().listPrograms())
      .then(setData)
      .catch((err: unknown) => setMessage({ kind: 'error', text: errorText(err) }));
  }, []);
  useEffect(() => {
    load();
    // A grant made in the dialog or by `osmen-cred allow` shows up with the next log line.
    return bridge().onLogAppended((e) => {
      if (e.event.startsWith('grant_') || e.event === 'consent_mode_changed' || e.event === 'token_handoff') load();
    });
  }, [load]);

  const setMode = async (mode: 'ask' | 'same-user'): Promise<void> => {
    setBusy(true);
    setMessage(null);
    try {
      setData(await call(bridge().setConsentMode({ mode })));
      setMessage({
        kind: 'info',
        text: mode === 'ask' ? 'Programs must now be allowed before they get tokens.' : 'Any program running as you now gets tokens.',
      });
    } catch (err) {
      setMessage({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (g: GrantDto): Promise<void> => {
    setBusy(true);
    setMessage(null);
    try {
      setData(await call(bridge().revokeGrant({ id: g.id })));
      setMessage({ kind: 'info', text: `${g.name} can no longer get tokens without asking.` });
    } catch (err) {
      setMessage({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
      setRevoking(null);
    }
  };

  return (
    <div className="panel programs" data-testid="programs-section" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Programs</h2>
      <div className="toggle-row">
        <input
          id={`${ids}-ask`}
          type="checkbox"
          className="switch"
          checked={data?.consent !== 'same-user'}
          disabled={busy || data === null}
          onChange={(e) => void setMode(e.target.checked ? 'ask' : 'same-user')}
        />
        <label htmlFor={`${ids}-ask`}>
          Ask before a program gets a token
          <span className="help">
            Each program (checked by its file&apos;s fingerprint) must be allowed for an account: in a dialog here, or with{' '}
            <code>osmen-cred allow</code>. Off: any program running as you gets any account&apos;s token.
          </span>
        </label>
      </div>
      {data?.problem && (
        <p className="inline-msg error" role="alert">
          {data.problem}
        </p>
      )}
      {data && data.ignored.length > 0 && (
        <p className="inline-msg error" role="alert" data-testid="ignored-grants">
          {data.ignored.length} grant(s) in the vault are ignored: they were written or changed outside OsMEN (
          {data.ignored.map((i) => i.id).join(', ')}).
        </p>
      )}
      {data && data.grants.length === 0 && <p className="muted">No program is allowed yet.</p>}
      {data && data.grants.length > 0 && (
        <div className="table-scroll">
          <table className="grants-table" aria-label="Allowed programs">
            <thead>
              <tr>
                <th scope="col">Who</th>
                <th scope="col">Accounts</th>
                <th scope="col">Scopes</th>
                <th scope="col">Until</th>
                <th scope="col">Last use</th>
                <th scope="col">Uses</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.grants.map((g) => (
                <tr key={g.id} data-testid="grant-row" className={g.state === 'active' ? undefined : 'inactive'}>
                  <td>
                    <strong>{g.name}</strong>
                    <span className="muted small block">
                      {KIND[g.kind]}
                      {g.where ? ` · ${g.where}` : ''}
                    </span>
                  </td>
                  <td className="wrap">{g.accounts.join(', ')}</td>
                  <td className="wrap">{g.scopes ? g.scopes.join(' ') : 'all'}</td>
                  <td>{until(g)}</td>
                  <td>{g.lastUsedAt === null ? 'never' : formatAgo(g.lastUsedAt, now)}</td>
                  <td>{g.useCount}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={busy}
                      onClick={() => setRevoking(g)}
                      aria-label={`Revoke ${g.name}`}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {message && (
        <p className={`inline-msg ${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke ${revoking?.name ?? ''}?`}
        body={<p>It gets no more tokens without asking again. Tokens it already has stay valid until they expire.</p>}
        confirmLabel="Revoke"
        destructive
        busy={busy}
        onConfirm={() => revoking && void revoke(revoking)}
        onCancel={() => setRevoking(null)}
      />
    </div>
  );
}

/** A vault from before consent hands tokens to any program: the app offers the switch once. */
export function ConsentOffer({ ready }: { ready: boolean }): React.JSX.Element | null {
  const [offer, setOffer] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!ready) return;
    call(bridge().listPrograms())
      .then((d) => setOffer(d.offerSwitch))
      .catch(() => undefined);
  }, [ready]);
  if (!offer) return null;
  const decide = async (ask: boolean): Promise<void> => {
    setBusy(true);
    try {
      await call(ask ? bridge().setConsentMode({ mode: 'ask' }) : bridge().dismissConsentOffer());
      setOffer(false);
    } catch {
      setBusy(false);
    }
  };
  return (
    <div className="panel consent-offer" role="region" aria-label="Ask before programs get tokens" data-testid="consent-offer">
      <p>
        <strong>Any program running as you can get your accounts&apos; tokens.</strong> Ask first instead? Each program is then allowed once
        (or for a terminal session), and you see which programs used which account.
      </p>
      <div className="form-actions">
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void decide(true)}>
          Ask before programs get tokens
        </button>
        <button type="button" className="btn" disabled={busy} onClick={() => void decide(false)}>
          Keep as it is
        </button>
      </div>
    </div>
  );
}
