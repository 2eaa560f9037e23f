/**
 * Pure decisions for the tray-side background work, tested in
 * test/unit/tray-wake.test.ts: when a network change should wake the
 * scheduler, and which accounts deserve a (single) re-auth notification.
 */
import { accountKey } from '../../shared/account-key.js';

/** True exactly when connectivity goes from offline to online. */
export function onlineEdge(previous: boolean | null, current: boolean): boolean {
  return previous === false && current === true;
}

export interface ReauthAccount {
  provider: string;
  userId: string;
  status: 'active' | 'needs_reauth' | 'refresh_failing';
}

/**
 * One notification per account per needs-re-auth episode: an account is
 * notified once, and again only after it was reconnected (or removed) and
 * then needed re-auth again.
 */
export class ReauthNotificationPolicy {
  private readonly notified = new Set<string>();

  /** Should this needs-reauth event show a notification? Marks it shown. */
  shouldNotify(account: { provider: string; userId: string }): boolean {
    const key = accountKey(account);
    if (this.notified.has(key)) return false;
    this.notified.add(key);
    return true;
  }

  /** Forget accounts that no longer need re-auth, so a later failure notifies again. */
  sync(accounts: readonly ReauthAccount[]): void {
    const stillBad = new Set(accounts.filter((a) => a.status === 'needs_reauth').map(accountKey));
    for (const key of this.notified) if (!stillBad.has(key)) this.notified.delete(key);
  }
}
