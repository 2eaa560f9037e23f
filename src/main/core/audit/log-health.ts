import type { HealthCheck } from '../contracts/settings.js';
import type { LogVerifyResult } from '../contracts/security-log.js';

/**
 * The security log in the health report: the chain, the rollback check against the vault
 * anchor, and every re-anchor still in the retained log. A re-anchor is never a silent repair:
 * it stays a warning for as long as its entry is retained.
 */

/** How many re-anchors are spelled out in the message; the rest are counted. */
const LISTED = 5;

export function securityLogChecks(v: LogVerifyResult): HealthCheck[] {
  const checks: HealthCheck[] = [];
  const title = 'Security log chain';
  // Problems with the vault anchor are reported by the rollback check below.
  const anchorProblem = v.firstBad && /^(rolled_back|anchor_invalid):/.test(v.firstBad.reason);
  if (!v.ok && v.firstBad && !anchorProblem) {
    checks.push({
      id: 'security-log-chain',
      title,
      status: 'fail',
      message: `The security log does not verify at entry ${v.firstBad.seq ?? '?'}: ${v.firstBad.reason}`,
      fix: 'Keep a copy of the log files for inspection (`osmen-cred log --export`); entries were edited, removed or reordered outside the app.',
      appFix:
        'Keep a copy of the log as it is now: press Export log… in the Security log. Entries were edited, removed or reordered outside the app.',
    });
  } else {
    checks.push({
      id: 'security-log-chain',
      title,
      status: 'pass',
      message:
        `The hash chain of ${v.entries} entries is intact.` +
        (v.interrupted
          ? ` The newest entry (seq ${v.interrupted.seq}) was cut off by an interrupted write; the next entry completes it.`
          : ''),
    });
  }

  const rb = v.rollback;
  if (rb) {
    const bad = rb.status === 'rolled_back' || rb.status === 'forked' || rb.status === 'invalid';
    const warn = rb.status === 'behind' || rb.status === 'missing' || rb.status === 'off';
    checks.push({
      id: 'security-log-rollback',
      title: 'Security log rollback detection',
      status: bad ? 'fail' : warn ? 'warn' : 'pass',
      message: rb.message,
      ...(bad
        ? {
            fix: 'The log (or the vault) was replaced by an older copy or cut short. Export the log for inspection (`osmen-cred log --export`); the next entry records a re-anchor and the gap stays visible.',
            appFix:
              'The log (or the vault) was replaced by an older copy or cut short. Keep a copy: press Export log… in the Security log. The next entry records a re-anchor and the gap stays visible.',
          }
        : rb.status === 'behind'
          ? { fix: 'If you restored the vault from a backup, nothing to do: the next entry moves the anchor up and records it.' }
          : {}),
    });
  }

  const re = v.reanchors ?? [];
  if (re.length === 0) {
    checks.push({
      id: 'security-log-reanchors',
      title: 'Security log re-anchors',
      status: 'pass',
      message: 'The retained log was never re-anchored.',
    });
  } else {
    const shown = re.slice(-LISTED).map((r) => `seq ${r.seq} at ${r.ts}: ${r.reason}`);
    checks.push({
      id: 'security-log-reanchors',
      title: 'Security log re-anchors',
      status: 'warn',
      message:
        `The chain was re-established ${re.length} time${re.length === 1 ? '' : 's'}` +
        `${re.length > LISTED ? ` (the newest ${LISTED} shown)` : ''}: ${shown.join('; ')}.`,
      fix: 'Each re-anchor means the head record or the vault anchor did not match the log. If you did not restore or edit files yourself, treat it as tampering.',
    });
  }
  return checks;
}
