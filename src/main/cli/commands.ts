/**
 * The `osmen-cred` commands: their options, help text and implementation.
 * Each command writes its answer to `io.out` and returns an exit code;
 * failures are thrown and turned into one stderr line by cli.ts.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CredentialCore } from '../core/credential-core.js';
import { EncryptionManager } from '../core/vault/encryption-manager.js';
import { CliError, EXIT, errorCodeOf, exitCodeFor, type ExitCode } from './exit-codes.js';
import { accountJson, accountsTable, healthText, logEntryText, oneLine, table } from './format.js';
import { keygenText } from './keygen.js';
import { terminalJson } from '../../shared/terminal-json.js';
import { tokensKept, waitForKeptTokens, withKeptTokens } from './kept-tokens.js';
import { exportVerifyText, verifyText } from './log-format.js';
import { locateVault, noVault, openVault, type VaultLocation } from './open-vault.js';
import { connect } from './commands/connect.js';
import { provider } from './commands/provider.js';
import { agent } from './commands/agent.js';
import { run } from './commands/run.js';
import { status } from './commands/status.js';
import { token } from './commands/token.js';

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
  /** Opens the vault (the core); cli.ts closes it after the command. `background` starts its scheduler. */
  open(opts?: { background?: boolean }): Promise<CredentialCore>;
  /** Closes the vault now if it was opened (`run` does before starting its command). */
  close(): Promise<void>;
}

type OptionKind = 'boolean' | 'string';

export interface CommandSpec {
  name: string;
  /** Positional arguments: names, `?` suffix = optional. */
  args: string[];
  options: Record<string, OptionKind>;
  /** How the command opens the vault: `read-only` (default) never modifies it; `existing` writes but never makes one. */
  vaultMode?: 'read-only' | 'existing';
  summary: string;
  help: string;
  /** Takes `-- <command> [args…]` (in ctx.rest). */
  passThrough?: boolean;
  run(ctx: CommandContext): Promise<ExitCode | number>;
}

const json = (value: unknown) => terminalJson(value, 2);

function requireAccount(core: CredentialCore, provider: string, user: string): NonNullable<ReturnType<CredentialCore['getAccount']>> {
  const meta = core.getAccount(provider, user);
  if (meta) return meta;
  throw new CliError(
    'ACCOUNT_NOT_FOUND',
    'not_found',
    `No account ${oneLine(provider, 60)}/${oneLine(user, 120)} in the vault. See \`osmen-cred list\`.`,
  );
}

const list: CommandSpec = {
  name: 'list',
  args: [],
  options: { json: 'boolean' },
  summary: 'list connected accounts (metadata only, never tokens)',
  help: `Usage: osmen-cred list [--json]

Shows every stored account: provider, user, status (active, needs_reauth,
refresh_failing), expiry, whether a refresh token is held, last refresh.
--json prints an array of objects with ISO-8601 UTC dates. No secrets are shown.`,
  async run(ctx) {
    if (!ctx.vault.exists) {
      ctx.io.out(ctx.values.json ? '[]\n' : `No accounts (no vault at ${ctx.vault.home}).\n`);
      return EXIT.OK;
    }
    const core = await ctx.open();
    const accounts = core.listAccounts();
    ctx.io.out(ctx.values.json ? `${json(accounts.map(accountJson))}\n` : `${accountsTable(accounts)}\n`);
    return EXIT.OK;
  },
};

const check: CommandSpec = {
  name: 'check',
  args: [],
  options: { json: 'boolean' },
  summary: 'run the credential health checks (exit 1 when one fails)',
  help: `Usage: osmen-cred check [--json]

Runs the credential validator: master key custody, file permissions of the
data folder and database, provider configuration (client ids, redirect URIs),
and whether secrets are committed to git (with OSMEN_REPO_DIR set to a work tree).
Exit 1 when any check fails (warnings do not fail). --json prints the report.`,
  async run(ctx) {
    const core = await ctx.open();
    const report = await core.healthReport();
    ctx.io.out(ctx.values.json ? `${json(report)}\n` : `${healthText(report)}\n`);
    const failed = !report.ok || report.checks.some((c) => c.status === 'fail');
    return failed ? EXIT.FAILED : EXIT.OK;
  },
};

interface RefreshOutcome {
  provider: string;
  userId: string;
  ok: boolean;
  expiresAt?: string | null;
  error?: { code: string; message: string; exitCode: ExitCode };
}

