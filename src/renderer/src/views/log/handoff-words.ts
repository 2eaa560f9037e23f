/**
 * Hand-off consent in the Log view's words: who got tokens (the program the agent identified),
 * who was refused and why, grants added, revoked or ignored, the consent mode switched. The
 * per-minute records answer "which programs got which account's tokens, when, how often": the
 * account is the row's, the program and the count are in the sentence. A refusal's code
 * (`consent_required`, `forbidden`…) is worded here, not by the advice table, where
 * `consent_required` is the provider's OAuth error of that name. Pure; unit-tested in
 * test/unit/renderer-log-words.test.ts.
 */
import type { LogEntryDto } from '../../../../shared/ipc-contract';

const REFUSED_WHY: Readonly<Record<string, string>> = {
  consent_required: 'it is not allowed for that account or those scopes',
  forbidden: 'another user, an unknown or revoked client key, or a program that exited while asking',
  bad_request: 'its requests were malformed',
  ACCOUNT_NOT_FOUND: 'it asked for accounts that are not connected',
  account_not_found: 'it asked for accounts that are not connected',
  not_narrowed: 'the token could not be narrowed to the scopes it is allowed',
  sdk_failed: 'the SDK endpoint could not get a token',
  other: 'more kinds of refusals than are counted one by one',
};

const SUBJECT: Readonly<Record<string, string>> = {
  program: 'A program',
  session: 'A terminal session',
  key: 'A client key',
};

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const times = (v: unknown): string => (typeof v === 'number' ? (v === 1 ? 'once' : `${v} times`) : '');

/** The events this module words (their details too). */
export const HANDOFF_EVENTS: ReadonlySet<string> = new Set([
  'token_handoff',
  'handoff_refused',
  'grant_added',
  'grant_revoked',
  'grant_ignored',
  'consent_mode_changed',
]);

/** A consent event in one sentence, or null for any other event. */
export function describeHandoff(e: LogEntryDto): string | null {
  const d = e.details;
  const program = str(d['program']) ?? 'A program';
  switch (e.event) {
    case 'token_handoff': {
      const scopes = str(d['scopes']);
      const narrowed = scopes && scopes !== '(all)' ? ` (scopes: ${scopes})` : '';
      return `Tokens handed to ${program}${narrowed}, ${times(d['count'])}`.replace(/, $/, '');
    }
    case 'handoff_refused': {
      const code = str(d['code']);
      const why = code ? (REFUSED_WHY[code] ?? code.replace(/_/g, ' ')) : 'no reason given';
      return `${program} was refused a token ${times(d['count'])}: ${why}`.replace(/ :/, ':');
    }
    case 'grant_added': {
      const who = SUBJECT[str(d['reason']) ?? ''] ?? 'A program';
      const name = str(d['program']);
      return `${who} was allowed to get tokens${name ? `: ${name}` : ''}${str(d['source']) === 'app' ? ' (in this app)' : ''}`;
    }
    case 'grant_revoked':
      return 'A grant was revoked';
    case 'grant_ignored':
      return 'A grant in the vault was ignored: it was written or changed outside OsMEN';
    case 'consent_mode_changed':
      return str(d['reason']) === 'ask->same-user'
        ? 'Consent switched off: any program running as you now gets tokens'
        : 'Consent switched on: programs must be allowed before they get tokens';
    default:
      return null;
  }
}

const VIA: Readonly<Record<string, string>> = {
  agent: 'through the token agent',
  cli: 'by osmen-cred token, without the agent',
  run: 'as the command of osmen-cred run',
  key: 'with a client key',
  sdk: 'through an SDK endpoint',
};

const BASIS: Readonly<Record<string, string>> = {
  'same-user': 'any program of yours may (consent is off)',
  grant: 'allowed by a grant',
  answer: 'allowed once in the dialog',
  key: 'allowed by its client key',
  sdk: 'allowed by the endpoint you started',
};

/** A detail of a consent event in words; undefined: not a consent detail (the general words apply). */
export function handoffDetail(e: LogEntryDto, key: string, v: string | number | boolean): string | null | undefined {
  if (!HANDOFF_EVENTS.has(e.event)) return undefined;
  switch (key) {
    case 'program':
    case 'programKey':
    case 'count':
    case 'durationMs':
    case 'scopes':
    case 'source':
      // In the sentence, or only for telling programs apart.
      return null;
    case 'reason':
      return e.event === 'grant_ignored' ? (v === 'signature' ? 'not signed with the vault’s key' : 'malformed') : null;
    case 'script':
      return `script ${String(v)}`;
    case 'exe':
      return `run by ${String(v)}`;
    case 'via':
      return VIA[String(v)] ?? `via ${String(v)}`;
    case 'basis':
      return BASIS[String(v)] ?? String(v);
    case 'grant':
      return `grant ${String(v)}`;
    case 'code':
      // A grant's id on grant events; a refusal's code is shown beside the entry.
      return e.event === 'handoff_refused' ? null : `grant ${String(v)}`;
    default:
      return undefined;
  }
}
