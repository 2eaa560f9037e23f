import { useEffect, useState } from 'react';
import { errorInfo, type ErrorInfo } from '../api';

export interface PanelActions {
  /** What the last action did ("Copied."), or null. */
  note: string | null;
  /** Why the last action failed, or null. */
  failure: ErrorInfo | null;
  /** Runs a button's action: clears the last note and failure, then shows its own. */
  run(action: () => Promise<void>, done: string): Promise<void>;
}

/** The buttons of a panel shown while a sign-in waits; note and failure go when it stops waiting. */
export function usePanelActions(waiting: boolean): PanelActions {
  const [note, setNote] = useState<string | null>(null);
  const [failure, setFailure] = useState<ErrorInfo | null>(null);
  useEffect(() => {
    if (!waiting) {
      setNote(null);
      setFailure(null);
    }
  }, [waiting]);
  const run = async (action: () => Promise<void>, done: string): Promise<void> => {
    setNote(null);
    setFailure(null);
    try {
      await action();
      setNote(done);
    } catch (err) {
      setFailure(errorInfo(err));
    }
  };
  return { note, failure, run };
}
