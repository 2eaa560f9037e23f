/**
 * The desktop app's behaviour, free of Electron: it opens the vault (or keeps the locked
 * screen's reason), registers the IPC handlers with their sender check, makes the hardened
 * window and the tray, forwards core events to the renderer, notifies once per account that
 * needs signing in again, keeps start-at-login in line with the settings, wakes the scheduler
 * on resume and network changes, and on quit waits for refreshes in flight so a rotated
 * refresh token is saved. src/main/index.ts adapts Electron's objects to the ports it uses.
 */
import { accountKey } from '../../shared/account-key.js';
import type { IpcErrorDto } from '../../shared/ipc-contract.js';
import { AgentService } from '../core/index.js';
import { toErrorDto } from '../ipc/errors.js';
import { forwardCoreEvents } from '../ipc/events-bridge.js';
import { createHandlerTable, type HandlerTable } from '../ipc/handlers.js';
import { registerIpc, type IpcMainLike } from '../ipc/register.js';
import { RejectionReporter } from '../ipc/rejections.js';
import type {
  AppPort,
  ClipboardPort,
  LoginItemPort,
  NotifierPort,
  PowerPort,
  QuitEvent,
  SaveDialogPort,
  TrayHandle,
  TrayPort,
  WindowHandle,
  WindowPort,
} from './ports.js';
import { buildTrayModel, type TrayAction } from './tray-model.js';
import { ReauthNotificationPolicy } from './wake-policy.js';
import { mainWindowSpec } from './window-spec.js';
import type { CoreSettings } from '../core/contracts/settings.js';
import type { CredentialCore } from '../core/api.js';
import type { ConsentRequestView } from '../core/contracts/consent.js';

/** Started by the login item: stay in the tray. */
export const HIDDEN_ARG = '--hidden';

/** Where problems the person can't act on are written (electron-log in the app). */
export interface Diagnostics {
  warn(message: string, detail?: unknown): void;
}

export interface DesktopControllerOptions {
  app: AppPort;
  window: WindowPort;
  tray: TrayPort;
  notifier: NotifierPort;
  loginItem: LoginItemPort;
  power: PowerPort;
  clipboard: ClipboardPort;
  /** Where to save the security log export. */
  saveDialog: SaveDialogPort;
  ipc: IpcMainLike;
  /** Opens the vault: the app's createCredentialCore (background refresh on). Throws when it is locked. */
  openCore(): Promise<CredentialCore>;
  /** Opens an allow-listed https page in the system browser. */
  openExternal(url: string): Promise<void> | void;
  /** Opens a provider's sign-in page in the system browser. */
  openSignInPage(url: string): Promise<void>;
  /** The renderer the window loads, and its preload. */
  renderer: { preloadPath: string; iconPath?: string; url: string; devTools: boolean };
  /** Origins the renderer may be served from (app://osmen, the dev server). */
  allowedOrigins: readonly string[];
  argv: readonly string[];
  diagnostics?: Diagnostics;
  now?: () => number;
  /** How often the tray's "next refresh in …" is redrawn. Default 60 s. */
  trayRedrawMs?: number;
  /** The token agent's socket (default <data folder>/agent.sock). */
  agentSocketPath?: string;
}

export class DesktopController {
  private coreRef: CredentialCore | null = null;
  private lockedBecause: IpcErrorDto | null = null;
  private win: WindowHandle | null = null;
  private trayHandle: TrayHandle | null = null;
  private agent: AgentService | null = null;
  private table: HandlerTable | null = null;
  private quitting = false;
  private closed = false;
  private refreshingAll = false;
  private readonly cleanups: Array<() => void> = [];
  private readonly reauth = new ReauthNotificationPolicy();
  private readonly now: () => number;

  constructor(private readonly o: DesktopControllerOptions) {
    this.now = o.now ?? Date.now;
  }

  get core(): CredentialCore | null {
    return this.coreRef;
  }

  get vaultError(): IpcErrorDto | null {
    return this.lockedBecause;
  }

  get handlers(): HandlerTable | null {
    return this.table;
  }

