import { useCallback, useEffect, useState } from 'react';
import type { ProviderConfigDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText } from '../api';

export interface ProviderConfigState {
  config: ProviderConfigDto | null;
  error: string | null;
  reload(): Promise<void>;
}

/** Settings → Providers' data: every client registration with its source, the custom providers. */
export function useProviderConfig(onChanged?: () => void): ProviderConfigState {
  const [config, setConfig] = useState<ProviderConfigDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async (): Promise<void> => {
    try {
      setConfig(await call(bridge().providerConfig()));
      setError(null);
      onChanged?.();
    } catch (err) {
      setError(errorText(err));
    }
  }, [onChanged]);
  useEffect(() => {
    void reload();
    // Account counts change as accounts connect and disconnect.
    return bridge().onAccountsChanged(() => void reload());
  }, [reload]);
  return { config, error, reload };
}
