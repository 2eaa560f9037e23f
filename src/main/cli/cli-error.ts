/** The CLI's own error class; the exit-code table is core/exit-codes.ts. */
import { CodedError } from '../core/errors.js';
import { EXIT_BY_CATEGORY, type ExitCode } from '../core/exit-codes.js';

/** A failure the CLI reports itself (bad arguments, an agent already running…), in the one error family. */
export class CliError extends CodedError {
  override name = 'CliError';

  /** The exit code its category stands for. */
  get exitCode(): ExitCode {
    return EXIT_BY_CATEGORY[this.category];
  }
}
