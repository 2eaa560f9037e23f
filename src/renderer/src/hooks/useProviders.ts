import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ProviderDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText } from '../api';

export interface ProvidersState {
  providers: ProviderDto[] | null;
  error: string | null;
  reload(): Promise<void>;
  /** Display name for a provider id (from the provider list; the id itself for one that is gone). */
  nameOf(id: string): string;
  /** How to draw a provider (built-ins: from their file), by id. */
  lookOf(id: string): ProviderDto['look'];
}

export function useProviders(ready: boolean): ProvidersState {
  const [providers, setProviders] = useState<ProviderDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async (): Promise<void> => {
    try {
      setProviders(await call(bridge().listProviders()));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, []);
  useEffect(() => {
    if (ready) void reload();
  }, [ready, reload]);
  const names = useMemo(() => new Map((providers ?? []).map((p) => [p.id, p.displayName])), [providers]);
  const nameOf = useCallback((id: string): string => names.get(id) ?? id, [names]);
  const looks = useMemo(() => new Map((providers ?? []).map((p) => [p.id, p.look])), [providers]);
  const lookOf = useCallback((id: string): ProviderDto['look'] => looks.get(id), [looks]);
  return { providers, error, reload, nameOf, lookOf };
}
