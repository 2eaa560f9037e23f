/**
 * The hand-off decision, as a pure function of what the agent knows: the consent mode, the
 * verified program (or none), the client key's grant (if a key was sent), the grants, and the
 * request. The token is then asked for with the scopes decided here (narrowed by the core).
 */
import type { ConsentMode, Grant, HandoffAsk, ProgramIdentity, ProgramSubject, SessionRef, SessionSubject } from '../contracts/consent.js';
import { accountCovered, grantScopes } from './grant-types.js';

export type Decision =
  | { ok: true; scopes: string[] | undefined; grant: Grant | null; basis: 'same-user' | 'grant' | 'key' }
  | { ok: false; code: 'consent_required' | 'forbidden'; reason: string };

export interface DecideInput {
  mode: ConsentMode;
  program: ProgramIdentity | null;
  /** Why there is no program (peer credentials unavailable…), for the message. */
  unidentified?: string;
  ask: HandoffAsk;
  /** A key was sent: its grant, or null when no signed grant has that key. */
  key?: { grant: Grant | null };
  grants: readonly Grant[];
  now: number;
  sessionAlive(session: SessionSubject): boolean;
}

export function programMatches(s: ProgramSubject, p: ProgramIdentity): boolean {
  if (s.scriptPath !== null) {
    if (!p.script?.sha256 || p.script.path !== s.scriptPath || p.script.sha256 !== s.scriptSha256) return false;
    // A script allowed by path (`allow --program sync.py`) runs under any known interpreter.
    if (s.exeSha256 === null) return p.interpreter !== null;
    return p.exe.path === s.exePath && p.exe.sha256 === s.exeSha256;
  }
  if (!p.exe.sha256 || p.exe.sha256 !== s.exeSha256 || p.exe.path !== s.exePath || p.script) return false;
  return (s.code?.label ?? null) === (p.code?.label ?? null) && (s.code?.sha256 ?? null) === (p.code?.sha256 ?? null);
}

export function sessionMatches(s: SessionSubject, session: SessionRef | null): boolean {
  return session !== null && session.sid === s.sid && session.leaderStart === s.leaderStart && session.bootId === s.bootId;
}

function live(g: Grant, now: number): boolean {
  return g.expiresAt === null || g.expiresAt > now;
}

export function decide(input: DecideInput): Decision {
  const { ask, now } = input;
  const account = `${ask.provider}:${ask.user}`;
  if (input.key) {
    const g = input.key.grant;
    if (!g || !live(g, now)) return { ok: false, code: 'forbidden', reason: 'the client key is unknown, expired or revoked' };
    if (!accountCovered(g.accounts, ask.provider, ask.user)) {
      return { ok: false, code: 'consent_required', reason: `the client key is not granted ${account}` };
    }
    const scopes = grantScopes(g.scopes, ask.scopes);
    if (scopes === null) return { ok: false, code: 'consent_required', reason: 'the client key is not granted these scopes' };
    return { ok: true, scopes, grant: g, basis: 'key' };
  }
  if (input.mode === 'same-user') return { ok: true, scopes: ask.scopes ? [...ask.scopes] : undefined, grant: null, basis: 'same-user' };
  const program = input.program;
  if (!program) {
    return {
      ok: false,
      code: 'consent_required',
      reason: `the agent cannot tell which program is asking (${input.unidentified ?? 'unidentified'}); only client keys are accepted`,
    };
  }
  let outsideScopes = false;
  let best: { grant: Grant; scopes: string[] | undefined } | null = null;
  for (const g of input.grants) {
    if (!live(g, now) || g.subject.kind === 'key' || !accountCovered(g.accounts, ask.provider, ask.user)) continue;
    const subject = g.subject;
    const matches =
      subject.kind === 'program'
        ? programMatches(subject, program)
        : sessionMatches(subject, program.session) && input.sessionAlive(subject);
    if (!matches) continue;
    const scopes = grantScopes(g.scopes, ask.scopes);
    if (scopes === null) {
      outsideScopes = true;
      continue;
    }
    // A lasting grant is used before a one-time one (which would be spent for nothing).
    if (!best || (best.grant.once && !g.once)) best = { grant: g, scopes };
  }
  if (best) return { ok: true, scopes: best.scopes, grant: best.grant, basis: 'grant' };
  return {
    ok: false,
    code: 'consent_required',
    reason: outsideScopes ? `${program.name} is not granted these scopes of ${account}` : `${program.name} has no grant for ${account}`,
  };
}
