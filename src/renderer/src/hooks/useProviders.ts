import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ProviderDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText } from '../api';
import { providerLabel } from '../format';

export interface ProvidersState {
  providers: ProviderDto[] | null;
  error: string | null;
  reload(): Promise<void>;
  /** Display name for a provider id (custom providers have their own names). */
  nameOf(id: string): string;
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
  const nameOf = useCallback((id: string): string => names.get(id) ?? providerLabel(id), [names]);
  return { providers, error, reload, nameOf };
}
