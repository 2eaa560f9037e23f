/**
 * The sign-in waiting in the system browser. The connect handler wraps the
 * opener it hands the core, so the authorization URL the core opens is known
 * here: the UI can show "copy sign-in link" and "open again" (which re-opens
 * this URL through the same opener; the renderer never supplies a URL). The
 * URL carries state and a PKCE challenge, not a secret, and is never logged.
 */
import type { SignInStateDto } from '../../shared/ipc-contract.js';
import { AttemptSlot } from './attempt-slot.js';

export type UrlOpener = (url: string) => void | Promise<void>;

interface Pending {
  attempt: number;
  providerId: string;
  url: string;
  startedAt: number;
  open: UrlOpener;
}

export interface SignInAttempt {
  /** Give this to core.connectAccount as openUrl. */
  openUrl: UrlOpener;
  /** The connect settled (signed in, failed or cancelled): forget its link. */
  end(): void;
}

export class SignInLinks extends AttemptSlot<Pending, SignInStateDto> {
  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  begin(providerId: string, open: UrlOpener): SignInAttempt {
    const attempt = this.nextAttempt();
    return {
      openUrl: async (url) => {
        this.start({ attempt, providerId, url, startedAt: this.now(), open });
        await open(url);
      },
      // A newer attempt (the core aborted this one when it started) keeps its link.
      end: () => this.endAttempt(attempt),
    };
  }

  state(): SignInStateDto {
    const p = this.pending;
    return p ? { active: true, providerId: p.providerId, url: p.url, startedAt: p.startedAt } : { active: false };
  }

  /** The waiting sign-in's URL, or null. */
  link(): string | null {
    return this.pending?.url ?? null;
  }

  /** Opens the waiting sign-in page again; false when nothing is waiting. */
  async reopen(): Promise<boolean> {
    const p = this.pending;
    if (!p) return false;
    await p.open(p.url);
    return true;
  }
}
