/** The native save dialog (the security log export), in front of the app's window. */
import { join } from 'node:path';
import { app, BrowserWindow, dialog } from 'electron';
import type { SaveDialogPort } from '../desktop/ports.js';

export const electronSaveDialog: SaveDialogPort = {
  async choose({ title, defaultName, filters }) {
    const options: Electron.SaveDialogOptions = {
      title,
      defaultPath: join(app.getPath('documents'), defaultName),
      filters,
      properties: ['createDirectory', 'showOverwriteConfirmation'],
    };
    const parent = BrowserWindow.getFocusedWindow();
    const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
    return result.canceled || !result.filePath ? null : result.filePath;
  },
};
