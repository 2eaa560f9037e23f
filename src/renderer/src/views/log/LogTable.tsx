import type { LogEntryDto } from '../../../../shared/ipc-contract';
import { formatDateTime } from '../../format';
import { describeEntry, entryErrorCode } from './describe';

interface Props {
  entries: LogEntryDto[];
  total: number;
  providerName(id: string): string;
  /** Keyed user hash -> the known account (the log stores only the hash). */
  accountByHash: ReadonlyMap<string, { name: string | null; userId: string }>;
  /** The entry the chain check names (highlighted), or null. */
  badSeq: number | null;
}

function Outcome({ entry }: { entry: LogEntryDto }): React.JSX.Element {
  if (entry.success === true) return <span className="pill pill-active">success</span>;
  if (entry.success === false) return <span className="pill pill-failing">failed</span>;
  if (entry.level === 'error' || entry.level === 'warn') return <span className="pill pill-needs_reauth">{entry.level}</span>;
  return <span className="muted">—</span>;
}

/** The entries, newest first: when, what (in words), which account, outcome, details. Fits 800 px wide. */
export function LogTable({ entries, total, providerName, accountByHash, badSeq }: Props): React.JSX.Element {
  return (
    <div className="table-wrap">
      <table className="log-table">
        <caption className="visually-hidden">
          {entries.length} of {total} log entries, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col">Account</th>
            <th scope="col">Outcome</th>
            <th scope="col">What happened</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => {
            const provider = e.provider ?? (typeof e.details['provider'] === 'string' ? e.details['provider'] : null);
            const account = e.userHash ? accountByHash.get(e.userHash) : undefined;
            const code = entryErrorCode(e);
            const tampered = e.seq === badSeq;
            return (
              <tr
                key={e.seq}
                className={`level-${e.level}${tampered ? ' tampered' : ''}`}
                data-testid="log-row"
                data-tampered={tampered || undefined}
              >
                <td className="num">{e.seq}</td>
                <td className="time">{formatDateTime(e.ts)}</td>
                <td>
                  <code data-testid="log-event">{e.event}</code>
                  {provider && <span className="sub">{providerName(provider)}</span>}
                </td>
                <td className="account" data-testid="log-account">
                  {account ? (
                    <>
                      {account.name && <span className="name">{account.name}</span>}
                      <span className="sub">{account.userId}</span>
                    </>
                  ) : e.userHash ? (
                    <span className="chip mono" title="Keyed hash of an account that is not connected now">
                      user {e.userHash.slice(0, 10)}
                    </span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>
                  <Outcome entry={e} />
                </td>
                <td>
                  {tampered && (
                    <p className="tamper-mark" data-testid="tamper-mark">
                      This entry fails the chain check: see the notice above.
                    </p>
                  )}
                  <p className="what">{describeEntry(e)}</p>
                  <div className="details">
                    {Object.entries(e.details)
                      .filter(([k]) => k !== 'provider' && !(k === 'error' && code !== null))
                      .map(([k, v]) => (
                        <span key={k} className="kv">
                          <span className="k">{k}</span> {String(v)}
                        </span>
                      ))}
                    {code && (
                      <span className="kv notice-code">
                        <span className="k">code</span> <code>{code}</code>
                      </span>
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
