import { useCallback, useEffect, useState } from 'react';
import type { AccountDto, SignInStateDto } from '../../../shared/ipc-contract';
import { bridge, call } from '../api';

type ConnectRequest = Parameters<ReturnType<typeof bridge>['connectAccount']>[0];

export interface SignInState {
  /** The connect this window started and is waiting for (null when none). */
  pending: { providerId: string } | null;
  /** What main knows: the sign-in page it opened, with its link. */
  link: SignInStateDto;
  /** Starts a sign-in in the system browser; resolves with the connected account. */
  connect(request: ConnectRequest): Promise<AccountDto>;
  cancel(): Promise<void>;
  copyLink(): Promise<void>;
  openAgain(): Promise<void>;
}

/** One sign-in at a time, shared by Connect and the cards' Reconnect, shown by one progress panel. */
export function useSignIn(ready: boolean): SignInState {
  const [pending, setPending] = useState<{ providerId: string } | null>(null);
  const [link, setLink] = useState<SignInStateDto>({ active: false });

  useEffect(() => {
    if (!ready) return;
    call(bridge().signInState())
      .then(setLink)
      .catch(() => undefined);
    return bridge().onSignInState(setLink);
  }, [ready]);

  const connect = useCallback(async (request: ConnectRequest): Promise<AccountDto> => {
    setPending({ providerId: request.providerId });
    try {
      return await call(bridge().connectAccount(request));
    } finally {
      setPending(null);
    }
  }, []);
  const cancel = useCallback(async (): Promise<void> => {
    await call(bridge().cancelConnect());
  }, []);
  const copyLink = useCallback(async (): Promise<void> => {
    await call(bridge().copyToClipboard({ what: 'sign-in-link' }));
  }, []);
  const openAgain = useCallback(async (): Promise<void> => {
    await call(bridge().reopenSignIn());
  }, []);

  return { pending, link, connect, cancel, copyLink, openAgain };
}
