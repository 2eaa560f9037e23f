/**
 * Lease waits made observable, for tests that must act while a refresher waits for another
 * holder's lease (its own module: oidc-fixtures is also loaded by child processes, without vitest).
 */
import { vi } from 'vitest';
import { RefreshLease } from '../../src/main/core/vault/refresh-lease.js';

/**
 * Resolves the first time any refresher in this process finds an account's refresh lease
 * taken (tryAcquire answers false): from then on it is waiting for the holder. Lets a test act
 * at exactly that point instead of guessing how long it takes to get there. Restore with
 * vi.restoreAllMocks().
 */
export function leaseRefused(): Promise<void> {
  const real = RefreshLease.prototype.tryAcquire;
  return new Promise<void>((resolve) => {
    vi.spyOn(RefreshLease.prototype, 'tryAcquire').mockImplementation(function (this: RefreshLease, provider: string, userId: string) {
      const taken = real.call(this, provider, userId);
      if (!taken) resolve();
      return taken;
    });
  });
}
