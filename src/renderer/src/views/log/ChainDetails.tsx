import type { LogVerifyDto } from '../../../../shared/ipc-contract';
import { formatDateTime } from '../../format';

type Rollback = NonNullable<LogVerifyDto['rollback']>;

/** The vault-anchor check in plain words: what happened and what to do (null: nothing to say). */
function rollbackAdvice(rb: Rollback): { tone: 'error' | 'warn'; what: string; todo: string } | null {
  switch (rb.status) {
    case 'rolled_back':
      return {
        tone: 'error',
        what: 'The log is older than the vault remembers: it was replaced by an older copy, or its newest entries were cut off.',
        todo: 'If you restored the data folder from a backup yourself, this is expected: the next entry re-anchors the log and the gap stays listed. Otherwise keep a copy of the log files (Export log…) and treat the folder as tampered with.',
      };
    case 'forked':
      return {
        tone: 'error',
        what: 'The entry the vault anchored is not in the log any more: the log was rewritten from that point on.',
        todo: 'Keep a copy of the log files (Export log…). If you did not restore or edit them yourself, treat the data folder as tampered with.',
      };
    case 'invalid':
      return {
        tone: 'error',
        what: 'The log’s anchor in the vault is unreadable or its signature does not match: it was edited or damaged.',
        todo: 'The next entry replaces it with a re-anchor, listed below. If you did not restore the vault yourself, treat the data folder as tampered with.',
      };
    case 'behind':
      return {
        tone: 'warn',
        what: 'The vault’s anchor is older than the log: the vault (tokens.db) was restored from a backup, or entries were written without it.',
        todo: 'If you restored the vault yourself, nothing to do: the next entry moves the anchor up and records a re-anchor.',
      };
    default:
      return null;
  }
}

/**
 * Beyond the chain itself: the rollback check against the vault anchor, a newest entry cut off
 * by an interrupted write (not tampering), and every re-anchor still in the log — each time the
 * chain was re-established, with when and why. A re-anchor is never a silent repair.
 */
export function ChainDetails({ verify }: { verify: LogVerifyDto }): React.JSX.Element | null {
  const rb = verify.rollback;
  const advice = rb ? rollbackAdvice(rb) : null;
  const reanchors = verify.reanchors ?? [];
  if (!advice && !verify.interrupted && reanchors.length === 0) return null;
  return (
    <div className="chain-details">
      {rb && advice && (
        <div
          className={`banner banner-${advice.tone === 'error' ? 'error' : 'warn'} chain-notice`}
          role="alert"
          data-testid="rollback-notice"
        >
          <p>
            <strong>{advice.what}</strong>
          </p>
          <p className="small">What to do: {advice.todo}</p>
          <p className="notice-code">{rb.message}</p>
        </div>
      )}
      {verify.interrupted && (
        <div className="banner banner-info chain-notice" role="status" data-testid="interrupted-notice">
          <p>
            <strong>The newest entry (#{verify.interrupted.seq}) was cut off by an interrupted write</strong> — the app or the computer
            stopped while writing it, or the disk was full. This is not tampering: the signed head record holds the whole entry.
          </p>
          <p className="small">What to do: nothing. The next entry completes it. If it happens often, check the free disk space.</p>
        </div>
      )}
      {reanchors.length > 0 && (
        <details className="panel reanchors" open data-testid="reanchors">
          <summary>
            <h2>Re-anchors</h2>
            <span className="badge badge-warn">{reanchors.length} in the log</span>
          </summary>
          <p className="muted small">
            Each time the head record or the vault anchor did not match the log, the chain was re-established and an entry says so; a
            re-anchor is never a silent repair. Rollback check now: {rb ? rb.message : 'not available'}
          </p>
          <div className="table-wrap">
            <table className="reanchor-table">
              <thead>
                <tr>
                  <th scope="col">Entry</th>
                  <th scope="col">When</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {[...reanchors].reverse().map((r) => (
                  <tr key={r.seq} data-testid="reanchor-row">
                    <td>#{r.seq}</td>
                    <td className="nowrap">{formatDateTime(r.ts)}</td>
                    <td className="wrap">{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </div>
  );
}
