import { formatDuration } from '../format';
import type { DeviceSignInState } from '../hooks/useDeviceSignIn';
import { useNow } from '../hooks/useNow';
import { usePanelActions } from '../hooks/usePanelActions';
import { ErrorNotice } from './ErrorNotice';
import './device.css';

interface Props {
  device: DeviceSignInState;
  providerName(id: string): string;
}

/**
 * "Sign in on another device" in progress: where to go, the code to enter (large, copyable),
 * how long it is valid, "Open the page" (main opens the provider's page) and Cancel. Stays at
 * the top of the view until the other device approved, or the code expired.
 */
export function DeviceSignInPanel({ device, providerName }: Props): React.JSX.Element | null {
  const now = useNow(1000);
  const { state, pending } = device;
  const providerId = state.active ? state.providerId : pending?.providerId;
  const waiting = pending !== null || state.active;
  const { note, failure, run } = usePanelActions(waiting);

  if (!waiting || providerId === undefined) return null;
  const code = state.active ? state.code : null;
  const left = code ? code.expiresAt - now : 0;

  return (
    <section className="progress-panel device-panel" aria-labelledby="device-title" data-testid="device-panel">
      <div className="device-text">
        <h2 id="device-title">Sign in to {providerName(providerId)} on another device</h2>
        {code === null ? (
          <p className="muted small" role="status">
            <span className="spinner small" aria-hidden="true" /> Asking {providerName(providerId)} for a code…
          </p>
        ) : (
          <>
            <p className="small">On a phone or another computer with a browser, open</p>
            <p className="device-uri">
              <code className="wrap" data-testid="device-uri">
                {code.verificationUri}
              </code>
            </p>
            {code.verificationUriComplete && (
              <p className="muted small">
                or, with the code already filled in: <code className="wrap">{code.verificationUriComplete}</code>
              </p>
            )}
            <p className="small">and enter this code:</p>
            <p className="device-code" data-testid="device-code">
              {code.userCode}
            </p>
            <p className={`small ${left <= 60_000 ? 'state-warn' : 'muted'}`} data-testid="device-expiry">
              {left > 0 ? `The code expires in ${formatDuration(left)}.` : 'The code has expired: cancel and start again for a new one.'}
            </p>
            <p className="muted small" role="status">
              <span className="spinner small" aria-hidden="true" /> Waiting for you to approve on the other device…
            </p>
          </>
        )}
        {note && <p className="small signin-note">{note}</p>}
        {failure && <ErrorNotice error={failure} live />}
      </div>
      <div className="signin-actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={code === null}
          onClick={() => void run(device.openPage, 'Opened the page in your browser.')}
        >
          Open the page
        </button>
        <button type="button" className="btn" disabled={code === null} onClick={() => void run(device.copyCode, 'Code copied.')}>
          Copy code
        </button>
        <button type="button" className="btn" onClick={() => void run(device.cancel, 'Cancelling…')}>
          Cancel
        </button>
      </div>
    </section>
  );
}
