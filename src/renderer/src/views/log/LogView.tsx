import { useId, useMemo, useState } from 'react';
import type { AccountDto, LogVerifyDto } from '../../../../shared/ipc-contract';
import { bridge, call, errorInfo, type ErrorInfo } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { hashesMatching, matchesFilter, toJsonLines, type LogFilter } from '../../format';
import { useLog } from '../../hooks/useLog';
import { ChainDetails } from './ChainDetails';
import { LogTable } from './LogTable';
import { TamperNotice } from './TamperNotice';
import './log.css';

interface Props {
  providerName(id: string): string;
  /** Known accounts: their keyed hashes let a search by e-mail find their entries. */
  accounts: AccountDto[] | null;
}

export function LogView({ providerName, accounts }: Props): React.JSX.Element {
  const { entries, error, verify, verifyError, reload } = useLog();
  const [filter, setFilter] = useState<LogFilter>({ event: '', provider: '', outcome: 'all', search: '' });
  const ids = useId();
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState<{ kind: 'done'; path: string; entries: number } | { kind: 'error'; error: ErrorInfo } | null>(
    null,
  );

  const events = useMemo(() => [...new Set((entries ?? []).map((e) => e.event))].sort(), [entries]);
  const providers = useMemo(() => [...new Set((entries ?? []).map((e) => e.provider).filter((p): p is string => !!p))].sort(), [entries]);
  const accountByHash = useMemo(
    () => new Map((accounts ?? []).map((a) => [a.userHash, { name: a.displayName !== a.userId ? a.displayName : null, userId: a.userId }])),
    [accounts],
  );
  const hashes = useMemo(() => hashesMatching(accounts ?? [], filter.search), [accounts, filter.search]);
  const visible = useMemo(() => (entries ?? []).filter((e) => matchesFilter(e, filter, hashes)), [entries, filter, hashes]);

  // The whole chain, oldest first, where the person chooses (main asks with a save dialog).
  const exportChain = async (): Promise<void> => {
    setExporting(true);
    setExported(null);
    try {
      const r = await call(bridge().exportLog());
      if (r.saved) setExported({ kind: 'done', path: r.path, entries: r.entries });
    } catch (err) {
      setExported({ kind: 'error', error: errorInfo(err) });
    } finally {
      setExporting(false);
    }
  };

  const saveShown = (): void => {
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
    <section aria-labelledby="log-title" className="log-view">
      <header className="view-header">
        <div>
          <h1 id="log-title" tabIndex={-1}>
            Security log
          </h1>
          <p className="muted">Every connect, refresh, revocation and rejected request, hash-chained so edits show.</p>
        </div>
        <div className="header-actions">
          <VerifyBadge verify={verify} error={verifyError} />
          <button type="button" className="btn" onClick={() => void reload()}>
            Verify again
          </button>
          <button type="button" className="btn" onClick={saveShown} disabled={visible.length === 0}>
            Save shown as JSON lines
          </button>
          <button type="button" className="btn btn-primary" onClick={() => void exportChain()} disabled={exporting}>
            {exporting ? 'Exporting…' : 'Export log…'}
          </button>
        </div>
      </header>
      {exported?.kind === 'done' && (
        <p className="banner banner-info export-result" role="status" data-testid="export-result">
          Exported {exported.entries} entries, oldest first, to <code>{exported.path}</code>. Check it on any computer with{' '}
          <code>osmen-cred log --verify --file {exported.path}</code>.
        </p>
      )}
      {exported?.kind === 'error' && <ErrorNotice error={exported.error} live />}
      {verify && !verify.ok && verify.firstBad && !ANCHOR_PROBLEMS.has(verify.firstBad.problem ?? '') && (
        <TamperNotice bad={verify.firstBad} />
      )}
      {verify && <ChainDetails verify={verify} />}
      <div className="filters" role="search" aria-label="Filter the log">
        <div className="field field-search">
          <label htmlFor={`${ids}-search`}>Search</label>
          <input
            id={`${ids}-search`}
            type="search"
            value={filter.search}
            onChange={(e) => setFilter({ ...filter, search: e.target.value })}
            placeholder="e-mail, event, provider, details…"
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
        <LogTable
          entries={visible}
          total={entries?.length ?? 0}
          providerName={providerName}
          accountByHash={accountByHash}
          badSeq={verify?.ok === false && !ANCHOR_PROBLEMS.has(verify.firstBad?.problem ?? '') ? (verify.firstBad?.seq ?? null) : null}
        />
      )}
    </section>
  );
}

/** Problems with the vault anchor: ChainDetails explains them (what happened, what to do). */
const ANCHOR_PROBLEMS: ReadonlySet<string> = new Set(['rolled_back', 'anchor_invalid']);

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
  const problem = verify.firstBad?.problem;
  return (
    <span className="badge badge-bad" role="status" data-testid="chain-badge">
      {problem === 'rolled_back'
        ? '✗ Rolled back to an older copy'
        : problem === 'anchor_invalid'
          ? '✗ Vault anchor does not match'
          : `✗ Tampering detected at entry ${verify.firstBad?.seq ?? '?'}`}
    </span>
  );
}
