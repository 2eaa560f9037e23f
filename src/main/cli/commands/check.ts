/** `osmen-cred check [--json]`: the health report; exit 1 when a check fails. */
import { EXIT } from '../../core/exit-codes.js';
import type { CommandSpec } from '../command.js';
import { healthText, jsonText } from '../format.js';

export const check: CommandSpec = {
  name: 'check',
  args: [],
  options: { json: 'boolean' },
  summary: 'run the credential health checks (exit 1 when one fails)',
  help: `Usage: osmen-cred check [--json]

Runs the credential validator: master key custody, file permissions of the
data folder and database, provider configuration (client ids, redirect URIs),
and whether secrets are committed to git (with OSMEN_REPO_DIR set to a work tree).
Exit 1 when any check fails (warnings do not fail). --json prints the report.`,
  async run(ctx) {
    const core = await ctx.open();
    const report = await core.healthReport();
    ctx.io.out(ctx.values.json ? `${jsonText(report)}\n` : `${healthText(report)}\n`);
    const failed = !report.ok || report.checks.some((c) => c.status === 'fail');
    return failed ? EXIT.FAILED : EXIT.OK;
  },
};
