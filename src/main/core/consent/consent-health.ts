/**
 * The consent lines of the health report: the mode (same-user is a warning: any program of the
 * user gets tokens) and grant rows the vault holds but does not use (not signed with its key).
 */
import type { ConsentModeState, IgnoredGrant } from '../contracts/consent.js';
import type { HealthCheck } from '../contracts/settings.js';

export function consentHealthChecks(mode: ConsentModeState, ignored: readonly IgnoredGrant[]): HealthCheck[] {
  const checks: HealthCheck[] = [
    {
      id: 'handoff-consent',
      title: 'Token hand-off consent',
      status: mode.problem ? 'warn' : mode.mode === 'ask' ? 'pass' : 'warn',
      message: mode.problem
        ? `Programs must be allowed before they get tokens: ${mode.problem}.`
        : mode.mode === 'ask'
          ? 'Programs must be allowed (osmen-cred allow, or the app’s dialog) before they get tokens.'
          : 'Any program running as you gets tokens without asking (handoff.consent = same-user).',
      fix: mode.mode === 'same-user' ? 'Switch Settings → Programs to “Ask before a program gets a token”.' : undefined,
    },
  ];
  if (ignored.length > 0) {
    checks.push({
      id: 'handoff-grants',
      title: 'Hand-off grants',
      status: 'fail',
      message: `${ignored.length} grant row(s) are ignored: ${ignored
        .slice(0, 5)
        .map((i) => `${i.id} (${i.reason === 'signature' ? 'signature does not match: written or edited outside OsMEN' : 'malformed'})`)
        .join(', ')}.`,
      fix: 'Remove them with `osmen-cred revoke-grant ID`, and find out who can write tokens.db.',
    });
  }
  return checks;
}
