import { useEffect, useState } from 'react';
import type { FieldCheckDto, FieldCheckRequest } from '../../../shared/ipc-contract';
import { bridge, call, UiError } from '../api';

/** How long typing must pause before a field is checked. */
const DEBOUNCE_MS = 220;

/**
 * A provider field checked by main as it is typed (the core's own rules). Null while the field
 * is untouched (`request` null). Answers that arrive after a newer keystroke are dropped.
 */
export function useFieldCheck(request: FieldCheckRequest | null): FieldCheckDto | null {
  const [result, setResult] = useState<FieldCheckDto | null>(null);
  const key = request ? JSON.stringify(request) : null;
  useEffect(() => {
    if (key === null) {
      setResult(null);
      return;
    }
    let current = true;
    const timer = window.setTimeout(() => {
      call(bridge().checkProviderField(JSON.parse(key) as FieldCheckRequest))
        .then((r) => {
          if (current) setResult(r);
        })
        .catch((err: unknown) => {
          if (!current) return;
          // The contract refuses control characters and overlong values before any check runs.
          const refused = err instanceof UiError && err.code === 'INVALID_REQUEST';
          setResult({
            status: 'error',
            message: refused ? 'This contains characters that are not allowed here, or is too long.' : 'The field could not be checked.',
          });
        });
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [key]);
  return result;
}
