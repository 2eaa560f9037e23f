/**
 * Binds the handler table to an ipcMain. Every channel of the contract gets one `handle`;
 * before the table runs, the sender is checked (our window, its main frame, our origin).
 * Rejected senders are logged and get the typed FORBIDDEN_SENDER error; the core is never
 * reached. Electron-free: the app passes Electron's ipcMain, tests and the e2e harness an
 * object with the same two methods, so the check that is tested is the one registered.
 */
import { CHANNEL_NAMES, type IpcResult } from '../../shared/ipc-contract.js';
import type { HandlerTable } from './handlers.js';
import type { RejectionReporter } from './rejections.js';
import { validateSender, type SenderInfo, type SenderPolicy } from './sender-policy.js';

/** The parts of Electron's IpcMainInvokeEvent the sender check reads. */
export interface InvokeEvent {
  readonly sender: { readonly id: number; readonly mainFrame: unknown };
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

/** The parts of Electron's ipcMain used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEvent, payload: unknown) => Promise<IpcResult<unknown>>): void;
  removeHandler(channel: string): void;
}

export function senderInfoOf(event: InvokeEvent): SenderInfo {
  let frameUrl: string | undefined;
  let isMainFrame: boolean;
  try {
    const frame = event.senderFrame;
    frameUrl = frame?.url;
    isMainFrame = frame !== null && frame.parent === null && frame === event.sender.mainFrame;
  } catch {
    // A frame that was destroyed mid-call throws on access: treat it as unknown.
    frameUrl = undefined;
    isMainFrame = false;
  }
  return { frameUrl, isMainFrame, webContentsId: event.sender.id };
}

export const FORBIDDEN_SENDER: IpcResult<never> = {
  ok: false,
  error: { code: 'FORBIDDEN_SENDER', message: 'This caller may not use the credential API.' },
};

export function registerIpc(ipc: IpcMainLike, table: HandlerTable, policy: SenderPolicy, rejections: RejectionReporter): () => void {
  for (const channel of CHANNEL_NAMES) {
    ipc.handle(channel, async (event, payload) => {
      const verdict = validateSender(senderInfoOf(event), policy);
      if (!verdict.ok) {
        rejections.report(channel, verdict.reason);
        return FORBIDDEN_SENDER;
      }
      return table.invoke(channel, payload);
    });
  }
  return () => {
    for (const channel of CHANNEL_NAMES) ipc.removeHandler(channel);
  };
}
