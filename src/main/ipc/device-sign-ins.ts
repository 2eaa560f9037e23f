/**
 * The sign-in on another device in progress (RFC 8628), as main knows it: what the person must
 * enter and where, for the Connect view (an event and a state channel), "Copy code" (main
 * writes the clipboard) and "Open the page" (main opens the provider's page it was given; the
 * renderer never supplies a URL). The device code and the tokens never come here.
 */
import type { DeviceCodeDto, DeviceSignInStateDto } from '../../shared/ipc-contract.js';
import { AttemptSlot } from './attempt-slot.js';
import type { DeviceUserCode } from '../core/contracts/accounts.js';

interface Pending {
  attempt: number;
  providerId: string;
  startedAt: number;
  code: DeviceCodeDto | null;
}

export interface DeviceAttempt {
  /** Give this to core.connectAccountWithDevice as onUserCode. */
  onUserCode(info: DeviceUserCode): void;
  /** The sign-in settled (signed in, failed, cancelled or expired). */
  end(): void;
}

export class DeviceSignIns extends AttemptSlot<Pending, DeviceSignInStateDto> {
  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  begin(providerId: string): DeviceAttempt {
    const attempt = this.nextAttempt();
    this.start({ attempt, providerId, startedAt: this.now(), code: null });
    return {
      onUserCode: (info) => {
        // Named fields only: whatever else the info carries stays here.
        const code: DeviceCodeDto = { verificationUri: info.verificationUri, userCode: info.userCode, expiresAt: info.expiresAt };
        if (info.verificationUriComplete) code.verificationUriComplete = info.verificationUriComplete;
        this.update(attempt, (p) => ({ ...p, code }));
      },
      // A newer attempt (the core aborted this one when it started) keeps its state.
      end: () => this.endAttempt(attempt),
    };
  }

  state(): DeviceSignInStateDto {
    const p = this.pending;
    return p ? { active: true, providerId: p.providerId, startedAt: p.startedAt, code: p.code ? { ...p.code } : null } : { active: false };
  }

  userCode(): string | null {
    return this.pending?.code?.userCode ?? null;
  }

  /** The page to open: the one with the code filled in when the provider gave it. */
  pageUrl(): string | null {
    const code = this.pending?.code;
    return code ? (code.verificationUriComplete ?? code.verificationUri) : null;
  }
}
