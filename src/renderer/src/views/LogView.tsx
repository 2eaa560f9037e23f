import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import type { LogEntryDto, LogVerifyDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText } from '../api';
import { formatDateTime, matchesFilter, providerLabel, toJsonLines, type LogFilter } from '../format';

const LIMIT = 1000;

export function LogView({ providerNames }: { providerNames: Readonly<Record<string, string>> }): React.JSX.Element {
  const providerName = (id: string): string => providerNames[id] ?? providerLabel(id);
  const [entries, setEntries] = useState<LogEntryDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [verify, setVerify] = useState<LogVerifyDto | null>(null);
  const [verifyError, setVerifyError] = useState<string | null>(null);
  const [filter, setFilter] = useState<LogFilter>({ event: '', provider: '', outcome: 'all', search: '' });
  const ids = useId();

  const runVerify = useCallback(async () => {
    try {
      setVerify(await call(bridge().verifyLog()));
      setVerifyError(null);
    } catch (err) {
      setVerifyError(errorText(err));
    }
  }, []);

  useEffect(() => {
    let alive = true;
    call(bridge().readLog({ limit: LIMIT }))
      .then((list) => {
        // Newest first, whatever order the core returns.
        if (alive) setEntries([...list].sort((a, b) => b.seq - a.seq));
      })
      .catch((err: unknown) => alive && setError(errorText(err)));
    void runVerify();
    const off = bridge().onLogAppended((entry) => {
      setEntries((prev) => (prev === null ? prev : [entry, ...prev.filter((e) => e.seq !== entry.seq)].slice(0, LIMIT)));
      void runVerify();
    });
    return () => {
      alive = false;
      off();
    };
  }, [runVerify]);

  const events = useMemo(() => [...new Set((entries ?? []).map((e) => e.event))].sort(), [entries]);
  const providers = useMemo(
    () => [...new Set((entries ?? []).map((e) => e.provider).filter((p): p is string => !!p))].sort(),
    [entries],
  );
  const visible = useMemo(() => (entries ?? []).filter((e) => matchesFilter(e, filter)), [entries, filter]);

  const exportLog = (): void => {
    const blob = new Blob([toJsonLines(visible)], { type: 'application/x-ndjson' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `osmen-security-log-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.jsonl`;
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <section aria-labelledby="log-title">
      <header className="view-header">
        <div>
          <h1 id="log-title" tabIndex={-1}>
            Security log
          </h1>
          <p className="muted">Every connect, refresh, revocation and rejected request, hash-chained so edits show.</p>
        </div>
        <div className="header-actions">
          <VerifyBadge verify={verify} error={verifyError} />
          <button type="button" className="btn" onClick={() => void runVerify()}>
            Verify again
          </button>
          <button type="button" className="btn" onClick={exportLog} disabled={visible.length === 0}>
            Export JSON lines
          </button>
        </div>
      </header>
      <div className="filters" role="search" aria-label="Filter the log">
        <div className="field">
          <label htmlFor={`${ids}-search`}>Search</label>
          <input
            id={`${ids}-search`}
            type="search"
            value={filter.search}
            onChange={(e) => setFilter({ ...filter, search: e.target.value })}
            placeholder="event, provider, details…"
          />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-event`}>Event</label>
          <select id={`${ids}-event`} value={filter.event} onChange={(e) => setFilter({ ...filter, event: e.target.value })}>
            <option value="">All events</option>
            {events.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-provider`}>Provider</label>
          <select id={`${ids}-provider`} value={filter.provider} onChange={(e) => setFilter({ ...filter, provider: e.target.value })}>
            <option value="">All providers</option>
            {providers.map((p) => (
              <option key={p} value={p}>
                {providerName(p)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-outcome`}>Outcome</label>
          <select
            id={`${ids}-outcome`}
            value={filter.outcome}
            onChange={(e) => setFilter({ ...filter, outcome: e.target.value as LogFilter['outcome'] })}
          >
            <option value="all">Any outcome</option>
            <option value="success">Succeeded</option>
            <option value="failure">Failed or warning</option>
          </select>
        </div>
      </div>
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      {entries === null && !error && (
        <div className="loading" aria-busy="true">
          <span className="spinner" aria-hidden="true" /> Reading the log…
        </div>
      )}
      {entries !== null && visible.length === 0 && (
        <div className="empty small-empty">
          <p className="muted">{entries.length === 0 ? 'The log is empty.' : 'No entries match these filters.'}</p>
        </div>
      )}
      {visible.length > 0 && (
        <div className="table-wrap">
          <table className="log-table">
            <caption className="visually-hidden">
              {visible.length} of {entries?.length ?? 0} log entries, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Provider</th>
                <th scope="col">Outcome</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {visible.map((e) => (
                <tr key={e.seq} className={`level-${e.level}`} data-testid="log-row">
                  <td className="num">{e.seq}</td>
                  <td className="nowrap">{formatDateTime(e.ts)}</td>
                  <td>
                    <code>{e.event}</code>
                  </td>
                  <td>{e.provider ? providerName(e.provider) : '—'}</td>
                  <td>
                    <Outcome entry={e} />
                  </td>
                  <td>
                    <div className="details">
                    {e.userHash && <span className="chip mono" title="Keyed hash of the account id">user {e.userHash.slice(0, 10)}</span>}
                    {Object.entries(e.details).map(([k, v]) => (
                      <span key={k} className="kv">
                        <span className="k">{k}</span> {String(v)}
                      </span>
                    ))}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Outcome({ entry }: { entry: LogEntryDto }): React.JSX.Element {
  if (entry.success === true) return <span className="pill pill-active">success</span>;
  if (entry.success === false) return <span className="pill pill-failing">failed</span>;
  if (entry.level === 'error' || entry.level === 'warn') return <span className="pill pill-needs_reauth">{entry.level}</span>;
  return <span className="muted">—</span>;
}

function VerifyBadge({ verify, error }: { verify: LogVerifyDto | null; error: string | null }): React.JSX.Element {
  if (error) {
    return (
      <span className="badge badge-warn" role="status">
        Chain not checked: {error}
      </span>
    );
  }
  if (!verify) return <span className="badge">Checking chain…</span>;
  if (verify.ok) {
    return (
      <span className="badge badge-ok" role="status" data-testid="chain-badge">
        ✓ Chain intact · {verify.entries} entries
      </span>
    );
  }
  return (
    <span className="badge badge-bad" role="status" data-testid="chain-badge">
      ✗ Tampering detected at entry {verify.firstBad?.seq ?? '?'}: {verify.firstBad?.reason ?? 'unknown'}
    </span>
  );
}
