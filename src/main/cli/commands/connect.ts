/**
 * `osmen-cred connect <provider>`: signing an account in from a terminal, with the system
 * browser and a loopback redirect like the app, or with --device (RFC 8628) for a machine
 * without a browser. It may create the vault, so a person with only a terminal can start here.
 */
import type { DeviceUserCode, TokenMetadata } from '../../core/contracts/accounts.js';
import type { AccountsRole, ProvidersRole } from '../../core/api.js';
import { EXIT } from '../../core/exit-codes.js';
import { accountJson } from '../../core/account-json.js';
import { jsonText } from '../format.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { CliError } from '../cli-error.js';
import { oneLine } from '../../../shared/one-line.js';

const MAX_TIMEOUT_SEC = 24 * 3600;

function usage(message: string): CliError {
  return new CliError('USAGE', 'usage', `${message} See \`osmen-cred connect --help\`.`);
}

function timeoutOf(value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const raw = String(value);
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_TIMEOUT_SEC) {
    throw usage(`--timeout takes a whole number of seconds from 1 to ${MAX_TIMEOUT_SEC}.`);
  }
  return Number(raw) * 1000;
}

/** Flags that set a provider option for this sign-in, each named after an option of a provider file. */
const OPTION_FLAGS = ['tenant', 'host'] as const;

/**
 * The provider options given as flags (`--tenant`): each is an option of the provider's file,
 * checked by its rule before anything is created or saved.
 */
async function optionsOf(ctx: CommandContext, providerId: string): Promise<Record<string, string>> {
  const given = OPTION_FLAGS.flatMap((flag) => {
    const v = ctx.values[flag];
    return typeof v === 'string' ? [[flag, v.trim()] as const] : [];
  });
  if (given.length === 0) return {};
  const { BUILTIN_PROVIDERS } = await import('../../core/index.js');
  const options: Record<string, string> = {};
  for (const [name, value] of given) {
    const having = BUILTIN_PROVIDERS.filter((b) => b.options.some((o) => o.name === name));
    const option = having.find((b) => b.id === providerId)?.options.find((o) => o.name === name);
    if (!option) throw usage(`--${name} is for ${having.map((b) => b.id).join(', ')} only.`);
    if (option.check(value) !== null) throw usage(`--${name}: use ${option.hint}.`);
    options[name] = value;
  }
  return options;
}

/**
 * Without a vault there are no custom providers yet (their entries are signed by a vault key):
 * refuse a provider that can't be used before a vault and a key are made for nothing.
 */
async function checkProviderBeforeCreating(ctx: CommandContext, providerId: string, options: Record<string, string>): Promise<void> {
  // Loaded on demand, like the vault: `--help` and `keygen` need no OAuth engine.
  const { BUILTIN_PROVIDERS, verifyBuiltinProvider } = await import('../../core/index.js');
  try {
    verifyBuiltinProvider(ctx.vault.home, ctx.io.env, providerId, options); // not_configured names the variable to set
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'unknown_provider') throw err;
    throw new CliError(
      'unknown_provider',
      'configuration',
      `Unknown provider "${providerId.slice(0, 64)}". There is no vault in ${ctx.vault.home} yet, so no custom provider either: ` +
        `add one with \`osmen-cred provider add\`, or connect ${BUILTIN_PROVIDERS.map((b) => b.id).join(' or ')}. Nothing was created.`,
    );
  }
}

function duration(ms: number): string {
  if (ms < 90_000) {
    const s = Math.max(1, Math.round(ms / 1000));
    return s === 1 ? '1 second' : `${s} seconds`;
  }
  return `${Math.round(ms / 60_000)} minutes`;
}

function deviceText(name: string, info: DeviceUserCode): string {
  const lines = [
    `To sign in to ${name}, open this page on any device with a browser:`,
    `  ${info.verificationUri}`,
    'and enter the code:',
    `  ${info.userCode}`,
  ];
  if (info.verificationUriComplete) lines.push(`(or open ${info.verificationUriComplete}, which has the code filled in)`);
  lines.push(`The code expires in ${duration(info.expiresAt - Date.now())}. Waiting for the sign-in… (Ctrl-C cancels)`);
  return `${lines.join('\n')}\n`;
}

