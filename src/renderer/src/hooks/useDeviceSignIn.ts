import { useCallback, useEffect, useState } from 'react';
import type { AccountDto, DeviceSignInStateDto } from '../../../shared/ipc-contract';
import { bridge, call } from '../api';

type DeviceRequest = Parameters<ReturnType<typeof bridge>['connectWithDevice']>[0];

export interface DeviceSignInState {
  /** The device sign-in this window started and waits for. */
  pending: { providerId: string } | null;
  /** What main knows: the code and where to enter it (never the device code). */
  state: DeviceSignInStateDto;
  /** Starts signing in on another device; resolves with the connected account. */
  start(request: DeviceRequest): Promise<AccountDto>;
  cancel(): Promise<void>;
  copyCode(): Promise<void>;
  openPage(): Promise<void>;
}

export function useDeviceSignIn(ready: boolean): DeviceSignInState {
  const [pending, setPending] = useState<{ providerId: string } | null>(null);
  const [state, setState] = useState<DeviceSignInStateDto>({ active: false });

  useEffect(() => {
    if (!ready) return;
    call(bridge().deviceSignInState())
      .then(setState)
      .catch(() => undefined);
    return bridge().onDeviceSignIn(setState);
  }, [ready]);

  const start = useCallback(async (request: DeviceRequest): Promise<AccountDto> => {
    setPending({ providerId: request.providerId });
    try {
      return await call(bridge().connectWithDevice(request));
    } finally {
      setPending(null);
    }
  }, []);
  const cancel = useCallback(async (): Promise<void> => {
    await call(bridge().cancelConnect());
  }, []);
  const copyCode = useCallback(async (): Promise<void> => {
    await call(bridge().copyToClipboard({ what: 'device-user-code' }));
  }, []);
  const openPage = useCallback(async (): Promise<void> => {
    await call(bridge().openDevicePage());
  }, []);
  return { pending, state, start, cancel, copyCode, openPage };
}
