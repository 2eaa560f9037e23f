/** Text output of `osmen-cred log --verify` (the live log), `log --verify --file` (an export) and `log --handoffs`. */
import type { ExportVerifyResult } from '../core/index.js';
import type { LogVerifyResult } from '../core/contracts/security-log.js';
import { oneLine } from '../../shared/one-line.js';
import type { HandoffRecordJson } from '../core/contracts/consent.js';
import { table } from './format.js';

function reanchorLines(reanchors: LogVerifyResult['reanchors']): string[] {
  const list = reanchors ?? [];
  if (list.length === 0) return [];
  return [`Re-anchored ${list.length} time(s):`, ...list.map((r) => `  #${r.seq}  ${oneLine(r.ts, 40)}  ${oneLine(r.reason)}`)];
}

export function verifyText(result: LogVerifyResult): string {
  const out: string[] = [];
  if (result.ok) {
    out.push(`Security log verifies: ${result.entries} entries, chain intact.`);
  } else {
    const bad = result.firstBad;
    const where = bad ? `entry ${bad.seq ?? '?'} (${bad.file}:${bad.line}): ${oneLine(bad.reason)}` : 'unknown entry';
    out.push(`Security log does NOT verify after ${result.entries} entries — ${where}`);
  }
  if (result.interrupted) {
    out.push(`Interrupted write (not tampering): ${oneLine(result.interrupted.reason)}.`);
  }
  if (result.rollback) out.push(`Rollback check [${result.rollback.status}]: ${oneLine(result.rollback.message)}`);
  out.push(...reanchorLines(result.reanchors));
  return out.join('\n');
}

export function exportVerifyText(file: string, r: ExportVerifyResult): string {
  const range = r.firstSeq === null ? 'no entries' : `seq ${r.firstSeq}–${r.lastSeq ?? '?'}`;
  const out: string[] = [];
  if (r.ok) {
    out.push(`${oneLine(file, 300)}: the chain links of ${r.entries} entries (${range}) verify.`);
  } else {
    const bad = r.firstBad;
    out.push(
      `${oneLine(file, 300)} does NOT verify after ${r.entries} entries — ` +
        (bad ? `entry ${bad.seq ?? '?'} (line ${bad.line}): ${oneLine(bad.reason)}` : 'unknown entry'),
    );
  }
  out.push('Checked:', ...r.checked.map((c) => `  - ${c}`));
  out.push('Not checked without the vault and the log key:', ...r.notChecked.map((c) => `  - ${c}`));
  out.push(...reanchorLines(r.reanchors));
  return out.join('\n');
}

/** `log --handoffs`: which programs got which account's tokens (one row per program, account and scopes a minute). */
export function handoffsText(records: HandoffRecordJson[]): string {
  if (records.length === 0) return 'No hand-offs recorded.';
  const rows = records.map((r) => [
    r.time.replace(/\.\d+Z$/, 'Z'),
    r.result === 'handed' ? 'handed' : `refused [${r.code ?? '?'}]`,
    oneLine(`${r.program ?? '?'}${r.script ? ` (${r.script})` : r.exe ? ` (${r.exe})` : ''}`, 90),
    oneLine(r.account ?? '-', 60),
    oneLine(r.scopes ?? '-', 50),
    String(r.count),
    oneLine([r.via, r.basis, r.grant].filter(Boolean).join(' '), 40),
  ]);
  return table(['TIME', 'RESULT', 'PROGRAM', 'ACCOUNT', 'SCOPES', 'COUNT', 'HOW'], rows);
}