/** Worst first: what a script most needs to know when several accounts failed. */
const EXIT_PRIORITY: ExitCode[] = [EXIT.NEEDS_REAUTH, EXIT.CONFIG, EXIT.DATA, EXIT.TEMPFAIL, EXIT.SOFTWARE, EXIT.FAILED];

const refresh: CommandSpec = {
  name: 'refresh',
  vaultMode: 'existing',
  args: ['provider?', 'user?'],
  options: { all: 'boolean', json: 'boolean' },
  summary: 'refresh one account now, or every account with --all',
  help: `Usage: osmen-cred refresh <provider> <user> [--json]
       osmen-cred refresh --all [--json]

Refreshes the access token now, whatever its expiry (through the same
cross-process lease as the app). --all refreshes every account that holds a
refresh token and is not waiting for the user to sign in again, four at a time,
and reports each. Exit 0 when all succeeded; otherwise the code of the worst
failure (3 needs sign-in, 78 configuration, 65 data, 75 temporary).`,
  async run(ctx) {
    const all = ctx.values.all === true;
    if (all === ctx.positionals.length > 0) {
      throw new CliError('USAGE', 'usage', 'refresh takes either <provider> <user> or --all.');
    }
    if (!all && ctx.positionals.length !== 2) {
      throw new CliError('USAGE', 'usage', 'refresh needs both <provider> and <user>.');
    }
    const core = await ctx.open();
    if (!all) {
      const [provider, user] = ctx.positionals as [string, string];
      requireAccount(core, provider, user);
      // Saved only after a full disk had room again: read what was saved, never refresh twice.
      const meta = await withKeptTokens(
        ctx,
        (c) => c.refreshAccount(provider, user),
        async (c) => requireAccount(c, provider, user),
      );
      const out = accountJson(meta);
      ctx.io.out(
        ctx.values.json
          ? `${json(out)}\n`
          : `Refreshed ${oneLine(provider, 60)}/${oneLine(user, 120)}; the access token now expires ${out.expiresAt ?? 'never (no lifetime given)'}.\n`,
      );
      return EXIT.OK;
    }
    // The core's "refresh all" policy, as the app's tray and window use it.
    let report = await core.refreshEveryAccount();
    const kept = report.results.find((r) => !r.ok && tokensKept(r.error));
    if (kept) {
      // Wait for the save; the accounts whose tokens were kept are then refreshed (and saved).
      await waitForKeptTokens(ctx, kept.ok ? null : kept.error);
      const again = await ctx.open();
      report = {
        ...report,
        results: report.results.map((r) =>
          r.ok || !tokensKept(r.error) ? r : { ...r, ok: true as const, metadata: requireAccount(again, r.provider, r.userId) },
        ),
      };
    }
    const outcomes: RefreshOutcome[] = report.results.map((r) =>
      r.ok
        ? { provider: r.provider, userId: r.userId, ok: true, expiresAt: accountJson(r.metadata).expiresAt }
        : {
            provider: r.provider,
            userId: r.userId,
            ok: false,
            error: { code: errorCodeOf(r.error), message: safeMessage(r.error), exitCode: exitCodeFor(r.error) },
          },
    );
    const skipped = report.skipped.length;
    if (ctx.values.json) {
      ctx.io.out(
        `${json({ refreshed: outcomes.filter((o) => o.ok).length, failed: outcomes.filter((o) => !o.ok).length, skipped, results: outcomes })}\n`,
      );
    } else {
      const rows = outcomes.map((o) => [
        oneLine(o.provider, 60),
        oneLine(o.userId, 80),
        o.ok ? 'refreshed' : `FAILED [${o.error!.code}]`,
        o.ok ? (o.expiresAt ?? 'no expiry') : o.error!.message,
      ]);
      ctx.io.out(
        `${rows.length ? table(['PROVIDER', 'USER', 'RESULT', 'EXPIRES / ERROR'], rows) : 'Nothing to refresh.'}\n` +
          (skipped ? `${skipped} account(s) skipped (no refresh token, or waiting for sign-in).\n` : ''),
      );
    }
    const codes = outcomes.filter((o) => !o.ok).map((o) => o.error!.exitCode);
    return codes.length === 0 ? EXIT.OK : (EXIT_PRIORITY.find((c) => codes.includes(c)) ?? EXIT.FAILED);
  },
};

