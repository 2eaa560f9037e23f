import { useState } from 'react';
import appIcon from '../../../../resources/icon.png';
import type { AppStatusDto } from '../../../shared/ipc-contract';
import { bridge, call, errorInfo, type ErrorInfo } from '../api';
import { ErrorNotice } from '../components/ErrorNotice';
import { adviceFor } from '../errors/advice';
import './locked.css';

interface Props {
  status: AppStatusDto;
  /** Retry opened the vault: the app switches to its normal view. */
  onStatus(status: AppStatusDto): void;
}

/** The vault could not open: what went wrong and what to do for this code, with Retry and Quit. Nothing is stored. */
export function LockedView({ status, onStatus }: Props): React.JSX.Element {
  const [busy, setBusy] = useState<'retry' | 'quit' | null>(null);
  const [stillLocked, setStillLocked] = useState(false);
  const [failure, setFailure] = useState<ErrorInfo | null>(null);
  const error = status.error ?? { code: 'VAULT_LOCKED', message: 'The master key is not available.' };
  const advice = adviceFor(error.code, error);

  const retry = async (): Promise<void> => {
    setBusy('retry');
    setFailure(null);
    setStillLocked(false);
    try {
      const next = await call(bridge().retryOpenVault());
      setStillLocked(next.vault === 'locked');
      onStatus(next);
    } catch (err) {
      setFailure(errorInfo(err));
    } finally {
      setBusy(null);
    }
  };
  const quit = async (): Promise<void> => {
    setBusy('quit');
    try {
      await call(bridge().quitApp());
    } catch (err) {
      setFailure(errorInfo(err));
      setBusy(null);
    }
  };

  return (
    <main className="locked">
      <div className="locked-card">
        <img className="lock-mark" src={appIcon} alt="" width={64} height={64} />
        <h1 tabIndex={-1}>The credential vault is locked</h1>
        <p className="locked-what" role="alert">
          {advice.title}
        </p>
        <div className="panel left">
          <h2>What to do</h2>
          <p data-testid="locked-next">{advice.next}</p>
          {error.message && error.message !== advice.title && <p className="muted small locked-detail">{error.message}</p>}
          <p className="muted small">Nothing is stored until the vault opens; tokens are never kept unencrypted.</p>
          <p className="notice-code">
            Error code <code>{error.code}</code>
          </p>
        </div>
        {stillLocked && (
          <p className="banner banner-warn" role="status">
            Still locked: the vault did not open. Check the step above, then try again.
          </p>
        )}
        {failure && <ErrorNotice error={failure} live />}
        <div className="locked-actions">
          <button type="button" className="btn btn-primary" onClick={() => void retry()} disabled={busy !== null}>
            {busy === 'retry' ? 'Opening the vault…' : 'Retry'}
          </button>
          <button type="button" className="btn" onClick={() => void quit()} disabled={busy !== null}>
            Quit
          </button>
        </div>
      </div>
    </main>
  );
}
