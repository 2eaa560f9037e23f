/**
 * Binds the handler table to ipcMain. Every channel of the contract gets one
 * `ipcMain.handle`; before the table runs, the sender is checked (our window,
 * its main frame, our origin). Rejected senders are logged and get the typed
 * FORBIDDEN_SENDER error; the core is never reached.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { CHANNEL_NAMES, type IpcResult } from '../../shared/ipc-contract.js';
import type { HandlerTable } from './handlers.js';
import type { RejectionReporter } from './rejections.js';
import { validateSender, type SenderInfo, type SenderPolicy } from './sender-policy.js';

export function senderInfoOf(event: IpcMainInvokeEvent): SenderInfo {
  const frame = event.senderFrame;
  let frameUrl: string | undefined;
  let isMainFrame = false;
  try {
    frameUrl = frame?.url;
    isMainFrame = frame !== null && frame.parent === null && frame === event.sender.mainFrame;
  } catch {
    // A frame that was destroyed mid-call throws on access: treat it as unknown.
    frameUrl = undefined;
    isMainFrame = false;
  }
  return { frameUrl, isMainFrame, webContentsId: event.sender.id };
}

export function registerIpc(table: HandlerTable, policy: SenderPolicy, rejections: RejectionReporter): () => void {
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(channel, async (event, payload: unknown): Promise<IpcResult<unknown>> => {
      const verdict = validateSender(senderInfoOf(event), policy);
      if (!verdict.ok) {
        rejections.report(channel, verdict.reason);
        return { ok: false, error: { code: 'FORBIDDEN_SENDER', message: 'This caller may not use the credential API.' } };
      }
      return table.invoke(channel, payload);
    });
  }
  return () => {
    for (const channel of CHANNEL_NAMES) ipcMain.removeHandler(channel);
  };
}
