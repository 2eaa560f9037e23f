/**
 * The one key for an account (provider + user id) in maps and sets: the main
 * process, the core and the renderer all use this, so a key made in one place
 * finds the entry made in another. NUL cannot occur in either part (the IPC
 * contract refuses control characters), so the join is unambiguous.
 */
export function accountKey(account: { provider: string; userId: string }): string {
  return `${account.provider}\u0000${account.userId}`;
}
