/**
 * `osmen-cred run --sdk google|azure --account p:u [--scopes "a b"] [--project ID] -- cmd …`
 *
 * Serves the account's tokens on 127.0.0.1 in the protocol Google's or Azure's own libraries
 * speak (core/sdk/), for exactly the command's lifetime: the vault stays open meanwhile (tokens
 * are refreshed as the SDK asks), the command gets the endpoint's variables and loses those that
 * would make its SDK look elsewhere first, and when it exits the port is closed and the hand-offs
 * are written to the security log. A token that cannot be had at start (no account, sign in
 * again, a scope the provider refuses) means the command is not started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signalExitCode } from '../signal-hub.js';
import type { CommandContext } from '../command.js';
import { spawnCommand } from './spawn-command.js';
import { endpointTokens, sdkOptions } from './sdk-options.js';

export async function runWithSdk(ctx: CommandContext): Promise<number> {
  const o = await sdkOptions(ctx, 'run');
  const [command, ...args] = ctx.rest as [string, ...string[]];
  const { accountClientId, counterRecorder, runProgram, sdkEnvironment, startSdkEndpoint } = await import('../../core/index.js');
  const core = await ctx.open();
  const recorder = counterRecorder(core.securityEvents);
  // The empty folder gcloud's configuration is pointed at: no person's application-default file wins.
  const gcloud = o.sdk === 'google' ? mkdtempSync(join(tmpdir(), 'osmen-gcloud-')) : null;
  try {
    const tokens = await endpointTokens(core, o, runProgram(command, args), recorder);
    const endpoint = await startSdkEndpoint({
      sdk: o.sdk,
      tokens,
      project: o.project,
      clientId: o.sdk === 'azure' ? accountClientId(core, o.provider) : null,
    });
    try {
      const early = ctx.io.signalled?.();
      if (early) return signalExitCode(early);
      return await spawnCommand(ctx, command, args, sdkEnvironment(ctx.io.env, o.sdk, endpoint.variables(), gcloud));
    } finally {
      await endpoint.close();
    }
  } finally {
    recorder.close();
    if (gcloud) rmSync(gcloud, { recursive: true, force: true });
  }
}
