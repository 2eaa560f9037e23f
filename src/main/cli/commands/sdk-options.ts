/**
 * What `run --sdk` and `serve` share: their options (`--sdk`, `--account`, `--scopes`,
 * `--project`) and the account's endpoint tokens over the opened vault. The endpoints themselves
 * come from the core's public surface, loaded when the command runs.
 */
import { oneLine } from '../../../shared/one-line.js';
import type { AccountsRole } from '../../core/api.js';
import type { SdkHandoffRecorder, SdkKind } from '../../core/contracts/sdk.js';
import { CliError } from '../cli-error.js';
import type { CommandContext } from '../command.js';
import { scopesOption } from './token.js';

const usage = (command: string, message: string) => new CliError('USAGE', 'usage', `${message} See \`osmen-cred ${command} --help\`.`);

export interface SdkOptions {
  sdk: SdkKind;
  provider: string;
  user: string;
  scopes: string[] | undefined;
  project: string | null;
}

/** Google's project ids: 6 to 30 lowercase letters, digits and hyphens (older ones may carry a domain: `example.com:proj`). */
const PROJECT_ID = /^[a-z0-9][a-z0-9.:-]{0,99}$/;

export async function sdkOptions(ctx: Pick<CommandContext, 'values' | 'tokens'>, command: 'run' | 'serve'): Promise<SdkOptions> {
  const { isSdkKind, SDK_KINDS } = await import('../../core/index.js');
  const sdk = ctx.values.sdk;
  if (!isSdkKind(sdk)) throw usage(command, `--sdk takes ${SDK_KINDS.join(' or ')}.`);
  const accounts = ctx.tokens.filter((t) => t.kind === 'option' && t.name === 'account');
  if (accounts.length !== 1) throw usage(command, `--sdk serves exactly one --account <provider>:<user>.`);
  const spec = typeof accounts[0]!.value === 'string' ? accounts[0]!.value : '';
  const colon = spec.indexOf(':');
  const provider = spec.slice(0, colon);
  const user = spec.slice(colon + 1);
  if (colon <= 0 || user === '' || provider.length > 512 || user.length > 512) {
    throw usage(command, '--account takes <provider>:<user>, for example google:me@example.com.');
  }
  for (const name of ['env', 'min-ttl']) {
    if (ctx.values[name] !== undefined) throw usage(command, `--${name} does not go with --sdk (the SDK asks for its tokens itself).`);
  }
  const rawProject = ctx.values.project;
  let project: string | null = null;
  if (rawProject !== undefined) {
    if (sdk !== 'google') throw usage(command, '--project is for --sdk google.');
    if (typeof rawProject !== 'string' || !PROJECT_ID.test(rawProject)) throw usage(command, '--project takes a Google Cloud project id.');
    project = rawProject;
  }
  return { sdk, provider, user, scopes: scopesOption(ctx), project };
}

/** The endpoint's tokens; checks that the account exists and gives a token before anything starts. */
export async function endpointTokens(
  core: Pick<AccountsRole, 'getAccount' | 'getAccessToken'>,
  o: SdkOptions,
  program: string,
  recorder: SdkHandoffRecorder,
) {
  const { SdkAccountTokens } = await import('../../core/index.js');
  if (!core.getAccount(o.provider, o.user)) {
    throw new CliError(
      'ACCOUNT_NOT_FOUND',
      'not_found',
      `No account ${oneLine(o.provider, 60)}/${oneLine(o.user, 120)} in the vault. See \`osmen-cred list\`.`,
    );
  }
  const tokens = new SdkAccountTokens(core, {
    provider: o.provider,
    userId: o.user,
    scopes: o.scopes,
    unlisted: o.sdk === 'google' ? 'account' : 'any',
    program,
    recorder,
  });
  await tokens.check();
  return tokens;
}
