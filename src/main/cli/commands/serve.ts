/**
 * `osmen-cred serve --sdk google|azure --account p:u [--scopes "a b"] [--project ID] [--port P]
 * [--bind ADDR] [--for 8h]`: the endpoint of `run --sdk` on its own, for containers and other
 * hosts (`docker run -e …`, `ssh -R`). Prints the variables to set on stdout (one line, in
 * `docker run -e` form), serves until SIGINT/SIGTERM or until `--for` ends. Binds 127.0.0.1
 * unless `--bind` names another address, which gets a warning: the metadata protocol has no
 * secret, so whoever reaches that address gets the account's tokens.
 */
import { isIP } from 'node:net';
import { EXIT } from '../../core/exit-codes.js';
import { CliError } from '../cli-error.js';
import type { CommandSpec } from '../command.js';
import { endpointTokens, sdkOptions } from './sdk-options.js';

const usage = (message: string) => new CliError('USAGE', 'usage', `${message} See \`osmen-cred serve --help\`.`);

/** Longest `--for`: 30 days. */
export const MAX_SERVE_MS = 30 * 86_400_000;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `8h`, `2d` (a bare number is seconds); null when not a duration from 1 s to 30 days. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,7})([smhd]?)$/.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2] || 's']!;
  return ms >= 1_000 && ms <= MAX_SERVE_MS ? ms : null;
}

/** Where a container finds no gcloud configuration (so no person's application-default file). */
export const CONTAINER_EMPTY_GCLOUD = '/nonexistent/osmen-gcloud';

export const serve: CommandSpec = {
  name: 'serve',
  args: [],
  options: {
    sdk: 'string',
    account: 'string',
    scopes: 'string',
    project: 'string',
    port: 'string',
    bind: 'string',
    for: 'string',
  },
  summary: "serve an account's tokens to Google's or Azure's SDKs over HTTP (containers, other hosts)",
  help: `Usage: osmen-cred serve --sdk google|azure --account <provider>:<user> [--scopes "a b"]
                        [--project ID] [--port P] [--bind ADDR] [--for DURATION]

Serves the account's tokens in the protocol Google's libraries (Compute Engine
metadata server) or Azure's (App Service managed identity) look for, until
SIGINT/SIGTERM or until --for ends (90s, 30m, 8h, 2d). Prints the variables the
program needs on stdout, in \`docker run -e\` form, for example:
  docker run --add-host metadata.google.internal:host-gateway $(…) image
(see docs/cli.md, "Google and Azure SDKs", for docker run and ssh -R).

  --port P        port (default: any free one; printed)
  --bind ADDR     address to listen on (default 127.0.0.1). Another address
                  is reachable by others: a warning is printed. Google's
                  protocol has no secret; Azure's uses the printed IDENTITY_HEADER.
  --scopes "a b"  hand out tokens for only these scopes
  --project ID    Google: the project id the metadata server answers

Each token answered is a hand-off in the security log ("serve on port P").
Exit codes: 0 stopped or --for ended; 2 no such account; 3 sign in again;
64 usage; 75 the port is taken or the provider is down; 78 configuration.`,
  async run(ctx) {
    const o = await sdkOptions(ctx, 'serve');
    const bind = ctx.values.bind === undefined ? '127.0.0.1' : String(ctx.values.bind);
    if (isIP(bind) === 0) throw usage('--bind takes an IP address (127.0.0.1, ::1, 172.17.0.1, 0.0.0.0…).');
    const rawPort = ctx.values.port;
    const port = rawPort === undefined ? 0 : /^\d{1,5}$/.test(String(rawPort)) ? Number(rawPort) : -1;
    if (port < 0 || port > 65_535) throw usage('--port takes a port number (0-65535; 0: any free one).');
    const forMs = ctx.values.for === undefined ? null : parseDuration(String(ctx.values.for));
    if (ctx.values.for !== undefined && forMs === null) throw usage('--for takes a duration from 1s to 30d (90s, 30m, 8h, 2d).');

    const { accountClientId, counterRecorder, isLoopback, listen, programLabel, removedVariables } = await import('../../core/index.js');
    const core = await ctx.open();
    const recorder = counterRecorder(core.securityEvents);
    try {
      const tokens = await endpointTokens(core, o, 'serve', recorder);
      const endpoint = await listen({
        sdk: o.sdk,
        tokens,
        host: bind,
        port,
        project: o.project,
        clientId: o.sdk === 'azure' ? accountClientId(core, o.provider) : null,
      });
      tokens.program = programLabel(`serve on port ${endpoint.bound.port}`);
      const variables = { ...endpoint.variables(), ...(o.sdk === 'google' ? { CLOUDSDK_CONFIG: CONTAINER_EMPTY_GCLOUD } : {}) };
      ctx.io.out(
        `${Object.entries(variables)
          .map(([k, v]) => `-e ${k}=${v}`)
          .join(' ')}\n`,
      );
      const where = `${endpoint.bound.host}:${endpoint.bound.port}`;
      if (!isLoopback(bind)) {
        ctx.io.err(
          `osmen-cred serve: warning: listening on ${where}, not loopback: any program that reaches this address ` +
            (o.sdk === 'google'
              ? 'gets the tokens (the metadata protocol has no secret).\n'
              : 'and knows IDENTITY_HEADER gets the tokens.\n'),
        );
      }
      ctx.io.err(
        `osmen-cred serve: ${o.sdk === 'google' ? 'Google metadata' : 'Azure managed identity'} for ${o.provider}:${o.user} on ${where}` +
          `${forMs === null ? '' : ` until ${new Date(Date.now() + forMs).toISOString()}`}; SIGINT/SIGTERM stops it. ` +
          `Do not pass ${removedVariables(o.sdk).slice(0, 4).join(', ')}… to the program.\n`,
      );
      let timer: NodeJS.Timeout | undefined;
      let release: (() => void) | undefined;
      const reason = await new Promise<string>((resolve) => {
        if (forMs !== null) timer = setTimeout(() => resolve('--for ended'), forMs);
        release = ctx.io.takeSignals?.(['SIGINT', 'SIGTERM'], (sig) => resolve(sig));
      });
      clearTimeout(timer);
      release?.();
      await endpoint.close();
      ctx.io.err(`osmen-cred serve: stopped (${reason}).\n`);
      return EXIT.OK;
    } finally {
      recorder.close();
    }
  },
};
