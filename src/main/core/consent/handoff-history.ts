/**
 * The hand-off history (`osmen-cred log --handoffs`, an account's programs in the app): which
 * programs got which account's tokens, when and how often, and which were refused, from the
 * security log's per-minute `token_handoff` and `handoff_refused` entries. The log holds user ids
 * only as keyed hashes; the accounts in the vault are hashed the same way to name them again.
 */
import type { HandoffRecordJson, ProgramUse } from '../contracts/consent.js';
import type { SecurityLogEntry } from '../contracts/security-log.js';
import { HANDOFF_EVENT, REFUSAL_EVENT } from './handoff-recorder.js';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function handoffRecords(
  entries: SecurityLogEntry[],
  accounts: ReadonlyArray<{ provider: string; userId: string }>,
  userHash: (userId: string) => string,
): HandoffRecordJson[] {
  const byHash = new Map<string, string>();
  for (const a of accounts) byHash.set(`${a.provider}\u0000${userHash(a.userId)}`, `${a.provider}:${a.userId}`);
  return entries
    .filter((e) => e.event === HANDOFF_EVENT || e.event === REFUSAL_EVENT)
    .map((e) => {
      const d = e.details;
      const account = e.provider
        ? (byHash.get(`${e.provider}\u0000${e.userHash ?? ''}`) ?? `${e.provider}:#${(e.userHash ?? '').slice(0, 12)}`)
        : null;
      return {
        time: e.ts,
        result: e.event === HANDOFF_EVENT ? 'handed' : 'refused',
        program: str(d.program) ?? str(d.client),
        programKey: str(d.programKey),
        exe: str(d.exe),
        script: str(d.script),
        via: str(d.via),
        account,
        scopes: str(d.scopes),
        basis: str(d.basis),
        grant: str(d.grant),
        code: str(d.code),
        count: typeof d.count === 'number' ? d.count : 0,
        seq: e.seq,
      } satisfies HandoffRecordJson;
    });
}

/** The programs that got one account's tokens: one row per program, newest use first. */
export function programsOfAccount(records: HandoffRecordJson[], account: string): ProgramUse[] {
  const by = new Map<string, ProgramUse>();
  for (const r of records) {
    if (r.result !== 'handed' || r.account !== account) continue;
    const key = r.programKey ?? r.program ?? '?';
    const at = Date.parse(r.time);
    const row = by.get(key) ?? { program: r.program ?? '?', path: r.script ?? r.exe, via: r.via, count: 0, lastAt: at };
    row.count += r.count;
    row.lastAt = Math.max(row.lastAt, at);
    by.set(key, row);
  }
  return [...by.values()].sort((a, b) => b.lastAt - a.lastAt);
}
