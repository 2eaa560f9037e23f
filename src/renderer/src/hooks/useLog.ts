import { useCallback, useEffect, useState } from 'react';
import type { LogEntryDto, LogVerifyDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText } from '../api';

export const LOG_LIMIT = 1000;

export interface LogState {
  /** Newest first. */
  entries: LogEntryDto[] | null;
  error: string | null;
  verify: LogVerifyDto | null;
  verifyError: string | null;
  runVerify(): Promise<void>;
}

/** The newest log entries, live (log-appended), and the chain check, re-run on every new entry. */
export function useLog(): LogState {
  const [entries, setEntries] = useState<LogEntryDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [verify, setVerify] = useState<LogVerifyDto | null>(null);
  const [verifyError, setVerifyError] = useState<string | null>(null);

  const runVerify = useCallback(async (): Promise<void> => {
    try {
      setVerify(await call(bridge().verifyLog()));
      setVerifyError(null);
    } catch (err) {
      setVerifyError(errorText(err));
    }
  }, []);

  useEffect(() => {
    let alive = true;
    call(bridge().readLog({ limit: LOG_LIMIT }))
      .then((list) => {
        // Newest first, whatever order the core returns.
        if (alive) setEntries([...list].sort((x, y) => y.seq - x.seq));
      })
      .catch((err: unknown) => {
        if (alive) setError(errorText(err));
      });
    void runVerify();
    const off = bridge().onLogAppended((entry) => {
      setEntries((prev) => (prev === null ? prev : [entry, ...prev.filter((e) => e.seq !== entry.seq)].slice(0, LOG_LIMIT)));
      void runVerify();
    });
    return () => {
      alive = false;
      off();
    };
  }, [runVerify]);

  return { entries, error, verify, verifyError, runVerify };
}
