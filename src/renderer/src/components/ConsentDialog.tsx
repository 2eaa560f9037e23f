import { useEffect, useId, useRef, useState } from 'react';
import type { ConsentAnswerDto, ConsentRequestDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText } from '../api';
import { useNow } from '../hooks/useNow';
import './dialog.css';
import './consent.css';

/**
 * A program asks for an account's token and has no grant: the person decides. Requests arrive
 * as osmen:event:consent-request (and those already waiting when the window opens); each waits
 * at most 60 s in main, then the program gets consent_required and the request goes away.
 */
export function ConsentDialog({ ready }: { ready: boolean }): React.JSX.Element | null {
  const [queue, setQueue] = useState<ConsentRequestDto[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLDialogElement | null>(null);
  const ids = useId();
  const now = useNow(1000);

  useEffect(() => {
    if (!ready) return;
    const add = (r: ConsentRequestDto): void => setQueue((q) => (q.some((x) => x.id === r.id) ? q : [...q, r]));
    const offRequest = bridge().onConsentRequest(add);
    const offResolved = bridge().onConsentResolved(({ id }) => setQueue((q) => q.filter((x) => x.id !== id)));
    call(bridge().pendingConsents())
      .then((list) => list.forEach(add))
      .catch(() => undefined);
    return () => {
      offRequest();
      offResolved();
    };
  }, [ready]);

  const current = queue[0] ?? null;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (current && !dialog.open) dialog.showModal();
    if (!current && dialog.open) dialog.close();
    setError(null);
  }, [current]);

  const answer = async (a: ConsentAnswerDto): Promise<void> => {
    if (!current) return;
    setBusy(true);
    setError(null);
    try {
      await call(bridge().answerConsent({ id: current.id, answer: a }));
      setQueue((q) => q.filter((x) => x.id !== current.id));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const left = current ? Math.min(60, Math.max(0, Math.ceil((current.expiresAt - now) / 1000))) : 0;
  return (
    <dialog
      ref={ref}
      className="dialog consent-dialog"
      aria-labelledby={`${ids}-title`}
      aria-describedby={`${ids}-body`}
      data-testid="consent-dialog"
      onCancel={(e) => {
        e.preventDefault();
        void answer('deny');
      }}
    >
      {current && (
        <>
          <h2 id={`${ids}-title`}>
            {current.program.name} wants a token for {current.account.userId}
          </h2>
          <div id={`${ids}-body`} className="dialog-body">
            <p data-testid="consent-description">{current.program.description}</p>
            <dl className="consent-facts">
              <div>
                <dt>Program</dt>
                <dd className="mono wrap" data-testid="consent-path">
                  {current.program.scriptPath ?? current.program.exePath}
                </dd>
              </div>
              {current.program.scriptPath && (
                <div>
                  <dt>Run by</dt>
                  <dd className="mono wrap">{current.program.exePath}</dd>
                </div>
              )}
              <div>
                <dt>Account</dt>
                <dd className="wrap" data-testid="consent-account">
                  {current.account.provider}: {current.account.userId}
                </dd>
              </div>
              <div>
                <dt>Scopes</dt>
                <dd className="wrap" data-testid="consent-scopes">
                  {current.scopes ? current.scopes.join(' ') : 'everything this account allows'}
                </dd>
              </div>
              {current.program.pid !== null && (
                <div>
                  <dt>Process</dt>
                  <dd>
                    {current.program.pid}
                    {current.program.tty ? ` on ${current.program.tty}` : ''}
                  </dd>
                </div>
              )}
            </dl>
            <p className="muted small" role="timer" aria-live="off">
              Unanswered, it is refused in {left} s.{queue.length > 1 ? ` ${queue.length - 1} more waiting.` : ''}
            </p>
            {error && (
              <p className="inline-msg error" role="alert">
                {error}
              </p>
            )}
          </div>
          <div className="dialog-actions consent-actions">
            <button type="button" className="btn btn-danger" autoFocus disabled={busy} onClick={() => void answer('deny')}>
              Deny
            </button>
            <button type="button" className="btn" disabled={busy} onClick={() => void answer('once')}>
              Allow once
            </button>
            {current.sessionAvailable && (
              <button type="button" className="btn" disabled={busy} onClick={() => void answer('session')}>
                Allow this terminal for 8 hours
              </button>
            )}
            <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void answer('always')}>
              Always allow this program
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
