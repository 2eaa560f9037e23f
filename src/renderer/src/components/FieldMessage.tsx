import type { FieldCheckDto } from '../../../shared/ipc-contract';

const MARK = { ok: '✓', warn: '!', error: '✗' } as const;

/** What main said about a field as it was typed; linked to its input with aria-describedby. */
export function FieldMessage({ id, check }: { id: string; check: FieldCheckDto | null }): React.JSX.Element {
  return (
    <p id={id} className={`field-check${check ? ` field-check-${check.status}` : ''}`} aria-live="polite" data-testid="field-check">
      {check && (
        <>
          <span className="field-check-mark" aria-hidden="true">
            {MARK[check.status]}
          </span>
          <span>
            {check.message}
            {check.fix && <span className="field-check-fix"> {check.fix}</span>}
          </span>
        </>
      )}
    </p>
  );
}
