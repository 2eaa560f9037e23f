/**
 * The desktop controller's ports: the small surfaces it needs from the platform. src/main/app/
 * implements them with Electron objects; tests implement them with plain objects and run the
 * controller against the real core and a real OpenID Provider. No Electron import here.
 */
import type { TrayModel, TrayAction } from './tray-model.js';
import type { MainWindowSpec } from './window-spec.js';

/** A before-quit event: the controller may hold the quit until the vault is closed. */
export interface QuitEvent {
  preventDefault(): void;
}

/** The application's lifecycle (Electron's `app`). */
export interface AppPort {
  readonly version: string;
  readonly platform: NodeJS.Platform;
  /** Resolves when the platform is ready for windows and trays. */
  whenReady(): Promise<void>;
  /** Starts quitting (before-quit fires). */
  quit(): void;
  onSecondInstance(listener: () => void): void;
  onActivate(listener: () => void): void;
  onBeforeQuit(listener: (event: QuitEvent) => void): void;
}

/** The main window, once made. */
export interface WindowHandle {
  readonly webContentsId: number;
  isDestroyed(): boolean;
  isMinimized(): boolean;
  /** Shown on screen (not hidden to the tray, not minimized): a consent request then needs no notification. */
  isVisible(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
  /** Delivers an event to the renderer (webContents.send). */
  send(channel: string, payload: unknown): void;
  /** The session ends (Windows log-off): the app must quit and save. */
  onSessionEnd(listener: () => void): void;
}

export interface WindowPort {
  /** Creates the main window from the hardened spec; `isQuitting` decides whether closing hides it. */
  create(spec: MainWindowSpec, isQuitting: () => boolean): WindowHandle;
}

export interface TrayHandle {
  show(model: TrayModel): void;
  destroy(): void;
}

export interface TrayPort {
  create(onAction: (action: TrayAction) => void): TrayHandle;
}

export interface NotifierPort {
  supported(): boolean;
  show(notification: { title: string; body: string; onClick: () => void }): void;
}

export interface LoginItemPort {
  /** Starts the app (hidden, in the tray) at login, or stops doing so. Throws when the platform can't. */
  set(enabled: boolean): void;
}

export interface PowerPort {
  /** Calls `wake` when the machine resumes, the screen unlocks or the network comes back; returns the unsubscribe. */
  watch(wake: (reason: string) => void): () => void;
}

export interface ClipboardPort {
  writeText(text: string): Promise<void> | void;
}

/** What the app asks the person to save (the security log export). */
export interface SaveRequest {
  title: string;
  /** A file name to propose (the dialog opens in the Documents folder). */
  defaultName: string;
  filters: Array<{ name: string; extensions: string[] }>;
}

export interface SaveDialogPort {
  /** Asks where to save (a native save dialog); null when the person cancelled. */
  choose(request: SaveRequest): Promise<string | null>;
}
