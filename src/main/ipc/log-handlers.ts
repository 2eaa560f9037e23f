/**
 * The Security log, Health and Settings views' channels: read, verify and export the log (or save
 * the entries the view shows); the health report; the settings and the scheduler's state.
 */
import { writeFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { CredentialCore, SecurityLogRole, SettingsRole } from '../core/api.js';
import { CodedError } from '../core/errors.js';
import { toHealthDto, toLogEntryDto, toLogVerifyDto, toSchedulerDto, toSettingsDto } from './dto.js';
import { requireCore, requirePort, type HandlerContext, type ImplTable } from './handler-context.js';

type LogChannel =
  | 'osmen:log:read'
  | 'osmen:log:verify'
  | 'osmen:log:export'
  | 'osmen:log:save-shown'
  | 'osmen:health:report'
  | 'osmen:settings:get'
  | 'osmen:settings:update'
  | 'osmen:scheduler:state';

/** Entries read to find the ones asked for: the view shows at most 1000, and a few may have been written since. */
const SAVE_SHOWN_SCAN = 5000;

const stamp = (): string => new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');

/** Writes the chosen file (0600); a refusal of the disk is a typed error, never a stack. */
function writeShown(path: string, text: string): void {
  try {
    writeFileSync(path, text, { mode: 0o600 });
  } catch (err) {
    const errno = (err as { code?: unknown }).code;
    const full = errno === 'ENOSPC' || errno === 'EDQUOT';
    const why = typeof errno === 'string' ? ` (${errno})` : '';
    throw new CodedError(full ? 'DISK_FULL' : 'WRITE_FAILED', 'io', `${full ? 'The disk is full' : 'Could not write'} ${path}${why}.`, {
      cause: err,
    });
  }
}

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
    // What the view shows, as it shows it (newest first, one entry per line), read again here: the
    // window names the entries, it does not supply them.
    'osmen:log:save-shown': async (req) => {
      const core: SecurityLogRole & Pick<CredentialCore, 'home'> = requireCore(deps);
      const choose = requirePort(deps.chooseSavePath, 'Saving a file');
      const wanted = new Set(req.seqs);
      const path = await choose(`osmen-security-log-shown-${stamp()}.jsonl`);
      if (path === null) return { saved: false as const };
      const home = resolve(core.home);
      if (resolve(path) === home || resolve(path).startsWith(home + sep)) {
        throw new CodedError(
          'BAD_OPTIONS',
          'usage',
          `Save it outside the data folder (${home}): the app's own files are never overwritten.`,
        );
      }
      const entries = core
        .readLog(SAVE_SHOWN_SCAN)
        .filter((e) => wanted.has(e.seq))
        .map(toLogEntryDto);
      writeShown(path, entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length > 0 ? '\n' : ''));
      return { saved: true as const, path, entries: entries.length };
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
