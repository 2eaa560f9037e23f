/**
 * A native notification when an account needs the person to sign in again,
 * once per episode (ReauthNotificationPolicy), so a failing scheduler cannot spam.
 */
import { Notification } from 'electron';
import { ReauthNotificationPolicy, type ReauthAccount } from './wake-policy.js';

export class ReauthNotifier {
  private readonly policy = new ReauthNotificationPolicy();

  constructor(private readonly onClick: () => void) {}

  notify(provider: string, userId: string, label: string): void {
    if (!Notification.isSupported() || !this.policy.shouldNotify({ provider, userId })) return;
    const n = new Notification({
      title: 'Sign in again to keep this account connected',
      body: `${label} (${provider}) needs re-authentication. Open the app and choose Reconnect.`,
      urgency: 'normal',
    });
    n.on('click', this.onClick);
    n.show();
  }

  sync(accounts: readonly ReauthAccount[]): void {
    this.policy.sync(accounts);
  }
}
