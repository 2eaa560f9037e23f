/**
 * Starting `run`'s command: directly (no shell), with stdin, stdout and stderr as they are, and
 * the signals `run` receives passed on to it.
 */
import { spawn } from 'node:child_process';
import { EXIT } from '../../core/exit-codes.js';
import { signalExitCode } from '../signal-hub.js';
import type { CommandContext } from '../command.js';

/** Passed on to the command; SIGKILL and SIGSTOP cannot be caught, the rest make no sense to pass. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
  'SIGCONT',
  'SIGBREAK',
];

/**
 * Starts the command without a shell, passes signals on, and resolves with its exit code (128+n
 * after signal n; 127 not found, 126 not started).
 */
export function spawnCommand(ctx: CommandContext, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise<number>((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env, shell: false });
    const release = ctx.io.takeSignals?.(FORWARDED_SIGNALS, (sig) => {
      try {
        child.kill(sig);
      } catch {
        // Already gone: its exit is on the way.
      }
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      release?.();
      const notFound = err.code === 'ENOENT';
      ctx.io.err(
        `osmen-cred: error [${notFound ? 'COMMAND_NOT_FOUND' : 'COMMAND_NOT_STARTED'}]: cannot start ${JSON.stringify(command.slice(0, 200))}: ${err.code ?? 'error'}\n`,
      );
      resolve(notFound ? 127 : 126);
    });
    child.once('exit', (code, signal) => {
      release?.();
      resolve(code ?? (signal ? signalExitCode(signal) : EXIT.SOFTWARE));
    });
  });
}
