/** `osmen-cred log`: show, verify or export the security log, or verify an exported file. */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { oneLine } from '../../../shared/one-line.js';
import { EXIT } from '../../core/exit-codes.js';
import { CliError } from '../cli-error.js';
import type { CommandSpec } from '../command.js';
import { jsonText, logEntryText, safeMessage } from '../format.js';
import { exportVerifyText, handoffsText, verifyText } from '../log-format.js';

/** A path given to `log --export` / `--file`: resolved against the working folder, never empty. */
function logPathOption(value: string | boolean | undefined, name: string): string {
  const raw = typeof value === 'string' ? value.trim() : '';
  if (!raw) throw new CliError('USAGE', 'usage', `--${name} needs a file name.`);
  return resolve(raw);
}

/** Log write failures the caller can act on get their own exit code (a full disk is temporary). */
function logWriteError(err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  if (code === 'DISK_FULL') return new CliError('DISK_FULL', 'transient', safeMessage(err));
  if (code === 'BAD_OPTIONS') return new CliError('USAGE', 'usage', safeMessage(err));
  return err;
}

export const log: CommandSpec = {
  name: 'log',
  args: [],
  options: { verify: 'boolean', tail: 'string', json: 'boolean', export: 'string', file: 'string', handoffs: 'boolean' },
  summary: 'show the security log, verify it (--verify), or export it (--export)',
  help: `Usage: osmen-cred log [--tail N] [--json]
       osmen-cred log --handoffs [--tail N] [--json]
       osmen-cred log --verify [--json]
       osmen-cred log --export <file> [--json]
       osmen-cred log --verify --file <file> [--json]

Shows the last N entries of the security log (default 20, at most 10000).
User ids appear only as keyed hashes.

--handoffs shows which programs got which account's tokens (program, account,
scopes, count per minute) and which were refused, among the last N entries
(default 10000).

--verify checks the hash chain, the signed head record and the anchor kept
in the vault; exits 1 when an entry was edited, removed or reordered, or the
log was rolled back to an older copy. Lists every re-anchor. A last entry cut
off by an interrupted write (crash, full disk) is reported but is not a
failure: the next entry completes it.

--export writes every retained entry (all rotated files), oldest first, to
<file> (created 0600, replaced atomically), behind one header line.

--verify --file checks an exported file (or a copy of security.log) on its
own, without the vault or the log key: each entry's hash and its link to the
one before, and that the file ends where the export header says. It says what
it cannot check: a file rewritten whole with recomputed hashes, and rollback.`,
  async run(ctx) {
    const { verify, export: exportTo, file } = ctx.values;
    if (file !== undefined && !verify)
      throw new CliError('USAGE', 'usage', '--file goes with --verify: osmen-cred log --verify --file <file>.');
    if (exportTo !== undefined && (verify || ctx.values.tail !== undefined)) {
      throw new CliError('USAGE', 'usage', '--export takes no --verify or --tail.');
    }
    if (verify && file !== undefined) {
      const path = logPathOption(file, 'file');
      if (!existsSync(path) || !statSync(path).isFile())
        throw new CliError('FILE_NOT_FOUND', 'not_found', `No file at ${oneLine(path, 300)}.`);
      const { verifyExportFile } = await import('../../core/index.js');
      const result = verifyExportFile(path);
      ctx.io.out(ctx.values.json ? `${jsonText({ file: path, ...result })}\n` : `${exportVerifyText(path, result)}\n`);
      return result.ok ? EXIT.OK : EXIT.FAILED;
    }
    let tail = 20;
    if (ctx.values.tail !== undefined) {
      const raw = String(ctx.values.tail);
      if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 10_000) {
        throw new CliError('USAGE', 'usage', '--tail takes a whole number from 1 to 10000.');
      }
      tail = Number(raw);
    }
    if (exportTo !== undefined) {
      const path = logPathOption(exportTo, 'export');
      if (!existsSync(dirname(path))) throw new CliError('USAGE', 'usage', `No folder ${oneLine(dirname(path), 300)} to export into.`);
      const core = await ctx.open();
      const result = await core.exportLog(path).catch((err: unknown) => {
        throw logWriteError(err);
      });
      ctx.io.out(
        ctx.values.json ? `${jsonText(result)}\n` : `Exported ${result.entries} entries, oldest first, to ${oneLine(result.path, 300)}.\n`,
      );
      return EXIT.OK;
    }
    const core = await ctx.open();
    if (ctx.values.handoffs) {
      if (verify) throw new CliError('USAGE', 'usage', '--handoffs takes no --verify.');
      const records = core.consent.handoffRecords(ctx.values.tail === undefined ? 10_000 : tail);
      ctx.io.out(ctx.values.json ? `${jsonText(records)}\n` : `${handoffsText(records)}\n`);
      return EXIT.OK;
    }
    if (verify) {
      const result = core.verifyLog();
      ctx.io.out(ctx.values.json ? `${jsonText(result)}\n` : `${verifyText(result)}\n`);
      return result.ok ? EXIT.OK : EXIT.FAILED;
    }
    const entries = core.readLog(tail);
    ctx.io.out(
      ctx.values.json
        ? `${jsonText(entries)}\n`
        : entries.length
          ? `${entries.map(logEntryText).join('\n')}\n`
          : 'The security log is empty.\n',
    );
    return EXIT.OK;
  },
};
