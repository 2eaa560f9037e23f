import type { LogEntryDto } from '../../../../shared/ipc-contract';
import { formatDateTime } from '../../format';
import { describeEntry, entryErrorCode, isCancel, providerOfEvent } from './describe';
import { detailPhrases } from './details';

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
  if (isCancel(entry)) return <span className="pill pill-cancelled">cancelled</span>;
  if (entry.success === true) return <span className="pill pill-active">success</span>;
  if (entry.success === false) return <span className="pill pill-failing">failed</span>;
  if (entry.level === 'error') return <span className="pill pill-needs_reauth">error</span>;
  if (entry.level === 'warn') return <span className="pill pill-failing">warning</span>;
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
            const provider = e.provider ?? providerOfEvent(e) ?? (typeof e.details['provider'] === 'string' ? e.details['provider'] : null);
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
                    <span
                      className="chip"
                      title="The log keeps only a keyed hash of each account: this one is not connected now, so its name and e-mail address are not known here."
                    >
                      not connected now (<span className="mono">{e.userHash.slice(0, 10)}</span>)
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
                    {detailPhrases(e, code).map((phrase, i) => (
                      <span key={i} className="kv">
                        {phrase}
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
