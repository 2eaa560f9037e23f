/** The shapes of settings, the scheduler and the health report (SettingsRole in api.ts). */

/** Settings a person can change; persisted in settings.json under the data folder. */
export interface CoreSettings {
  /** Refresh this long before expiry. */
  refreshWindowMs: number;
  /** Longest sleep of the background scheduler between checks. */
  checkIntervalMs: number;
  /** Background refresh paused by the user (the tray's Pause). */
  backgroundRefreshPaused: boolean;
  /** Start the app (in the tray) at login. */
  startAtLogin: boolean;
  /** Serve the token agent socket (<data folder>/agent.sock) while the app runs. */
  agentEnabled: boolean;
  /**
   * Refresh every account at least once every this many days, even when nothing asks for it:
   * providers expire grants that sit idle (Microsoft after 90 days).
   */
  keepAliveDays: number;
}

export interface SchedulerState {
  running: boolean;
  paused: boolean;
  /** Epoch ms of the next planned check, null when idle. */
  nextRunAt: number | null;
}

export interface HealthCheck {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  message: string;
  fix?: string;
  /**
   * The fix in the desktop app's own terms (its buttons and views, not a command), where it
   * differs from `fix`, which `osmen-cred check` prints.
   */
  appFix?: string;
}

export interface HealthReport {
  ok: boolean;
  checks: HealthCheck[];
}
