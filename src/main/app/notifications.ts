/**
 * A native notification when an account needs the person to sign in again.
 * One per account until it is reconnected, so a failing scheduler cannot spam.
 */
import { Notification } from 'electron';

export class ReauthNotifier {
  private readonly shown = new Set<string>();

  constructor(private readonly onClick: () => void) {}

  notify(provider: string, userId: string, label: string): void {
    const key = `${provider}\u0000${userId}`;
    if (this.shown.has(key) || !Notification.isSupported()) return;
    this.shown.add(key);
    const n = new Notification({
      title: 'Sign in again to keep this account connected',
      body: `${label} (${provider}) needs re-authentication. Open the app and choose Reconnect.`,
      urgency: 'normal',
    });
    n.on('click', this.onClick);
    n.show();
  }

  /** The account is fine again (reconnected or removed): a later failure may notify again. */
  clear(activeKeys: ReadonlySet<string>): void {
    for (const key of this.shown) if (!activeKeys.has(key)) this.shown.delete(key);
  }
}
