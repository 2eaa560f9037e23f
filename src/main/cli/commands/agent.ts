/**
 * `osmen-cred agent [--socket PATH]`: serves tokens over a local socket until SIGINT/SIGTERM.
 * The headless twin of the desktop app's agent: same server (startTokenAgent), same vault, and
 * like the app it refreshes tokens in the background (unless paused in the settings).
 */
import { resolve } from 'node:path';
import { checkAgentSocket } from '../../core/agent/socket-check.js';
import { oneLine } from '../../../shared/one-line.js';
import { AGENT_SOCKET_ENV } from '../../core/agent/socket-path.js';
import { signalExitCode } from '../signal-hub.js';
import { EXIT } from '../../core/exit-codes.js';
import { CliError } from '../cli-error.js';
import type { CommandSpec } from '../command.js';

export const agent: CommandSpec = {
  name: 'agent',
  args: [],
  options: { socket: 'string' },
  summary: 'serve tokens to programs over a local socket until stopped (SIGINT/SIGTERM)',
  help: `Usage: osmen-cred agent [--socket PATH]

Serves access tokens over a local socket (newline-delimited JSON, see
docs/cli.md) until SIGINT or SIGTERM; a refresh in flight is finished and
saved first. The socket is <data folder>/agent.sock by default, created 0600
(a named pipe on Windows); its path is printed on stderr as
${AGENT_SOCKET_ENV}=<path>. \`osmen-cred token\` asks it before opening the vault.

A socket left by an agent that died is replaced; when an agent answers on it
(the desktop app serves the same socket), this exits 75 "already running".
Tokens are refreshed in the background as in the app. Each connection's
program is identified from the kernel's peer credentials; with handoff.consent
= ask (new vaults) a program needs a grant (\`osmen-cred allow\`): without
one it gets consent_required (exit 77) and a line here names it and the exact
allow command. Hand-offs and refusals are recorded in the security log per
program, account and scopes, once a minute (\`osmen-cred log --handoffs\`).

Exit codes: 0 stopped by a signal; 2 no vault; 75 an agent is already running;
78 configuration (no key / keychain locked).`,
  async run(ctx) {
    const socket = ctx.values.socket;
    if (socket !== undefined && (typeof socket !== 'string' || socket.trim() === '')) {
      throw new CliError('USAGE', 'usage', '--socket needs a path.');
    }
    const core = await ctx.open({ background: true });
    // Absolute, so the printed OSMEN_AGENT_SOCK works from any folder.
    const socketPath = socket === undefined || process.platform === 'win32' ? socket : resolve(socket);
    // Headless: nobody to ask. A program without a grant gets consent_required at once, and the
    // person reads here which program it was and the command that allows it.
    const { startTokenAgent } = await import('../../core/index.js');
    const server = await startTokenAgent(core, {
      home: core.home,
      socketPath,
      notice: (line) => ctx.io.err(`osmen-cred agent: ${line}\n`),
    });
    ctx.io.err(`${AGENT_SOCKET_ENV}=${server.path}\n`);
    // Clients check the socket before they send (socket-check.ts): say now when they will refuse this one.
    const check = checkAgentSocket(server.path);
    if (check.state === 'unsafe') {
      ctx.io.err(
        `osmen-cred agent: warning: clients will refuse this socket. ${oneLine(check.reason)} Use a private folder with --socket.\n`,
      );
    }
    await new Promise<void>((resolve) => {
      let stopping = false;
      const release = ctx.io.takeSignals?.(['SIGINT', 'SIGTERM'], (sig) => {
        if (stopping) process.exit(signalExitCode(sig)); // second signal: stop now
        stopping = true;
        ctx.io.err(`osmen-cred agent: ${sig} received; finishing the requests in flight (repeat to stop now)\n`);
        void server.close().finally(() => {
          release?.();
          resolve();
        });
      });
    });
    return EXIT.OK;
  },
};