const disconnect: CommandSpec = {
  name: 'disconnect',
  vaultMode: 'existing',
  args: ['provider', 'user'],
  options: { json: 'boolean' },
  summary: 'revoke the grant at the provider (when supported) and delete the account',
  help: `Usage: osmen-cred disconnect <provider> <user> [--json]

Revokes the refresh token at the provider where it supports RFC 7009, then
deletes the account's tokens locally. A failed revocation is reported and
logged but the local tokens are still deleted.`,
  async run(ctx) {
    const [provider, user] = ctx.positionals as [string, string];
    const core = await ctx.open();
    requireAccount(core, provider, user);
    const result = await core.disconnectAccount(provider, user);
    ctx.io.out(
      ctx.values.json
        ? `${json({ provider, userId: user, deleted: result.deleted, revocation: result.revocation })}\n`
        : `Disconnected ${oneLine(provider, 60)}/${oneLine(user, 120)}: ${result.deleted ? 'tokens deleted' : 'nothing deleted'}, revocation ${result.revocation}.\n`,
    );
    return EXIT.OK;
  },
};

const rotateKey: CommandSpec = {
  name: 'rotate-key',
  vaultMode: 'existing',
  args: [],
  options: { json: 'boolean' },
  summary: 're-encrypt every token under a new master key',
  help: `Usage: osmen-cred rotate-key [--json]

Re-encrypts every stored token under a new master key in one transaction.
- Key in the OS keychain: a new key is generated and stored in the keychain
  first, then the rows are re-encrypted. Nothing to do afterwards.
- Key from OAUTH_ENCRYPTION_KEY: the CLI cannot change your environment, so
  it never invents the new key. Generate one (\`osmen-cred keygen\`), put it in
  OSMEN_NEW_ENCRYPTION_KEY for this one command, then replace
  OAUTH_ENCRYPTION_KEY with it everywhere (the old key stops working).
Prints the new key's id (a fingerprint, not the key).`,
  async run(ctx) {
    const core = await ctx.open();
    let result: { rotated: number; keyId: string };
    if (core.keySource === 'keychain' || core.keySource === 'keychain-created') {
      result = await core.rotateKey();
    } else {
      const next = ctx.io.env.OSMEN_NEW_ENCRYPTION_KEY?.trim();
      if (!next) {
        throw new CliError(
          'NEW_KEY_REQUIRED',
          'configuration',
          'The master key comes from OAUTH_ENCRYPTION_KEY. Generate a new key with `osmen-cred keygen`, ' +
            'run `OSMEN_NEW_ENCRYPTION_KEY=<new key> osmen-cred rotate-key`, then set OAUTH_ENCRYPTION_KEY to the new key.',
        );
      }
      const nextManager = new EncryptionManager(next); // throws KEY_MALFORMED (78) with a how-to
      if (nextManager.primaryKeyId === core.keyId) {
        throw new CliError('SAME_KEY', 'usage', 'OSMEN_NEW_ENCRYPTION_KEY is the key already in use.');
      }
      // With an env key the caller owns the new key (already saved where it will
      // live); it is never printed, so a lost terminal cannot lose the vault.
      result = await core.rotateKey(next);
    }
    ctx.io.out(
      ctx.values.json
        ? `${json({ rotated: result.rotated, keyId: result.keyId, keySource: core.keySource })}\n`
        : `Re-encrypted ${result.rotated} account(s) under key ${result.keyId}.` +
            (core.keySource === 'keychain' || core.keySource === 'keychain-created'
              ? ' The new key is in the OS keychain.\n'
              : ' Now set OAUTH_ENCRYPTION_KEY to the new key; the old one no longer opens the vault.\n'),
    );
    return EXIT.OK;
  },
};

/** A path given to `log --export` / `--file`: resolved against the working folder, never empty. */
function logPathOption(value: string | boolean | undefined, name: string): string {
  const raw = typeof value === 'string' ? value.trim() : '';
  if (!raw) throw new CliError('USAGE', 'usage', `--${name} needs a file name.`);
  return resolve(raw);
}

/** Log write failures the caller can act on get their own exit code (a full disk is temporary). */
function logWriteError(err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  if (code === 'DISK_FULL') return new CliError('DISK_FULL', 'transient', safeMessage(err));
  if (code === 'BAD_OPTIONS') return new CliError('USAGE', 'usage', safeMessage(err));
  return err;
}

