/**
 * What Disconnect and "remove a provider with its accounts" say about the revocation (pure;
 * unit-tested in test/unit/renderer-format.test.ts). The tokens are always deleted here; when the
 * provider did not confirm the revocation, or can't revoke at all, they may stay valid there until
 * they expire, and the person is told where to end the app's access.
 */

export type RevocationOutcome = 'revoked' | 'unsupported' | 'failed' | 'none';

export interface RevokeTarget {
  /** The provider's id or kind ('google', 'microsoft', or a custom id). */
  id: string;
  kind?: string;
  name: string;
  issuer?: string | null;
}

/** Where a person ends this app's access at a provider. */
export function revokeWhere(p: RevokeTarget): string {
  const kind = p.kind ?? p.id;
  if (kind === 'google') return 'your Google Account (myaccount.google.com → Security → Your connections to third-party apps)';
  if (kind === 'microsoft') {
    return 'your Microsoft account (account.microsoft.com → Privacy → App access; work or school accounts: myapps.microsoft.com)';
  }
  let host: string | null;
  try {
    host = p.issuer ? new URL(p.issuer).host : null;
  } catch {
    host = null;
  }
  return host ? `your account at ${host}` : `your ${p.name} account`;
}

/**
 * The sentence after "Disconnected X." / "Removed P and disconnected N accounts.", or '' when
 * nothing needs saying. `subject` names whose tokens ("The tokens", "Its tokens", "The tokens of 1
 * of 2 accounts").
 */
export function revocationText(outcome: RevocationOutcome, p: RevokeTarget, subject = 'The tokens'): string {
  switch (outcome) {
    case 'revoked':
      return 'Access was revoked at the provider.';
    case 'failed':
      return (
        `${subject} were deleted here, but ${p.name} did not confirm the revocation, so they may still be valid there until they expire. ` +
        `To end access now, remove this app’s access in ${revokeWhere(p)}.`
      );
    case 'unsupported':
      return (
        `${subject} were deleted here; ${p.name} can’t revoke them from the app, so they stay valid there until they expire. ` +
        `To end access now, remove this app’s access in ${revokeWhere(p)}.`
      );
    default:
      return '';
  }
}

/** What removing a provider with its accounts did, in one message; `warn` when tokens may still be valid. */
export function removedProviderText(
  p: RevokeTarget,
  r: { disconnected: number; revocationFailed: number; revocationUnsupported: number },
): { text: string; warn: boolean } {
  const n = r.disconnected;
  const head = `Removed ${p.name}${n > 0 ? ` and disconnected ${n} account${n === 1 ? '' : 's'}` : ''}.`;
  const subject = (k: number): string => (k === n ? (n === 1 ? 'Its tokens' : 'Their tokens') : `The tokens of ${k} of them`);
  const notes = [
    r.revocationFailed > 0 ? revocationText('failed', p, subject(r.revocationFailed)) : '',
    r.revocationUnsupported > 0 ? revocationText('unsupported', p, subject(r.revocationUnsupported)) : '',
  ].filter(Boolean);
  return { text: [head, ...notes].join(' '), warn: notes.length > 0 };
}
