/**
 * `osmen-cred provider add|list|remove`: the custom OpenID providers of the app's Connect view,
 * from a terminal, with the same checks (the core's ProviderCatalogue makes them). `add` may
 * create the vault; `list` only reads; `remove` needs an existing vault.
 */
import { jsonText, table } from '../format.js';
import { readSecretFromStdin } from '../stdin-secret.js';
import type { CustomProviderInput } from '../../core/contracts/providers.js';
import type { AccountsRole, ProvidersRole } from '../../core/api.js';
import { EXIT, type ExitCode } from '../../core/exit-codes.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { CliError } from '../cli-error.js';
import { oneLine } from '../../../shared/one-line.js';

/** What the app's form proposes. */
const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

const ADD_OPTIONS = new Set(['issuer', 'client-id', 'client-secret-stdin', 'scopes', 'display-name', 'replace']);
const OPTIONS_OF: Record<string, ReadonlySet<string>> = {
  add: ADD_OPTIONS,
  list: new Set(['json']),
  remove: new Set(),
};

function usage(message: string): CliError {
  return new CliError('USAGE', 'usage', `${message} See \`osmen-cred provider --help\`.`);
}

/** One provider as `provider list --json` prints it: named fields only, never a secret. */
export interface ProviderJson {
  id: string;
  displayName: string;
  /** The protocol: oidc or oauth2. */
  kind: string;
  /** One of the app's built-in providers. */
  builtin: boolean;
  custom: boolean;
  configured: boolean;
  issuer: string | null;
  configHint?: string;
  /** Custom providers: the registration (a client id is not a secret; the secret is never shown). */
  clientId?: string;
  hasClientSecret?: boolean;
  scopes?: string[];
  /** Accounts connected through it. */
  accounts: number;
}

function providersJson(core: ProvidersRole & Pick<AccountsRole, 'listAccounts'>): ProviderJson[] {
  const custom = new Map(core.listCustomProviders().map((p) => [p.id, p]));
  const counts = new Map<string, number>();
  for (const a of core.listAccounts()) counts.set(a.provider, (counts.get(a.provider) ?? 0) + 1);
  return core.listProviders().map((p) => {
    const c = custom.get(p.id);
    const out: ProviderJson = {
      id: p.id,
      displayName: p.displayName,
      kind: p.kind,
      builtin: p.builtin,
      custom: c !== undefined,
      configured: p.configured,
      issuer: p.issuer ?? null,
      accounts: counts.get(p.id) ?? 0,
    };
    if (p.configHint) out.configHint = p.configHint;
    if (c) {
      out.clientId = c.clientId;
      out.hasClientSecret = c.hasClientSecret === true;
      out.scopes = [...c.scopes];
    }
    return out;
  });
}

function providersTable(rows: ProviderJson[]): string {
  return table(
    ['ID', 'NAME', 'KIND', 'STATUS', 'ACCOUNTS', 'ISSUER'],
    rows.map((p) => [
      oneLine(p.id, 64),
      oneLine(p.displayName, 40),
      p.custom ? 'custom' : p.builtin ? 'built-in' : p.kind,
      p.configured ? 'configured' : 'not configured',
      String(p.accounts),
      oneLine(p.issuer ?? '-', 120),
    ]),
  );
}

async function add(ctx: CommandContext, id: string | undefined): Promise<ExitCode> {
  if (id === undefined) throw usage('provider add needs an <id>.');
  const { CUSTOM_PROVIDER_ID_RE } = await import('../../core/index.js');
  if (!CUSTOM_PROVIDER_ID_RE.test(id)) {
    throw usage('A provider id is 1 to 40 lower-case letters, digits, "_" or "-", starting with a letter or digit.');
  }
  const issuer = ctx.values.issuer;
  const clientId = ctx.values['client-id'];
  if (typeof issuer !== 'string' || issuer.trim() === '') throw usage('provider add needs --issuer URL.');
  if (typeof clientId !== 'string' || clientId.trim() === '') throw usage('provider add needs --client-id ID.');
  const scopes = typeof ctx.values.scopes === 'string' ? ctx.values.scopes.split(/\s+/).filter(Boolean) : DEFAULT_SCOPES;
  if (scopes.length === 0) throw usage('--scopes needs at least one scope, e.g. --scopes "openid email".');
  const input: CustomProviderInput = { id, issuer: issuer.trim(), clientId: clientId.trim(), scopes };
  const displayName = typeof ctx.values['display-name'] === 'string' ? ctx.values['display-name'].trim() : '';
  if (displayName) input.displayName = displayName;
  if (ctx.values['client-secret-stdin'] === true) input.clientSecret = await readSecretFromStdin((t) => ctx.io.err(t));

  if (!ctx.vault.exists) {
    // The same checks, discovery included, before a vault and a key are made for nothing.
    const { verifyCustomProvider } = await import('../../core/index.js');
    await verifyCustomProvider(input);
  }
  const core = await ctx.open();
  // Never overwritten by accident: an id that exists is refused (provider_exists) unless --replace.
  const replacing = ctx.values.replace === true && core.listCustomProviders().some((p) => p.id === id);
  if (replacing) {
    const { clientSecret, ...definition } = input;
    await core.updateCustomProvider({
      ...definition,
      clientSecret: clientSecret ? { action: 'set', value: clientSecret } : { action: 'clear' },
    });
  } else {
    await core.createCustomProvider(input).catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== 'provider_exists') throw err;
      throw new CliError(
        'provider_exists',
        'configuration',
        `A provider "${oneLine(id, 64)}" exists already. Pass --replace to replace its definition, or choose another id. Nothing was changed.`,
      );
    });
  }
  const added = core.listProviders().find((p) => p.id === id);
  ctx.io.out(
    `${replacing ? 'Replaced' : 'Added'} provider ${oneLine(id, 64)} (${oneLine(added?.displayName ?? id, 80)}) at ${oneLine(added?.issuer ?? input.issuer, 300)}` +
      `${input.clientSecret ? ', client secret kept in the vault' : ''}. Sign in with \`osmen-cred connect ${oneLine(id, 64)}\`.\n`,
  );
  return EXIT.OK;
}