const log: CommandSpec = {
  name: 'log',
  args: [],
  options: { verify: 'boolean', tail: 'string', json: 'boolean', export: 'string', file: 'string' },
  summary: 'show the security log, verify it (--verify), or export it (--export)',
  help: `Usage: osmen-cred log [--tail N] [--json]
       osmen-cred log --verify [--json]
       osmen-cred log --export <file> [--json]
       osmen-cred log --verify --file <file> [--json]

Shows the last N entries of the security log (default 20, at most 10000).
User ids appear only as keyed hashes.

--verify checks the hash chain, the signed head record and the anchor kept
in the vault; exits 1 when an entry was edited, removed or reordered, or the
log was rolled back to an older copy. Lists every re-anchor. A last entry cut
off by an interrupted write (crash, full disk) is reported but is not a
failure: the next entry completes it.

--export writes every retained entry (all rotated files), oldest first, to
<file> (created 0600, replaced atomically), behind one header line.

--verify --file checks an exported file (or a copy of security.log) on its
own, without the vault or the log key: each entry's hash and its link to the
one before, and that the file ends where the export header says. It says what
it cannot check: a file rewritten whole with recomputed hashes, and rollback.`,
  async run(ctx) {
    const { verify, export: exportTo, file } = ctx.values;
    if (file !== undefined && !verify)
      throw new CliError('USAGE', 'usage', '--file goes with --verify: osmen-cred log --verify --file <file>.');
    if (exportTo !== undefined && (verify || ctx.values.tail !== undefined)) {
      throw new CliError('USAGE', 'usage', '--export takes no --verify or --tail.');
    }
    if (verify && file !== undefined) {
      const path = logPathOption(file, 'file');
      if (!existsSync(path) || !statSync(path).isFile())
        throw new CliError('FILE_NOT_FOUND', 'not_found', `No file at ${oneLine(path, 300)}.`);
      const { verifyExportFile } = await import('../core/audit/log-export.js');
      const result = verifyExportFile(path);
      ctx.io.out(ctx.values.json ? `${json({ file: path, ...result })}\n` : `${exportVerifyText(path, result)}\n`);
      return result.ok ? EXIT.OK : EXIT.FAILED;
    }
    let tail = 20;
    if (ctx.values.tail !== undefined) {
      const raw = String(ctx.values.tail);
      if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 10_000) {
        throw new CliError('USAGE', 'usage', '--tail takes a whole number from 1 to 10000.');
      }
      tail = Number(raw);
    }
    if (exportTo !== undefined) {
      const path = logPathOption(exportTo, 'export');
      if (!existsSync(dirname(path))) throw new CliError('USAGE', 'usage', `No folder ${oneLine(dirname(path), 300)} to export into.`);
      const core = await ctx.open();
      const result = await core.exportLog(path).catch((err: unknown) => {
        throw logWriteError(err);
      });
      ctx.io.out(
        ctx.values.json ? `${json(result)}\n` : `Exported ${result.entries} entries, oldest first, to ${oneLine(result.path, 300)}.\n`,
      );
      return EXIT.OK;
    }
    const core = await ctx.open();
    if (verify) {
      const result = core.verifyLog();
      ctx.io.out(ctx.values.json ? `${json(result)}\n` : `${verifyText(result)}\n`);
      return result.ok ? EXIT.OK : EXIT.FAILED;
    }
    const entries = core.readLog(tail);
    ctx.io.out(
      ctx.values.json
        ? `${json(entries)}\n`
        : entries.length
          ? `${entries.map(logEntryText).join('\n')}\n`
          : 'The security log is empty.\n',
    );
    return EXIT.OK;
  },
};

const keygen: CommandSpec = {
  name: 'keygen',
  args: [],
  options: {},
  summary: 'print a new random master key with instructions (stores nothing)',
  help: `Usage: osmen-cred keygen

Prints a new 32-byte key (base64url) and where it goes. It is not stored
anywhere; use it for OAUTH_ENCRYPTION_KEY on headless machines or for
OSMEN_NEW_ENCRYPTION_KEY when rotating an environment key.`,
  async run(ctx) {
    ctx.io.out(`${keygenText()}\n`);
    return EXIT.OK;
  },
};

export const COMMANDS: readonly CommandSpec[] = [
  token,
  status,
  run,
  agent,
  connect,
  provider,
  list,
  check,
  refresh,
  disconnect,
  rotateKey,
  log,
  keygen,
];

/** An error's message, bounded and on one line; core errors never carry secrets. */
export function safeMessage(err: unknown): string {
  if (err instanceof Error && err.message) return oneLine(err.message);
  return 'The operation failed.';
}

export { locateVault, noVault, openVault };
