/**
 * Who may call the IPC handlers (Electron security checklist item 17, modelled
 * on VS Code's validatedIpcMain): the top frame of one of our own windows,
 * showing our own origin. Pure, so every branch is unit-tested; register.ts
 * extracts SenderInfo from the Electron event.
 */

export interface SenderInfo {
  /** URL of event.senderFrame; undefined when the frame is gone (navigated or destroyed). */
  frameUrl: string | undefined;
  /** senderFrame is the main frame of its webContents (not an iframe). */
  isMainFrame: boolean;
  /** webContents id of the sender. */
  webContentsId: number;
}

export interface SenderPolicy {
  /** Allowed origins as `scheme://host[:port]`, e.g. `app://osmen` or the dev server `http://localhost:5173`. */
  allowedOrigins: readonly string[];
  /** webContents ids of the app's own windows. */
  trustedWebContents(): ReadonlySet<number>;
}

export type SenderVerdict = { ok: true } | { ok: false; reason: string };

/**
 * `scheme://host[:port]` of a URL. URL#origin is "null" for non-special
 * schemes such as app:, so build it from protocol and host.
 */
export function originOf(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '') return null;
  if (url.host === '') return null;
  return `${url.protocol}//${url.host}`;
}

export function validateSender(info: SenderInfo, policy: SenderPolicy): SenderVerdict {
  if (!policy.trustedWebContents().has(info.webContentsId)) return { ok: false, reason: 'foreign_webcontents' };
  if (!info.isMainFrame) return { ok: false, reason: 'not_main_frame' };
  if (info.frameUrl === undefined || info.frameUrl === '') return { ok: false, reason: 'no_frame_url' };
  const origin = originOf(info.frameUrl);
  if (origin === null) return { ok: false, reason: 'malformed_url' };
  if (!policy.allowedOrigins.includes(origin)) return { ok: false, reason: 'foreign_origin' };
  return { ok: true };
}