async function remove(ctx: CommandContext, id: string | undefined): Promise<ExitCode> {
  if (id === undefined) throw usage('provider remove needs an <id>.');
  const core = await ctx.open();
  try {
    core.removeCustomProvider(id);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'unknown_provider') {
      throw new CliError(
        'PROVIDER_NOT_FOUND',
        'not_found',
        `There is no custom provider "${oneLine(id, 64)}". See \`osmen-cred provider list\`.`,
      );
    }
    throw err;
  }
  ctx.io.out(`Removed provider ${oneLine(id, 64)}.\n`);
  return EXIT.OK;
}

export const provider: CommandSpec = {
  name: 'provider',
  args: ['action', 'id?'],
  options: {
    issuer: 'string',
    'client-id': 'string',
    'client-secret-stdin': 'boolean',
    scopes: 'string',
    'display-name': 'string',
    replace: 'boolean',
    json: 'boolean',
  },
  // add may make the vault (as connect does), list only reads, remove needs one.
  vaultMode: (ctx) => (ctx.positionals[0] === 'add' ? 'create' : ctx.positionals[0] === 'remove' ? 'existing' : 'read-only'),
  summary: 'custom OpenID providers: provider add <id> …, provider list, provider remove <id>',
  help: `Usage: osmen-cred provider add <id> --issuer URL --client-id ID [--client-secret-stdin]
                           [--scopes "a b c"] [--display-name N] [--replace]
       osmen-cred provider list [--json]
       osmen-cred provider remove <id>

The custom OpenID providers of the app's Connect view.
add     fetches the issuer's discovery document (<issuer>/.well-known/openid-configuration)
        and checks it before saving: https, or http only on 127.0.0.1/[::1]/localhost;
        the built-in ids (google, microsoft) are taken. --client-secret-stdin reads the
        client secret from standard input (never from the command line); it is kept
        encrypted in the vault. Scopes default to "${DEFAULT_SCOPES.join(' ')}".
        An id that exists is refused (provider_exists) unless --replace is given:
        then its definition is replaced (its client secret too: kept only when given
        again), but not its issuer while accounts use it (issuer_in_use).
        Creates the vault when there is none, like \`connect\`.
list    every provider, built-in and custom, whether it is configured and how many
        accounts use it; --json adds a custom provider's client id, scopes and
        hasClientSecret (never the secret).
remove  deletes a custom provider and its client secret; refused while accounts of it
        are connected (disconnect them first).

Exit codes: 0 done; 2 no such provider (remove) or no vault (list, remove);
64 usage; 75 the issuer was unreachable (add); 78 refused: discovery failed,
insecure issuer, built-in id, id in use by accounts (add, remove).`,
  async run(ctx) {
    const [action, id] = ctx.positionals as [string, string | undefined];
    const allowed = OPTIONS_OF[action];
    if (!allowed) throw usage(`Unknown action "${oneLine(action, 40)}": use add, list or remove.`);
    for (const key of Object.keys(ctx.values)) {
      if (key === 'home' || key === 'help' || allowed.has(key)) continue;
      throw usage(`provider ${action} does not take --${key}.`);
    }
    if (action === 'list') {
      if (id !== undefined) throw usage('provider list takes no <id>.');
      const core = await ctx.open();
      const rows = providersJson(core);
      ctx.io.out(ctx.values.json ? `${jsonText(rows)}\n` : `${providersTable(rows)}\n`);
      return EXIT.OK;
    }
    return action === 'add' ? add(ctx, id) : remove(ctx, id);
  },
};
