import { useCallback, useEffect, useState } from 'react';
import type { HealthReportDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText } from '../api';
import './health.css';

const ICON = { pass: '✓', warn: '!', fail: '✗' } as const;
const LABEL = { pass: 'Passed', warn: 'Warning', fail: 'Failed' } as const;

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
          <p className="muted">Configuration checks: client ids, redirect URIs, key custody, secrets kept out of git.</p>
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
            {report.checks.map((c) => (
              <li key={c.id} className={`check check-${c.status}`}>
                <span className={`check-icon check-icon-${c.status}`} role="img" aria-label={LABEL[c.status]}>
                  {ICON[c.status]}
                </span>
                <div>
                  <h2 className="check-title">{c.title}</h2>
                  <p>{c.message}</p>
                  {c.fix && (
                    <p className="fix">
                      <strong>Fix: </strong>
                      {c.fix}
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
