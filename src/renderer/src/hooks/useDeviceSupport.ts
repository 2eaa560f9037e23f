import { useEffect, useState } from 'react';
import type { DeviceSupportDto, ProviderDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText, UiError } from '../api';
import { adviceFor } from '../errors/advice';

export type DeviceSupportState = DeviceSupportDto | 'checking';

/**
 * For each configured provider: can it sign in on another device? Main asks the provider's
 * metadata (discovery) for a device authorization endpoint; the answer says why not.
 */
export function useDeviceSupport(providers: ProviderDto[] | null): ReadonlyMap<string, DeviceSupportState> {
  const [support, setSupport] = useState<ReadonlyMap<string, DeviceSupportState>>(new Map());
  const key = (providers ?? [])
    .filter((p) => p.configured)
    .map((p) => `${p.id}@${p.issuer ?? ''}`)
    .join(' ');
  useEffect(() => {
    let current = true;
    const ids = key ? key.split(' ').map((k) => k.slice(0, k.indexOf('@'))) : [];
    setSupport(new Map(ids.map((id) => [id, 'checking' as const])));
    for (const id of ids) {
      // The catch turns any failure into an answer, so the chain never rejects.
      void call(bridge().deviceSupport({ providerId: id }))
        .catch((err: unknown): DeviceSupportDto => ({
          supported: false,
          code: err instanceof UiError ? err.code : 'INTERNAL',
          reason: errorText(err),
        }))
        .then((answer) => {
          if (current) setSupport((prev) => new Map(prev).set(id, answer));
        });
    }
    return () => {
      current = false;
    };
  }, [key]);
  return support;
}

/**
 * Why "Sign in on another device" is not offered, in plain words: the provider does not offer it,
 * or the advice for the code that stopped the check (the code itself is shown beside it, small).
 */
export function deviceUnavailableText(providerName: string, s: DeviceSupportDto): string {
  const lead = 'Sign in on another device is not available';
  if (s.code === 'device_flow_unsupported') return `${lead}: ${providerName} does not offer it.`;
  if (!s.code) return `${lead} here.`;
  const title = adviceFor(s.code, s.reason !== undefined ? { message: s.reason } : {}).title;
  return `${lead}: ${title.charAt(0).toLowerCase()}${title.slice(1)}`;
}
