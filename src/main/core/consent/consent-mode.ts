/**
 * The `handoff.consent` setting: `ask` (a program needs a grant, or the person's answer) or
 * `same-user` (any program of the agent's user gets tokens: the behaviour before consent).
 * Kept in the vault as a sealed secret (encrypted and authenticated under the master key), not
 * in settings.json: a setting that switches consent off must not be writable by anyone who can
 * write a file in the data folder. Missing or unreadable means `ask`; new vaults start there,
 * vaults from before consent were sealed `same-user` by their migration (vault/store-init.ts).
 */
import { CONSENT_MODE_SECRET } from '../vault/store-init.js';
import { ChangeStamp } from '../vault/change-stamp.js';
import type { TokenStore } from '../vault/token-store.js';
import type { ConsentMode, ConsentModeState } from '../contracts/consent.js';

export const CONSENT_MODES = ['ask', 'same-user'] as const satisfies readonly ConsentMode[];

export class ConsentModeStore {
  private cache: { stamp: string; state: ConsentModeState } | null = null;
  private readonly changes: ChangeStamp;

  constructor(private readonly tokens: TokenStore) {
    this.changes = ChangeStamp.of(tokens);
  }

  get(): ConsentModeState {
    const stamp = this.changes.current();
    if (this.cache && this.cache.stamp === stamp) return this.cache.state;
    let state: ConsentModeState;
    try {
      const value = this.tokens.readSecret(CONSENT_MODE_SECRET);
      if (value === null) state = { mode: 'ask', problem: null };
      else if ((CONSENT_MODES as readonly string[]).includes(value)) state = { mode: value as ConsentMode, problem: null };
      else state = { mode: 'ask', problem: 'the stored consent setting is not one this version knows' };
    } catch {
      state = { mode: 'ask', problem: 'the stored consent setting could not be decrypted (it was changed outside OsMEN)' };
    }
    this.cache = { stamp, state };
    return state;
  }

  set(mode: ConsentMode): void {
    this.tokens.putSecret(CONSENT_MODE_SECRET, mode);
    this.cache = null;
  }
}
