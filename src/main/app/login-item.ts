/** "Start at login": the OS login item, started hidden (tray only). */
import { app } from 'electron';

export const HIDDEN_ARG = '--hidden';

export function applyStartAtLogin(enabled: boolean): void {
  // Electron's login-item API covers macOS and Windows; on Linux the setting is kept
  // and the README says to add an autostart entry (desktop environments differ).
  if (process.platform !== 'darwin' && process.platform !== 'win32') return;
  app.setLoginItemSettings({ openAtLogin: enabled, args: enabled ? [HIDDEN_ARG] : [] });
}

/** Started by the login item: stay in the tray. (macOS passes no args; it reopens the window on activate.) */
export function startedHidden(argv: readonly string[]): boolean {
  return argv.includes(HIDDEN_ARG);
}
