import type { SignInState } from '../hooks/useSignIn';
import { usePanelActions } from '../hooks/usePanelActions';
import { ErrorNotice } from './ErrorNotice';

interface Props {
  signIn: SignInState;
  providerName(id: string): string;
}

/**
 * The sign-in waiting in the browser, for Connect and Reconnect alike. It
 * sticks to the top of the view so it stays in sight while you scroll, and
 * offers the link (copied by main) and "open again" for a browser window that
 * got lost behind others.
 */
export function SignInPanel({ signIn, providerName }: Props): React.JSX.Element | null {
  const { pending, link } = signIn;
  const providerId = link.active ? link.providerId : pending?.providerId;
  const waiting = pending !== null || link.active;
  const { note, failure, run } = usePanelActions(waiting);

  if (!waiting || providerId === undefined) return null;

  return (
    <div className="progress-panel signin-panel" role="status" aria-live="polite" data-testid="sign-in-panel">
      <span className="spinner" aria-hidden="true" />
      <div className="signin-text">
        <strong>Waiting for you to finish signing in…</strong>
        <p className="muted small">
          {link.active
            ? `A browser window opened for ${providerName(providerId)}. Come back here when it says you can close it.`
            : `Opening the sign-in page for ${providerName(providerId)}…`}
        </p>
        {note && <p className="small signin-note">{note}</p>}
        {failure && <ErrorNotice error={failure} live />}
      </div>
      <div className="signin-actions">
        <button
          type="button"
          className="btn"
          disabled={!link.active}
          onClick={() => void run(signIn.copyLink, 'Sign-in link copied. Paste it into your browser’s address bar.')}
        >
          Copy sign-in link
        </button>
        <button
          type="button"
          className="btn"
          disabled={!link.active}
          onClick={() => void run(signIn.openAgain, 'Opened the sign-in page again.')}
        >
          Open again
        </button>
        <button type="button" className="btn" onClick={() => void run(signIn.cancel, 'Cancelling…')}>
          Cancel
        </button>
      </div>
    </div>
  );
}
