/**
 * The variables that open the vault or say where its master key is, and an environment without
 * them: what a command started by `osmen-cred run` (with or without `--sdk`) gets. The command
 * gets tokens, never the key: a child that printed its environment (or a crash reporter that
 * uploaded it) must not hand out the key that decrypts every refresh token in the vault.
 * No imports: `run` uses it before (and without) opening a vault.
 */

/**
 * Variables the CLI reads to open the vault or to find its key (docs/cli.md, "Environment"):
 * - `OAUTH_ENCRYPTION_KEY`: the master key itself;
 * - `OSMEN_NEW_ENCRYPTION_KEY`: the next master key while `rotate-key` runs;
 * - `OSMEN_KEYCHAIN_SERVICE`: which keychain entry holds the master key.
 * `OSMEN_HOME` and `OSMEN_AGENT_SOCK` stay: they say where the vault and the agent are, and a
 * command that asks `osmen-cred token` (or the agent) itself needs them; neither opens anything.
 */
export const VAULT_KEY_VARIABLES: readonly string[] = ['OAUTH_ENCRYPTION_KEY', 'OSMEN_NEW_ENCRYPTION_KEY', 'OSMEN_KEYCHAIN_SERVICE'];

/** A copy of `env` without the vault's key variables (compared case-insensitively on Windows, where names are). */
export function withoutVaultKey(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const fold = platform === 'win32' ? (n: string) => n.toUpperCase() : (n: string) => n;
  const banned = new Set(VAULT_KEY_VARIABLES.map(fold));
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (!banned.has(fold(name))) out[name] = value;
  return out;
}
