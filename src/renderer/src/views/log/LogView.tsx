import { useEffect, useId, useMemo, useState } from 'react';
import type { AccountDto, LogVerifyDto } from '../../../../shared/ipc-contract';
import { bridge, call, errorInfo, type ErrorInfo } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { entryProvider, hashesMatching, matchesFilter, type LogFilter } from '../../format';
import { useLog } from '../../hooks/useLog';
import { ChainDetails } from './ChainDetails';
import { providerOfEvent } from './describe';
import { LogTable } from './LogTable';
import { TamperNotice } from './TamperNotice';
import './log.css';

interface Props {
  providerName(id: string): string;
  /** Ids of the providers the app has now (a removed one is named from the log itself). */
  providerIds: ReadonlySet<string>;
  /** Known accounts: their keyed hashes let a search by e-mail find their entries. */
  accounts: AccountDto[] | null;
}

/** The one note above the log: the last export or save, or why it failed. */
type LogMessage = { kind: 'exported' | 'saved'; path: string; entries: number; asked: number } | { kind: 'error'; error: ErrorInfo };

function messageText(m: Extract<LogMessage, { path: string }>): React.ReactNode {
  if (m.kind === 'exported') {
    return (
      <>
        Exported {m.entries} entries, oldest first, to <code>{m.path}</code>. Check it on any computer with{' '}
        <code>osmen-cred log --verify --file {m.path}</code>.
      </>
    );
  }
  const what =
    m.entries === m.asked
      ? `the ${m.entries} ${m.entries === 1 ? 'entry' : 'entries'} shown`
      : `${m.entries} of the ${m.asked} entries shown (the others are no longer in the log)`;
  return (
    <>
      Saved {what}, newest first, to <code>{m.path}</code>.
    </>
  );
}

export function LogView({ providerName, providerIds, accounts }: Props): React.JSX.Element {
  const { entries, error, verify, verifyError, reload } = useLog();
  const [filter, setFilter] = useState<LogFilter>({ event: '', provider: '', outcome: 'all', search: '' });
  const ids = useId();
  const [busy, setBusy] = useState<'export' | 'save' | null>(null);
  const [message, setMessage] = useState<LogMessage | null>(null);

  // A tamper or rollback alarm replaces any note about an earlier export: one message at a time.
  useEffect(() => {
    if (verify && !verify.ok) setMessage(null);
  }, [verify]);

  // A provider that was removed keeps the name the log gave it last (entries are newest first).
  const nameOf = useMemo(() => {
    const named = new Map<string, string>();
    for (const e of entries ?? []) {
      const id = providerOfEvent(e);
      const name = e.details['displayName'];
      if (id && typeof name === 'string' && name !== '' && !named.has(id)) named.set(id, name);
    }
    return (id: string): string => (providerIds.has(id) ? providerName(id) : (named.get(id) ?? providerName(id)));
  }, [entries, providerIds, providerName]);
  const events = useMemo(() => [...new Set((entries ?? []).map((e) => e.event))].sort(), [entries]);
  const providers = useMemo(() => [...new Set((entries ?? []).map(entryProvider).filter((p) => p !== ''))].sort(), [entries]);
  const accountByHash = useMemo(
    () => new Map((accounts ?? []).map((a) => [a.userHash, { name: a.displayName !== a.userId ? a.displayName : null, userId: a.userId }])),
    [accounts],
  );
  const hashes = useMemo(() => hashesMatching(accounts ?? [], filter.search), [accounts, filter.search]);
  const visible = useMemo(() => (entries ?? []).filter((e) => matchesFilter(e, filter, hashes)), [entries, filter, hashes]);
  // Entries of accounts not connected now can't be matched by e-mail or name: only their hash is logged.
  const unmatchable = useMemo(
    () => filter.search.trim() !== '' && hashes.size === 0 && (entries ?? []).some((e) => e.userHash && !accountByHash.has(e.userHash)),
    [filter.search, hashes, entries, accountByHash],
  );

  // The whole chain, oldest first, or the entries shown, where the person chooses (main asks with a save dialog).
  const save = async (how: 'export' | 'save'): Promise<void> => {
    setBusy(how);
    setMessage(null);
    const asked = visible.length;
    try {
      const r = await call(how === 'export' ? bridge().exportLog() : bridge().saveShownLog({ seqs: visible.map((e) => e.seq) }));
      if (r.saved) setMessage({ kind: how === 'export' ? 'exported' : 'saved', path: r.path, entries: r.entries, asked });
    } catch (err) {
      setMessage({ kind: 'error', error: errorInfo(err) });
    } finally {
      setBusy(null);
    }
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
          <button
            type="button"
            className="btn"
            onClick={() => {
              setMessage(null);
              void reload();
            }}
          >
            Verify again
          </button>
          <button type="button" className="btn" onClick={() => void save('save')} disabled={visible.length === 0 || busy !== null}>
            {busy === 'save' ? 'Saving…' : 'Save shown as JSON lines'}
          </button>
          <button type="button" className="btn btn-primary" onClick={() => void save('export')} disabled={busy !== null}>
            {busy === 'export' ? 'Exporting…' : 'Export log…'}
          </button>
        </div>
      </header>
      {message && message.kind !== 'error' && (
        <p className="banner banner-info export-result" role="status" data-testid="log-message">
          {messageText(message)}
        </p>
      )}
      {message?.kind === 'error' && (
        <div data-testid="log-message">
          <ErrorNotice error={message.error} live />
        </div>
      )}
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
                {nameOf(p)}
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
          <p className="muted" data-testid="log-empty">
            {entries.length === 0 ? 'The log is empty.' : 'No entries match these filters.'}
            {entries.length > 0 && unmatchable && (
              <>
                {' '}
                The log keeps only a keyed hash of each account, so an account that is not connected now can’t be found by its e-mail
                address or name: its entries show as “not connected now”. Clear the search and filter by provider or event instead.
              </>
            )}
          </p>
        </div>
      )}
      {visible.length > 0 && (
        <LogTable
          entries={visible}
          total={entries?.length ?? 0}
          providerName={nameOf}
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
