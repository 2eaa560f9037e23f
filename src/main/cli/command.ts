/**
 * What an `osmen-cred` command is (CommandSpec) and what it is given to run (CommandContext):
 * the one module every command and cli.ts share, importing nothing of theirs.
 */
import type { CredentialCore } from '../core/api.js';
import type { VaultMode } from '../core/contracts/key.js';
import type { ExitCode } from '../core/exit-codes.js';
import type { VaultLocation } from './open-vault.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Routes these signals to `handler` until released (`agent`, `run`); the command's exit code then stands. */
  takeSignals?(signals: readonly NodeJS.Signals[], handler: (signal: NodeJS.Signals) => void): () => void;
  /** The SIGINT/SIGTERM received so far under the default handling, if any. */
  signalled?(): NodeJS.Signals | null;
}

export interface CommandContext {
  io: CliIo;
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  vault: VaultLocation;
  /** Options in command-line order (`run` pairs each --env with the --account before it). */
  tokens: ReadonlyArray<{ kind: string; name?: string; value?: string | boolean }>;
  /** Arguments after `--` (commands with `passThrough`). */
  rest: string[];
  /**
   * The one way a command opens the vault (the core), in the command's vaultMode; cli.ts closes
   * it after the command, also when it fails. `background` starts its scheduler (`agent`).
   */
  open(opts?: { background?: boolean }): Promise<CredentialCore>;
  /** Closes the vault now if it was opened (`run` does before starting its command). */
  close(): Promise<void>;
}

export type OptionKind = 'boolean' | 'string';

export interface CommandSpec {
  name: string;
  /** Positional arguments: names, `?` suffix = optional. */
  args: string[];
  options: Record<string, OptionKind>;
  /**
   * How ctx.open() opens the vault: `read-only` (default) never modifies it; `existing` writes but
   * never makes one; `create` (connect, provider add) may make the vault and its key. A command
   * whose actions differ (provider) decides from its arguments.
   */
  vaultMode?: VaultMode | ((ctx: Pick<CommandContext, 'positionals'>) => VaultMode);
  summary: string;
  help: string;
  /** Takes `-- <command> [args…]` (in ctx.rest). */
  passThrough?: boolean;
  run(ctx: CommandContext): Promise<ExitCode | number>;
}
