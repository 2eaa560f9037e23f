/**
 * The command another program runs to get an account's access token
 * (`osmen-cred token <provider> <user>`, see docs/cli.md). The Accounts view
 * shows it and the main process copies exactly this text; it never contains a
 * token. Arguments are quoted for POSIX shells when they need it.
 */
const SAFE_ARG = /^[A-Za-z0-9@%+=:,./_-]+$/;

export function shellQuote(arg: string): string {
  if (SAFE_ARG.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function tokenCommand(provider: string, userId: string): string {
  return `osmen-cred token ${shellQuote(provider)} ${shellQuote(userId)}`;
}