  async start(): Promise<void> {
    const { app } = this.o;
    app.onSecondInstance(() => this.showWindow());
    app.onActivate(() => this.showWindow());
    app.onBeforeQuit((event) => this.beforeQuit(event));
    await app.whenReady();
    await this.openVault();

    const rejections = new RejectionReporter(() => this.coreRef?.securityEvents ?? null);
    const table = createHandlerTable({
      getCore: () => this.coreRef,
      vaultError: () => this.lockedBecause,
      appInfo: { version: app.version, platform: app.platform },
      // The table has already checked the URL against the console allow-list.
      openExternal: (url) => this.o.openExternal(url) /* eng-disable OPEN_EXTERNAL_JS_CHECK */,
      reportRejection: rejections,
      openSignInPage: (url) => this.o.openSignInPage(url),
      writeClipboard: (text) => this.o.clipboard.writeText(text),
      chooseSavePath: (defaultName) =>
        this.o.saveDialog.choose({
          title: 'Export the security log',
          defaultName,
          filters: [{ name: 'Security log export (JSON lines)', extensions: ['jsonl'] }],
        }),
      // The locked screen's Retry (after the keychain was unlocked): on success, run as at start.
      retryOpenVault: async () => {
        if (this.coreRef) return;
        await this.openVault();
        if (this.coreRef) this.attachCore(this.coreRef);
      },
      quit: () => app.quit(),
    });
    this.table = table;
    this.cleanups.push(
      registerIpc(
        this.o.ipc,
        table,
        { allowedOrigins: this.o.allowedOrigins, trustedWebContents: () => this.trustedWindows() },
        rejections,
      ),
      table.subscribe((channel, payload) => this.send(channel, payload)),
    );

    const spec = mainWindowSpec({ ...this.o.renderer, show: !this.o.argv.includes(HIDDEN_ARG) });
    this.win = this.o.window.create(spec, () => this.quitting);
    // Windows log-off does not emit before-quit, and closing the window only hides it: quit
    // explicitly so refreshes in flight are saved.
    this.win.onSessionEnd(() => app.quit());

    this.trayHandle = this.o.tray.create((action) => {
      this.onTrayAction(action).catch((err: unknown) => this.o.diagnostics?.warn(`tray action ${action} failed`, err));
    });
    const redraw = setInterval(() => this.redrawTray(), this.o.trayRedrawMs ?? 60_000);
    redraw.unref?.();
    this.cleanups.push(() => clearInterval(redraw));
    this.redrawTray();
    if (this.coreRef) this.attachCore(this.coreRef);
  }

  private async openVault(): Promise<void> {
    try {
      this.coreRef = await this.o.openCore();
      this.lockedBecause = null;
    } catch (err) {
      // KEYCHAIN_UNAVAILABLE, KEY_MALFORMED, DB_CORRUPT…: the locked-vault screen. Never a plaintext fallback.
      this.lockedBecause = toErrorDto(err);
    }
  }

  private trustedWindows(): ReadonlySet<number> {
    return new Set(this.win && !this.win.isDestroyed() ? [this.win.webContentsId] : []);
  }

  private send(channel: string, payload: unknown): void {
    if (this.win && !this.win.isDestroyed()) this.win.send(channel, payload);
  }

