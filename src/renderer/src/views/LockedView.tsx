import appIcon from '../../../../resources/icon.png';
import type { AppStatusDto } from '../../../shared/ipc-contract';

/** The vault could not open (no key, no keychain): say why and how to fix it; store nothing. */
export function LockedView({ status }: { status: AppStatusDto }): React.JSX.Element {
  const code = status.error?.code ?? 'VAULT_LOCKED';
  return (
    <main className="locked">
      <div className="locked-card">
        <img className="lock-mark" src={appIcon} alt="" width={64} height={64} />
        <h1 tabIndex={-1}>The credential vault is locked</h1>
        <p role="alert">{status.error?.message ?? 'The master key is not available.'}</p>
        <p className="muted small">Error code: {code}</p>
        <div className="panel left">
          <h2>How to unlock</h2>
          <ul>
            <li>Unlock your system keychain (macOS Keychain, Windows Credential Manager, GNOME Keyring / KWallet) and restart the app.</li>
            <li>
              Or, for headless use, set <code>OAUTH_ENCRYPTION_KEY</code> (create one with <code>npm run keygen</code>) and restart.
            </li>
          </ul>
          <p className="muted small">Nothing is stored until the vault opens; tokens are never kept unencrypted.</p>
        </div>
      </div>
    </main>
  );
}
