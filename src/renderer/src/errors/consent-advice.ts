/**
 * Advice for the hand-off consent codes (a program asking the agent; shown in Settings →
 * Programs, the consent dialog and the log), merged into the one table in advice.ts.
 * `consent_required` is not here: in that table it is the provider's OAuth error of that name;
 * hand-off refusals are worded by the log view itself.
 */
import { a, type Advice } from './advice-shape';

export const CONSENT_ADVICE: Readonly<Record<string, Advice>> = {
  forbidden: a(
    'A caller was refused a token.',
    'It runs as another user, used an unknown or revoked client key, or exited while asking. Nothing to do unless you expected it to work.',
    'none',
    true,
  ),
  PROGRAM_NOT_FOUND: a('There is no program file there.', 'Check the path of the program to allow.', 'none', true),
  PROCESS_NOT_FOUND: a('That process is gone.', 'Allow the program by its path instead.', 'none', true),
  NO_TERMINAL_SESSION: a('This does not run in a terminal.', 'Allow the program itself instead of the terminal.', 'none', true),
  SCOPE_NOT_GRANTED: a('The account does not hold that scope.', 'Choose among the account’s scopes.', 'none', true),
  USAGE: a('That request is not complete.', 'Check what was asked and try again.', 'none', true),
  NOT_NARROWED: a(
    'A token could not be narrowed to the scopes a program was granted, so it was not handed out.',
    'Grant that program all scopes, or check the provider supports narrower tokens.',
    'none',
    true,
  ),
};
