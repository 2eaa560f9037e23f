/**
 * Start at login, started hidden (tray only): Electron's login item on macOS and Windows, an
 * XDG autostart entry on Linux (desktop/autostart.ts).
 */
import { app } from 'electron';
import { XdgAutostart } from '../desktop/autostart.js';
import { HIDDEN_ARG } from '../desktop/controller.js';
import type { LoginItemPort } from '../desktop/ports.js';

export function electronLoginItem(): LoginItemPort {
  if (process.platform === 'darwin' || process.platform === 'win32') {
    return { set: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled, args: enabled ? [HIDDEN_ARG] : [] }) };
  }
  // An AppImage runs from a temporary mount: start the AppImage file itself.
  const program = process.env['APPIMAGE'] ?? process.execPath;
  const command = app.isPackaged ? [program, HIDDEN_ARG] : [program, app.getAppPath(), HIDDEN_ARG];
  return new XdgAutostart(command);
}
