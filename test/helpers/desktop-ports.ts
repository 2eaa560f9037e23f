/**
 * The desktop controller's ports as plain recording objects: what Electron's app, window,
 * tray, notifications, login item, power monitor and ipcMain would be told, and a way to act as
 * them (a second instance, a tray click, a quit, an IPC call from a given frame). The controller
 * under test runs for real against the real core.
 */
import type { InvokeEvent, IpcMainLike } from '../../src/main/ipc/register.js';
import type { AppPort, QuitEvent, SaveRequest, TrayHandle, WindowHandle } from '../../src/main/desktop/ports.js';
import type { TrayAction, TrayModel } from '../../src/main/desktop/tray-model.js';
import type { MainWindowSpec } from '../../src/main/desktop/window-spec.js';
import type { DesktopControllerOptions } from '../../src/main/desktop/controller.js';
import type { IpcResult } from '../../src/shared/ipc-contract.js';

export const APP_PAGE = 'app://osmen/index.html';
export const WINDOW_ID = 7;

export class FakeApp implements AppPort {
  readonly version = '0.0.0-test';
  readonly platform = 'linux' as const;
  quitCalls = 0;
  /** Set when a quit was not held by any before-quit listener: the process would exit now. */
  exited = false;
  private exitWaiters: Array<() => void> = [];
  private readonly secondInstance: Array<() => void> = [];
  private readonly activate: Array<() => void> = [];
  private readonly beforeQuit: Array<(e: QuitEvent) => void> = [];

  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  quit(): void {
    this.quitCalls++;
    let held = false;
    for (const l of this.beforeQuit) l({ preventDefault: () => (held = true) });
    if (!held) {
      this.exited = true;
      for (const w of this.exitWaiters.splice(0)) w();
    }
  }
  exitedPromise(): Promise<void> {
    return this.exited ? Promise.resolve() : new Promise((r) => this.exitWaiters.push(r));
  }
  onSecondInstance(l: () => void): void {
    this.secondInstance.push(l);
  }
  onActivate(l: () => void): void {
    this.activate.push(l);
  }
  onBeforeQuit(l: (e: QuitEvent) => void): void {
    this.beforeQuit.push(l);
  }
  startSecondInstance(): void {
    for (const l of this.secondInstance) l();
  }
}

export class FakeWindow implements WindowHandle {
  readonly webContentsId = WINDOW_ID;
  readonly calls: string[] = [];
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  minimized = false;
  destroyed = false;
  /** Hidden to the tray (closing the window hides it). */
  hidden = false;
  sessionEnd: Array<() => void> = [];
  constructor(
    readonly spec: MainWindowSpec,
    readonly isQuitting: () => boolean,
  ) {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isVisible(): boolean {
    return !this.hidden && !this.minimized;
  }
  restore(): void {
    this.minimized = false;
    this.calls.push('restore');
  }
  show(): void {
    this.hidden = false;
    this.calls.push('show');
  }
  focus(): void {
    this.calls.push('focus');
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  onSessionEnd(l: () => void): void {
    this.sessionEnd.push(l);
  }
  eventsOn(channel: string): unknown[] {
    return this.sent.filter((s) => s.channel === channel).map((s) => s.payload);
  }
}

export class FakeTray implements TrayHandle {
  readonly models: TrayModel[] = [];
  destroyed = false;
  constructor(readonly click: (action: TrayAction) => void) {}
  show(model: TrayModel): void {
    this.models.push(model);
  }
  destroy(): void {
    this.destroyed = true;
  }
  get last(): TrayModel {
    return this.models.at(-1)!;
  }
}

/** ipcMain with its handlers, and calls "from" a frame of a given window. */
export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: InvokeEvent, payload: unknown) => Promise<IpcResult<unknown>>>();
  handle(channel: string, listener: (event: InvokeEvent, payload: unknown) => Promise<IpcResult<unknown>>): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** A call from the main frame (or a sub-frame) of a window showing `url`. */
  invoke(
    channel: string,
    payload?: unknown,
    from: { webContentsId?: number; url?: string; subframe?: boolean } = {},
  ): Promise<IpcResult<unknown>> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    const mainFrame = { url: from.url ?? APP_PAGE, parent: null };
    const senderFrame = from.subframe ? { url: from.url ?? APP_PAGE, parent: mainFrame } : mainFrame;
    return handler({ sender: { id: from.webContentsId ?? WINDOW_ID, mainFrame }, senderFrame }, payload);
  }
}

export interface FakePorts {
  app: FakeApp;
  windows: FakeWindow[];
  trays: FakeTray[];
  notifications: Array<{ title: string; body: string; onClick: () => void }>;
  loginItem: boolean[];
  wakes: Array<(reason: string) => void>;
  clipboard: string[];
  /** What the app asked to save, and the answers the "person" gives (a path, or null for Cancel), in order. */
  saveDialog: { requests: SaveRequest[]; answers: Array<string | null> };
  ipc: FakeIpcMain;
  opened: string[];
  options(extra: Pick<DesktopControllerOptions, 'openCore'> & Partial<DesktopControllerOptions>): DesktopControllerOptions;
}

export function fakePorts(): FakePorts {
  const ports: FakePorts = {
    app: new FakeApp(),
    windows: [],
    trays: [],
    notifications: [],
    loginItem: [],
    wakes: [],
    clipboard: [],
    saveDialog: { requests: [], answers: [] },
    ipc: new FakeIpcMain(),
    opened: [],
    options(extra) {
      return {
        app: ports.app,
        window: {
          create: (spec, isQuitting) => {
            const w = new FakeWindow(spec, isQuitting);
            ports.windows.push(w);
            return w;
          },
        },
        tray: {
          create: (onAction) => {
            const t = new FakeTray(onAction);
            ports.trays.push(t);
            return t;
          },
        },
        notifier: { supported: () => true, show: (n) => void ports.notifications.push(n) },
        loginItem: { set: (enabled) => void ports.loginItem.push(enabled) },
        power: {
          watch: (wake) => {
            ports.wakes.push(wake);
            return () => ports.wakes.splice(ports.wakes.indexOf(wake), 1);
          },
        },
        clipboard: { writeText: (t) => void ports.clipboard.push(t) },
        saveDialog: {
          choose: async (request) => {
            ports.saveDialog.requests.push(request);
            if (ports.saveDialog.answers.length === 0) throw new Error('the test gave the save dialog no answer');
            return ports.saveDialog.answers.shift()!;
          },
        },
        ipc: ports.ipc,
        openExternal: (url) => void ports.opened.push(url),
        openSignInPage: async (url) => void ports.opened.push(url),
        renderer: { preloadPath: '/app/out/preload/index.cjs', url: APP_PAGE, devTools: false },
        allowedOrigins: ['app://osmen'],
        argv: [],
        trayRedrawMs: 3_600_000,
        ...extra,
      };
    },
  };
  return ports;
}
