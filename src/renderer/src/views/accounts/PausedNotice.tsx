import { useState } from 'react';
import { errorInfo, type ErrorInfo } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';

/** Background refresh is paused (Settings or the tray): say so where the expiry countdowns are. */
export function PausedNotice({ onResume }: { onResume(): Promise<void> }): React.JSX.Element {
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<ErrorInfo | null>(null);
  const resume = async (): Promise<void> => {
    setSaving(true);
    setFailure(null);
    try {
      await onResume();
    } catch (err) {
      setFailure(errorInfo(err));
    } finally {
      setSaving(false);
    }
  };
  return (
    <div className="banner banner-warn paused-notice" role="status" data-testid="paused-notice">
      <div>
        <p>
          <strong>Background refresh is paused.</strong> Tokens are renewed only when a program asks for one or you press Refresh now, so
          expiring tokens may run out.
        </p>
        {failure && <ErrorNotice error={failure} live />}
      </div>
      <button type="button" className="btn btn-small" onClick={() => void resume()} disabled={saving}>
        {saving ? 'Resuming…' : 'Resume background refresh'}
      </button>
    </div>
  );
}
