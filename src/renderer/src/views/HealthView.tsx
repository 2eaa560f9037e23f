import { Fragment, useCallback, useEffect, useMemo, useState } from 'react';
import type { HealthCheckDto, HealthReportDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText } from '../api';
import './health.css';

const ICON = { pass: '✓', warn: '!', fail: '✗' } as const;
const LABEL = { pass: 'Passed', warn: 'Warning', fail: 'Failed' } as const;
/** Failures first, then warnings, then what passed (each group in the report's order). */
const RANK = { fail: 0, warn: 1, pass: 2 } as const;

function byUrgency(checks: readonly HealthCheckDto[]): HealthCheckDto[] {
  return checks
    .map((c, i) => ({ c, i }))
    .sort((x, y) => RANK[x.c.status] - RANK[y.c.status] || x.i - y.i)
    .map(({ c }) => c);
}

/** Text with `quoted` names (a command, a file) shown as code, without the back-ticks. */
function Words({ text }: { text: string }): React.JSX.Element {
  const parts = text.split('`');
  // An odd count of back-ticks: show the text as it is, with none.
  if (parts.length % 2 === 0) return <>{text.replace(/`/g, '')}</>;
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>{i % 2 === 1 ? <code>{part}</code> : part}</Fragment>
      ))}
    </>
  );
}

export function HealthView(): React.JSX.Element {
  const [report, setReport] = useState<HealthReportDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);

  const run = useCallback(async () => {
    setRunning(true);
    try {
      setReport(await call(bridge().healthReport()));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setRunning(false);
    }
  }, []);
  useEffect(() => {
    void run();
  }, [run]);

  const checks = useMemo(() => (report ? byUrgency(report.checks) : []), [report]);
  const counts = report
    ? {
        pass: report.checks.filter((c) => c.status === 'pass').length,
        warn: report.checks.filter((c) => c.status === 'warn').length,
        fail: report.checks.filter((c) => c.status === 'fail').length,
      }
    : null;

  return (
    <section aria-labelledby="health-title">
      <header className="view-header">
        <div>
          <h1 id="health-title" tabIndex={-1}>
            Health
          </h1>
          <p className="muted">
            Checks of the master key and where it is kept, the OAuth clients, the data folder’s permissions and the security log.
          </p>
        </div>
        <div className="header-actions">
          <button type="button" className="btn" onClick={() => void run()} disabled={running}>
            {running ? 'Checking…' : 'Run checks again'}
          </button>
        </div>
      </header>
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      {!report && !error && (
        <div className="loading" aria-busy="true">
          <span className="spinner" aria-hidden="true" /> Running checks…
        </div>
      )}
      {report && counts && (
        <>
          <p className={`banner ${report.ok ? 'banner-info' : 'banner-error'}`} role="status">
            {report.ok ? 'Everything needed is in place.' : 'Some checks need your attention.'} {counts.pass} passed, {counts.warn} warning
            {counts.warn === 1 ? '' : 's'}, {counts.fail} failed.
          </p>
          <ul className="check-list" aria-label="Checks">
            {checks.map((c) => (
              <li key={c.id} className={`check check-${c.status}`}>
                <span className={`check-icon check-icon-${c.status}`} role="img" aria-label={LABEL[c.status]}>
                  {ICON[c.status]}
                </span>
                <div>
                  <h2 className="check-title">{c.title}</h2>
                  <p>
                    <Words text={c.message} />
                  </p>
                  {c.fix && (
                    <p className="fix">
                      <strong>Fix: </strong>
                      <Words text={c.fix} />
                    </p>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
