import type { RefreshSummaryDto } from '../../../../shared/ipc-contract';
import { adviceFor } from '../../errors/advice';
import { SKIP_WHY, refreshHeadline } from './refresh-text';

interface Props {
  summary: RefreshSummaryDto;
  nameOf(ref: { provider: string; userId: string }): string;
}

/** "Refreshed 2 of 3 accounts; 1 skipped." and which account, and why. */
export function RefreshReport({ summary, nameOf }: Props): React.JSX.Element {
  const kind = summary.failed > 0 ? 'error' : summary.skipped.length > 0 ? 'warn' : 'info';
  return (
    <div className={`banner banner-${kind} refresh-report`} role={kind === 'error' ? 'alert' : 'status'} data-testid="refresh-report">
      <p>{refreshHeadline(summary)}</p>
      {(summary.skipped.length > 0 || summary.failures.length > 0) && (
        <ul>
          {summary.failures.map((f) => (
            <li key={`f:${f.provider}:${f.userId}`}>
              <strong>{nameOf(f)}</strong> failed: {adviceFor(f.code).title}{' '}
              <span className="notice-code">
                Code <code>{f.code}</code>
              </span>
            </li>
          ))}
          {summary.skipped.map((s) => (
            <li key={`s:${s.provider}:${s.userId}`}>
              <strong>{nameOf(s)}</strong> was skipped: it {SKIP_WHY[s.reason]}.
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
