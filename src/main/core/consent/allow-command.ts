/**
 * The exact `osmen-cred allow …` command that lets a refused program through: printed by the
 * headless agent and by the CLI, and put in the consent_required message.
 */
import type { HandoffAsk, ProgramIdentity } from '../contracts/consent.js';

/** POSIX-shell quoting: bare when safe, else single quotes. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function allowCommand(program: ProgramIdentity, ask: HandoffAsk, home: string | null): string {
  const parts = ['osmen-cred', 'allow'];
  if (home) parts.push('--home', shellQuote(home));
  parts.push('--account', shellQuote(`${ask.provider}:${ask.user}`));
  if (program.script) parts.push('--program', shellQuote(program.script.path));
  else if (!program.code) parts.push('--program', shellQuote(program.exe.path));
  // Inline code (`python3 -c …`, `bash -c …`) is no file to pin: allow the terminal instead.
  else if (program.session?.tty) parts.push('--session');
  else if (program.pid) parts.push('--pid', String(program.pid), '--once');
  else parts.push('--program', shellQuote(program.exe.path));
  if (ask.scopes && ask.scopes.length > 0) parts.push('--scopes', shellQuote(ask.scopes.join(' ')));
  return parts.join(' ');
}
