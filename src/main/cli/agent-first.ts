/**
 * The fast path of `osmen-cred token` and `osmen-cred status`: ask a running agent (the desktop
 * app or `osmen-cred agent`) and print its answer, without loading SQLite, openid-client, zod or
 * the keychain. Returns null whenever the full CLI should handle the call instead: no agent
 * answered, or the command line is not one this path understands (the full CLI then reports
 * usage errors with its usual messages).
 *
 * Which sockets: with `--home DIR` only that data folder's agent (`DIR/agent.sock`); otherwise
 * `$OSMEN_AGENT_SOCK`, then the default data folder's socket.
 */
import { parseArgs } from 'node:util';
import { oneLine } from '../../shared/one-line.js';
import { terminalJson } from '../../shared/terminal-json.js';
import { AgentSocketUnsafeError, askAgent, type AgentAnswer } from '../core/agent/client.js';
import { EXIT, exitCodeFor } from '../core/exit-codes.js';
import { CLIENT_KEY_ENV } from '../core/agent/protocol.js';
import type { AgentRequest, StatusReport, WireError } from '../core/agent/protocol.js';
import { AGENT_SOCKET_ENV, defaultAgentSocketPath } from '../core/agent/socket-path.js';
import { osmenHome } from '../core/data-folder.js';
import { statusExitCode, statusText } from './status-output.js';
import {
  formatToken,
  isTokenFormat,
  parseMinTtl,
  splitScopes,
  TOKEN_CONTROL_CHARS_CODE,
  tokenTextRefusal,
  type HandedToken,
} from './token-output.js';

export interface FastIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

export function agentSocketCandidates(home: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (home !== undefined) return [defaultAgentSocketPath(home)];
  const fromEnv = env[AGENT_SOCKET_ENV]?.trim();
  const paths = [fromEnv, defaultAgentSocketPath(osmenHome(env))].filter((p): p is string => Boolean(p));
  return [...new Set(paths)];
}

function isWireError(e: unknown): e is WireError {
  return typeof e === 'object' && e !== null && typeof (e as WireError).code === 'string';
}

/**
 * Agent answers that mean "ask the vault yourself": a protocol mismatch, an agent on its way out,
 * or one with no room for another connection.
 */
export const FALL_BACK: ReadonlySet<string> = new Set(['bad_request', 'shutting_down', 'too_many_connections']);

/** Prints an agent's error like the CLI prints its own; the exit code is the agent's (the CLI's for that error). */
export function printAgentError(io: FastIo, answer: AgentAnswer): number {
  const e = answer.error;
  const code = isWireError(e) && /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(e.code) ? e.code : 'INTERNAL';
  const exit = isWireError(e) && Number.isInteger(e.exitCode) && e.exitCode > 0 && e.exitCode < 256 ? e.exitCode : 70;
  io.err(`osmen-cred: error [${code}]: ${oneLine(isWireError(e) ? e.message : 'the agent failed') || 'the agent failed'}\n`);
  return exit;
}

/**
 * Asks the agent; a socket that fails the safety check is answered here, with its error and
 * exit 78, and never with the vault: whoever planted it must not turn the refusal into a prompt.
 */
async function askOrRefuse(io: FastIo, paths: string[], req: AgentRequest): Promise<{ answer: AgentAnswer } | null | number> {
  try {
    return await askAgent(paths, req);
  } catch (err) {
    if (!(err instanceof AgentSocketUnsafeError)) throw err;
    io.err(`osmen-cred: error [${err.code}]: ${oneLine(err.message)}\n`);
    return exitCodeFor(err);
  }
}

export function handedToken(a: AgentAnswer): HandedToken | null {
  if (typeof a.accessToken !== 'string' || a.accessToken === '') return null;
  return {
    accessToken: a.accessToken,
    tokenType: typeof a.tokenType === 'string' ? a.tokenType : 'Bearer',
    expiresAt: typeof a.expiresAt === 'string' ? a.expiresAt : null,
    scopes: Array.isArray(a.scopes) ? a.scopes.filter((s): s is string => typeof s === 'string') : [],
  };
}

export async function tryAgentFirst(argv: string[], io: FastIo): Promise<number | null> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        home: { type: 'string' },
        format: { type: 'string' },
        'min-ttl': { type: 'string' },
        scopes: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch {
    return null;
  }
  const { values, positionals } = parsed;
  if (values.help || (values.home !== undefined && values.home.trim() === '')) return null;
  const [command, ...args] = positionals;
  const paths = agentSocketCandidates(values.home, io.env);

  if (command === 'token') {
    if (args.length !== 2 || values.json !== undefined) return null;
    const [provider, user] = args as [string, string];
    if (provider.length > 512 || user.length > 512 || provider === '' || user === '') return null;
    const format = values.format ?? 'raw';
    if (!isTokenFormat(format)) return null;
    const minTtl = values['min-ttl'] === undefined ? 0 : parseMinTtl(values['min-ttl']);
    if (minTtl === null) return null;
    const scopes = values.scopes === undefined ? undefined : splitScopes(values.scopes);
    if (scopes !== undefined && (scopes.length === 0 || scopes.length > 64)) return null;
    const key = io.env[CLIENT_KEY_ENV]?.trim() || undefined;
    const asked = await askOrRefuse(io, paths, {
      method: 'token',
      provider,
      user,
      minTtl,
      ...(scopes ? { scopes } : {}),
      ...(key ? { key } : {}),
    });
    if (typeof asked === 'number') return asked;
    if (!asked) return null;
    const { answer } = asked;
    if (answer.ok !== true) {
      if (isWireError(answer.error) && FALL_BACK.has(answer.error.code)) return null;
      return printAgentError(io, answer);
    }
    const token = handedToken(answer);
    if (!token) return null;
    const refusal = tokenTextRefusal(token.accessToken, `${oneLine(provider, 60)}/${oneLine(user, 120)}`, format);
    if (refusal) {
      io.err(`osmen-cred: error [${TOKEN_CONTROL_CHARS_CODE}]: ${refusal}\n`);
      return EXIT.DATA;
    }
    io.out(formatToken(token, format));
    return 0;
  }

  if (command === 'status') {
    if (args.length !== 0 || values.format !== undefined || values['min-ttl'] !== undefined || values.scopes !== undefined) return null;
    const asked = await askOrRefuse(io, paths, { method: 'status' });
    if (typeof asked === 'number') return asked;
    if (!asked) return null;
    const { answer } = asked;
    if (answer.ok !== true) {
      if (isWireError(answer.error) && FALL_BACK.has(answer.error.code)) return null;
      return printAgentError(io, answer);
    }
    if (!Array.isArray(answer.accounts)) return null;
    const report = { usable: answer.usable === true, accounts: answer.accounts } as StatusReport;
    io.out(values.json ? `${terminalJson(report, 2)}\n` : statusText(report));
    return statusExitCode(report);
  }
  return null;
}
