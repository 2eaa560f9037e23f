import { accountKey } from '../../../../shared/account-key';
import { adviceFor } from '../../errors/advice';
import { SKIP_WHY, refreshHeadline, type RefreshReportState } from './refresh-text';

interface Props {
  report: RefreshReportState;
  nameOf(ref: { provider: string; userId: string }): string;
  onDismiss(): void;
}

/**
 * "Refreshed 2 of 3 accounts; 1 skipped." and which account, and why — only for the accounts it
 * still holds for: one that works again leaves the list (and is named as working again), one that
 * is gone leaves it silently. Its colour follows what still stands.
 */
export function RefreshReport({ report, nameOf, onDismiss }: Props): React.JSX.Element {
  const { summary, cleared } = report;
  const failures = summary.failures.filter((f) => !cleared.has(accountKey(f)));
  const skipped = summary.skipped.filter((s) => !cleared.has(accountKey(s)));
  const recovered = summary.failures
    .concat(summary.skipped.map((s) => ({ ...s, code: '' })))
    .filter((r) => report.recovered.includes(accountKey(r)));
  const kind = failures.length > 0 ? 'error' : skipped.length > 0 ? 'warn' : 'info';
  return (
    <div className={`banner banner-${kind} refresh-report`} role={kind === 'error' ? 'alert' : 'status'} data-testid="refresh-report">
      <div className="refresh-report-head">
        <p>{refreshHeadline(summary)}</p>
        <button type="button" className="btn btn-small btn-quiet" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
      {(skipped.length > 0 || failures.length > 0) && (
        <ul>
          {failures.map((f) => (
            <li key={`f:${f.provider}:${f.userId}`}>
              <strong>{nameOf(f)}</strong> failed: {adviceFor(f.code, {}, 'refresh').title}{' '}
              <span className="notice-code">
                Code <code>{f.code}</code>
              </span>
            </li>
          ))}
          {skipped.map((s) => (
            <li key={`s:${s.provider}:${s.userId}`}>
              <strong>{nameOf(s)}</strong> was skipped: it {SKIP_WHY[s.reason]}.
            </li>
          ))}
        </ul>
      )}
      {recovered.length > 0 && (
        <p className="small" data-testid="recovered">
          Working again since: {recovered.map((r) => nameOf(r)).join(', ')}.
        </p>
      )}
    </div>
  );
}
