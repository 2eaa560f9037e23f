import { useCallback, useEffect, useState } from 'react';
import type { SettingsDto } from '../../../shared/ipc-contract';
import { bridge, call } from '../api';

type SettingsPatch = Parameters<ReturnType<typeof bridge>['updateSettings']>[0];

export interface SettingsState {
  settings: SettingsDto | null;
  /** Saves a patch; resolves with the stored settings, throws a UiError when refused. */
  save(patch: SettingsPatch): Promise<SettingsDto>;
}

/** The settings, kept current when they change outside the window (the tray's Pause/Resume). */
export function useSettings(ready: boolean): SettingsState {
  const [settings, setSettings] = useState<SettingsDto | null>(null);
  useEffect(() => {
    if (!ready) return;
    call(bridge().getSettings())
      .then(setSettings)
      .catch(() => undefined);
    return bridge().onSettingsChanged(setSettings);
  }, [ready]);
  const save = useCallback(async (patch: SettingsPatch): Promise<SettingsDto> => {
    const next = await call(bridge().updateSettings(patch));
    setSettings(next);
    return next;
  }, []);
  return { settings, save };
}
