/**
 * The Security log, Health and Settings views' channels: read, verify and export the log; the
 * health report; the settings and the scheduler's state.
 */
import type { SecurityLogRole, SettingsRole } from '../core/api.js';
import { toHealthDto, toLogEntryDto, toLogVerifyDto, toSchedulerDto, toSettingsDto } from './dto.js';
import { requireCore, requirePort, type HandlerContext, type ImplTable } from './handler-context.js';

type LogChannel =
  | 'osmen:log:read'
  | 'osmen:log:verify'
  | 'osmen:log:export'
  | 'osmen:health:report'
  | 'osmen:settings:get'
  | 'osmen:settings:update'
  | 'osmen:scheduler:state';

export function logHandlers({ deps }: HandlerContext): Pick<ImplTable, LogChannel> {
  const log = (): SecurityLogRole => requireCore(deps);
  const settings = (): SettingsRole => requireCore(deps);
  return {
    'osmen:log:read': (req) => log().readLog(req.limit).map(toLogEntryDto),
    'osmen:log:verify': () => toLogVerifyDto(log().verifyLog()),
    'osmen:log:export': async () => {
      const core = log();
      const choose = requirePort(deps.chooseSavePath, 'Saving a file');
      const path = await choose(`osmen-security-log-${new Date().toISOString().slice(0, 10)}.jsonl`);
      if (path === null) return { saved: false as const };
      const written = await core.exportLog(path);
      return { saved: true as const, path: written.path, entries: written.entries };
    },
    'osmen:health:report': async () => toHealthDto(await settings().healthReport()),
    'osmen:settings:get': () => toSettingsDto(settings().getSettings()),
    'osmen:settings:update': (req) => {
      const patch: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(req)) if (value !== undefined) patch[key] = value;
      // The core announces the change (settings-changed): the tray, the login item and every window follow it.
      return toSettingsDto(settings().updateSettings(patch));
    },
    'osmen:scheduler:state': () => toSchedulerDto(settings().schedulerState()),
  };
}