  showWindow(): void {
    const win = this.win;
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  private attachCore(core: CredentialCore): void {
    this.cleanups.push(forwardCoreEvents(core.events, (channel, payload) => this.send(channel, payload)));
    const onReauth = ({ provider, userId }: { provider: string; userId: string }): void => {
      const account = core.listAccounts().find((a) => accountKey(a) === accountKey({ provider, userId }));
      this.notifyReauth(provider, userId, account?.displayName ?? userId);
      this.redrawTray();
    };
    // Every refresh ends in accounts-changed: one tray redraw, and reconnected accounts may be notified again.
    const onAccounts = (): void => {
      this.reauth.sync(core.listAccounts());
      this.redrawTray();
    };
    const onSettings = (settings: CoreSettings): void => {
      this.applyStartAtLogin(settings.startAtLogin);
      void this.agent?.setEnabled(settings.agentEnabled);
      this.redrawTray();
    };
    // Hand-off consent: a program without a grant is shown in the window's dialog (forwarded
    // above); when the window is hidden or minimized, a notification brings it up.
    const onConsent = (view: ConsentRequestView): void => {
      if (this.win && !this.win.isDestroyed() && this.win.isVisible()) return;
      if (!this.o.notifier.supported()) return;
      this.o.notifier.show({
        title: `${view.program.name} asks for a token`,
        body: `${view.program.description} wants ${view.account.provider}:${view.account.userId}. Open OsMEN to allow or deny it (60 s).`,
        onClick: () => this.showWindow(),
      });
    };
    core.events.on('consent-request', onConsent);
    core.consent.enablePrompts(true);
    this.cleanups.push(() => {
      core.consent.enablePrompts(false);
      core.events.off('consent-request', onConsent);
    });
    core.events.on('needs-reauth', onReauth);
    core.events.on('accounts-changed', onAccounts);
    core.events.on('settings-changed', onSettings);
    this.cleanups.push(() => {
      core.events.off('needs-reauth', onReauth);
      core.events.off('accounts-changed', onAccounts);
      core.events.off('settings-changed', onSettings);
    });
    // The scheduler object can be replaced by a settings change: look it up at wake time.
    this.cleanups.push(this.o.power.watch(() => core.wakeScheduler()));
    this.reauth.sync(core.listAccounts());
    this.applyStartAtLogin(core.getSettings().startAtLogin);
    // The token agent (docs/cli.md): programs get tokens over <data folder>/agent.sock while the
    // app runs, so they never open the vault themselves (Settings: on by default). When an
    // `osmen-cred agent` already serves the socket, that one keeps serving.
    this.agent = new AgentService(core, {
      home: core.home,
      ...(this.o.agentSocketPath ? { socketPath: this.o.agentSocketPath } : {}),
      onState: (s) => {
        if (s.error) this.o.diagnostics?.warn(`token agent not started: [${s.error.code}] ${s.error.message}`);
      },
    });
    void this.agent.setEnabled(core.getSettings().agentEnabled);
    this.redrawTray();
  }

  /** The token agent the app serves, when it runs. */
  get agentPath(): string | null {
    return this.agent?.path ?? null;
  }

  private notifyReauth(provider: string, userId: string, label: string): void {
    if (!this.o.notifier.supported() || !this.reauth.shouldNotify({ provider, userId })) return;
    this.o.notifier.show({
      title: 'Sign in again to keep this account connected',
      body: `${label} (${provider}) needs re-authentication. Open the app and choose Reconnect.`,
      onClick: () => this.showWindow(),
    });
  }

  private applyStartAtLogin(enabled: boolean): void {
    try {
      this.o.loginItem.set(enabled);
    } catch (err) {
      this.o.diagnostics?.warn('start at login could not be changed', err);
    }
  }

  private redrawTray(): void {
    if (!this.trayHandle) return;
    const core = this.coreRef;
    const settings = core?.getSettings();
    this.trayHandle.show(
      buildTrayModel({
        vaultLocked: core === null,
        accounts: core
          ? core
              .listAccounts()
              .map((a) => ({ status: a.status, expiresAt: a.expiresAt ? a.expiresAt.getTime() : null, hasRefreshToken: a.hasRefreshToken }))
          : [],
        refreshWindowMs: settings?.refreshWindowMs ?? 300_000,
        paused: settings?.backgroundRefreshPaused ?? false,
        refreshingAll: this.refreshingAll,
        now: this.now(),
      }),
    );
  }

  /** The tray's menu. Refresh all is the same path as the window's "Refresh all now". */
  onTrayAction(action: TrayAction): Promise<void> {
    const core = this.coreRef;
    switch (action) {
      case 'open':
        this.showWindow();
        return Promise.resolve();
      case 'quit':
        this.o.app.quit();
        return Promise.resolve();
      case 'toggle-pause':
        // The core announces the change (settings-changed): the window and the tray follow.
        core?.updateSettings({ backgroundRefreshPaused: !core.getSettings().backgroundRefreshPaused });
        return Promise.resolve();
      case 'refresh-all': {
        if (!core || this.refreshingAll) return Promise.resolve();
        this.refreshingAll = true;
        this.redrawTray();
        // The core's policy, as the window's "Refresh all now"; failures are in the log and on the account cards.
        return core
          .refreshEveryAccount()
          .then(() => undefined)
          .finally(() => {
            this.refreshingAll = false;
            this.redrawTray();
          });
      }
    }
  }

  private beforeQuit(event: QuitEvent): void {
    this.quitting = true;
    if (this.closed) return;
    // Hold the quit until refreshes in flight finished and saved their rotated refresh tokens.
    event.preventDefault();
    this.closed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.trayHandle?.destroy();
    this.trayHandle = null;
    // The agent and the SDK endpoints first: their requests in flight finish (and save any
    // refresh) before the vault closes.
    const core = this.coreRef;
    const table = this.table;
    const closing = Promise.all([this.agent ? this.agent.close() : Promise.resolve(), table ? table.close() : Promise.resolve()]).then(() =>
      core?.close(),
    );
    void closing.catch((err: unknown) => this.o.diagnostics?.warn('closing the vault failed', err)).finally(() => this.o.app.quit());
  }
}