/** Ctrl-C or SIGTERM cancels a sign-in: nothing is in flight that could be lost, only waiting. */
function cancelOnSignal(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

export const connect: CommandSpec = {
  name: 'connect',
  args: ['provider'],
  // A person with only a terminal can start here: the vault (and its key) is made when there is none.
  vaultMode: 'create',
  options: { device: 'boolean', 'no-browser': 'boolean', tenant: 'string', host: 'string', timeout: 'string', json: 'boolean' },
  summary: 'sign an account in (browser on this machine, or --device: a code to enter on another device)',
  help: `Usage: osmen-cred connect <provider> [--device] [--no-browser] [--tenant T] [--host H]
                                    [--timeout SECONDS] [--json]

Signs an account in and stores it in the vault, like Connect in the app.
Default: opens the system browser; the provider redirects back to a one-time
listener on 127.0.0.1 (the address is printed on stderr too).
  --no-browser      print the sign-in address on stderr instead of opening it;
                    open it in a browser on this machine (the redirect comes
                    back to 127.0.0.1 here).
  --device          sign in on another device (OAuth 2.0 device authorization,
                    RFC 8628): prints an address and a code on stderr; enter
                    the code there, from any device. For providers whose
                    metadata has a device_authorization_endpoint (Microsoft,
                    Google with a "TVs and Limited Input" client, GitHub with
                    "Enable Device Flow" on, many OpenID providers).
  --tenant T        microsoft only: common, organizations, consumers, a tenant
                    id or domain (saved for later sign-ins, as in the app).
  --host H          github only: github.com or a GitHub Enterprise Server host
                    such as github.example.com (https; saved for later sign-ins).
  --timeout SECONDS give up after this long (browser default 300; --device
                    default: until the code expires).
  --json            print the account as a JSON object.

Creates the vault when there is none (the key in the OS keychain, or
OAUTH_ENCRYPTION_KEY). Prints "<provider> <user>" on stdout when done.

Exit codes: 0 signed in; 3 the sign-in was declined or the code expired;
75 the provider was unreachable or the sign-in was not finished within
--timeout; 78 configuration (unknown or unconfigured provider, no device
sign-in for this provider, no keychain and no OAUTH_ENCRYPTION_KEY).`,
  async run(ctx) {
    const providerId = ctx.positionals[0]!;
    const device = ctx.values.device === true;
    const noBrowser = ctx.values['no-browser'] === true;
    if (device && noBrowser) throw usage('--no-browser is for the browser sign-in; --device never opens a browser.');
    const timeoutMs = timeoutOf(ctx.values.timeout);
    const options = await optionsOf(ctx, providerId);
    if (!ctx.vault.exists) await checkProviderBeforeCreating(ctx, providerId, options);

    const cancel = cancelOnSignal();
    try {
      const core = await ctx.open();
      const account = device
        ? await viaDevice(ctx, core, providerId, { timeoutMs, options, signal: cancel.signal })
        : await viaBrowser(ctx, core, providerId, { noBrowser, timeoutMs, options, signal: cancel.signal }).catch((err: unknown) => {
            // The provider needs the client secret for the browser sign-in: say how to sign in without it here.
            if ((err as { code?: unknown }).code !== 'client_secret_required') throw err;
            throw new CliError(
              'client_secret_required',
              'configuration',
              `${oneLine((err as Error).message, 300)} Without a client secret, use \`osmen-cred connect ${oneLine(providerId, 64)} --device\`.`,
            );
          });
      ctx.io.out(
        ctx.values.json ? `${jsonText(accountJson(account))}\n` : `${oneLine(account.provider, 64)} ${oneLine(account.userId, 512)}\n`,
      );
      return EXIT.OK;
    } finally {
      cancel.release();
    }
  },
};

/** What a sign-in from the terminal needs of the core. */
type SignInCore = Pick<AccountsRole, 'connectAccount' | 'connectAccountWithDevice'> & Pick<ProvidersRole, 'listProviders'>;

interface FlowOptions {
  timeoutMs?: number;
  options: Record<string, string>;
  signal: AbortSignal;
}

function displayName(core: Pick<ProvidersRole, 'listProviders'>, providerId: string): string {
  return oneLine(core.listProviders().find((p) => p.id === providerId)?.displayName ?? providerId, 80);
}

function viaDevice(ctx: CommandContext, core: SignInCore, providerId: string, o: FlowOptions): Promise<TokenMetadata> {
  const name = displayName(core, providerId);
  return core.connectAccountWithDevice(providerId, {
    onUserCode: (info) => ctx.io.err(deviceText(name, info)),
    signal: o.signal,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(Object.keys(o.options).length ? { options: o.options } : {}),
  });
}

function viaBrowser(
  ctx: CommandContext,
  core: SignInCore,
  providerId: string,
  o: FlowOptions & { noBrowser: boolean },
): Promise<TokenMetadata> {
  const name = displayName(core, providerId);
  const wait = `Waiting for the sign-in${o.timeoutMs === undefined ? '' : ` (up to ${duration(o.timeoutMs)})`}… (Ctrl-C cancels)`;
  const openUrl = async (url: string): Promise<void> => {
    if (o.noBrowser) {
      ctx.io.err(`To sign in to ${name}, open this address in a browser on this machine:\n  ${url}\n${wait}\n`);
      return;
    }
    ctx.io.err(`Opening the browser to sign in to ${name}. If it does not open, visit:\n  ${url}\n${wait}\n`);
    try {
      const { openSystemBrowser } = await import('../../core/index.js');
      await openSystemBrowser(url);
    } catch (err) {
      // The address is on the screen: a missing opener (a server, a container) is no reason to stop.
      ctx.io.err(
        `osmen-cred: ${err instanceof Error ? oneLine(err.message, 200) : 'the browser could not be started'}; open the address above yourself.\n`,
      );
    }
  };
  return core.connectAccount(providerId, {
    openUrl,
    signal: o.signal,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(Object.keys(o.options).length ? { options: o.options } : {}),
  });
}
