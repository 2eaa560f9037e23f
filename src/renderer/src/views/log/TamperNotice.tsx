import type { LogVerifyDto } from '../../../../shared/ipc-contract';

type FirstBad = NonNullable<LogVerifyDto['firstBad']>;

function whatHappened(bad: FirstBad): string {
  const at = bad.seq !== null ? `entry #${bad.seq}` : `line ${bad.line}`;
  switch (bad.problem) {
    case 'edited':
      return `The log was changed after it was written: ${at} no longer matches its hash.`;
    case 'missing':
      return `Entries were removed from the log just before ${at}.`;
    case 'reordered':
      return `Entries around ${at} are out of order.`;
    case 'truncated':
      return `The end of the log was cut off after ${at}. A power cut during a write can also cause this.`;
    case 'start_removed':
      return `The oldest entries of the log were removed (it now starts at ${at}).`;
    case 'head_missing':
      return 'The signed record that seals the end of the log is missing, so entries may have been removed from the end.';
    case 'head_invalid':
      return 'The signed record that seals the end of the log does not match it.';
    case 'rolled_back':
      return 'The log is older than the vault remembers: it was replaced by an older copy or cut short.';
    case 'anchor_invalid':
      return 'The log’s anchor in the vault does not match its signature.';
    case 'malformed':
      return `Line ${bad.line} of the log is not a readable entry.`;
    default:
      return `The log does not verify at ${at}.`;
  }
}

/** A failed chain check in plain words, with what to do about it. */
export function TamperNotice({ bad }: { bad: FirstBad }): React.JSX.Element {
  const folder = bad.file.replace(/[\\/][^\\/]*$/, '') || bad.file;
  return (
    <div className="banner banner-error tamper-notice" role="alert" data-testid="tamper-notice">
      <p>
        <strong>{whatHappened(bad)}</strong>
      </p>
      {bad.seq !== null && bad.seq > 1 && (
        <p className="small">Entries before #{bad.seq} still check out; the entry is marked in the list below.</p>
      )}
      <p className="small">What to do:</p>
      <ol className="small">
        <li>
          Keep a copy of the log files as they are now (the <code>security.log*</code> files in <code className="wrap">{folder}</code>)
          before anything else writes to them.
        </li>
        <li>If you did not edit the log yourself, check who else can write to that folder: someone may be covering their tracks.</li>
        <li>
          To be safe, disconnect and connect your accounts again (this replaces their tokens) and review the apps with access in each
          provider’s account page.
        </li>
      </ol>
      <p className="notice-code">
        {bad.file}, line {bad.line}: {bad.reason}
      </p>
    </div>
  );
}
