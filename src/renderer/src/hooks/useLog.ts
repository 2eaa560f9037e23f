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
  /** Reads the entries from disk again and verifies the chain ("Verify again": the files may have changed). */
  reload(): Promise<void>;
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

  const read = useCallback(async (isAlive: () => boolean = () => true): Promise<void> => {
    try {
      const list = await call(bridge().readLog({ limit: LOG_LIMIT }));
      // Newest first, whatever order the core returns.
      if (isAlive()) {
        setEntries([...list].sort((x, y) => y.seq - x.seq));
        setError(null);
      }
    } catch (err) {
      if (isAlive()) setError(errorText(err));
    }
  }, []);

  const reload = useCallback(async (): Promise<void> => {
    await Promise.all([read(), runVerify()]);
  }, [read, runVerify]);

  useEffect(() => {
    let alive = true;
    void read(() => alive);
    void runVerify();
    const off = bridge().onLogAppended((entry) => {
      setEntries((prev) => (prev === null ? prev : [entry, ...prev.filter((e) => e.seq !== entry.seq)].slice(0, LOG_LIMIT)));
      void runVerify();
    });
    return () => {
      alive = false;
      off();
    };
  }, [read, runVerify]);

  return { entries, error, verify, verifyError, runVerify, reload };
}
