/**
 * One request line in, one answer line out (without the newline). Never throws: a malformed
 * line is answered `bad_request` and the connection stays usable.
 */
import { z } from 'zod';
import { accountJson } from '../account-json.js';
import { EXIT } from '../exit-codes.js';
import { FORBIDDEN } from '../consent/consent-errors.js';
import { MAX_SCOPE_LENGTH, MAX_SCOPES } from '../oauth/scope-set.js';
import { statusReport } from './account-status.js';
import type { PeerContext } from './peer/peer-context.js';
import { AGENT_ERROR, canonicalTokenType, type RequestId, type TokenAnswer } from './protocol.js';
import { oneLineMessage, toWireError, wireError } from './wire-error.js';
import type { AccountsRole, ConsentRole, SettingsRole } from '../api.js';

/**
 * What the agent needs from the credential core: one member of its accounts role, one of its
 * settings role, and consent — tokens reach programs only through consent.handoff() (decided,
 * narrowed, recorded), never getAccessToken.
 */
export type AgentBackend = Pick<AccountsRole, 'listAccounts'> &
  Pick<SettingsRole, 'getSettings'> & { readonly consent: Pick<ConsentRole['consent'], 'handoff' | 'recordRefusal'> };

const idSchema = z.union([z.string().max(256), z.number(), z.null()]);
/** Accepted for older clients, and ignored: the program is what the agent sees, never a name it is told. */
const clientSchema = z.string().max(256);
const keySchema = z.string().max(256);
const tokenSchema = z.object({
  method: z.literal('token'),
  provider: z.string().min(1).max(512),
  user: z.string().min(1).max(512),
  minTtl: z.number().min(0).max(86_400).optional(),
  scopes: z.array(z.string().min(1).max(MAX_SCOPE_LENGTH)).min(1).max(MAX_SCOPES).optional(),
  key: keySchema.optional(),
  client: clientSchema.optional(),
});
const simpleSchema = z.object({ method: z.enum(['list', 'status', 'ping']), client: clientSchema.optional(), key: keySchema.optional() });

export const AGENT_PROTOCOL_VERSION = 1;

/** A connection whose peer is not known (in-process tests, platforms without peer credentials). */
export const UNKNOWN_PEER: PeerContext = {
  foreignUid: null,
  program: Promise.resolve(null),
  unidentified: 'no peer credentials',
  stillThere: () => null,
};

function idOf(value: unknown): RequestId {
  if (typeof value !== 'object' || value === null || !('id' in value)) return null;
  const parsed = idSchema.safeParse((value as { id: unknown }).id);
  return parsed.success ? parsed.data : null;
}

function badRequest(id: RequestId, message: string): string {
  return JSON.stringify({ id, ok: false, error: wireError(AGENT_ERROR.BAD_REQUEST, message, EXIT.USAGE) });
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const where = issue.path.length ? issue.path.join('.') : 'request';
  return `${where}: ${issue.message}`;
}

export interface HandlerOptions {
  /** The headless agent's stderr line for a refused program. */
  notice?(line: string): void;
}

export class AgentRequestHandler {
  private readonly backend: AgentBackend;
  private readonly options: HandlerOptions;
  /** Set when the agent stops: requests still arriving are refused, not started. */
  stopping = false;

  constructor(backend: AgentBackend, options: HandlerOptions = {}) {
    this.backend = backend;
    this.options = options;
  }

  private refused(peer: PeerContext, code: string): void {
    void peer.program.then((p) => this.backend.consent.recordRefusal(p, 'agent', code, peer.unidentified));
  }

  /** Answers one line; synchronous where it can be (ping, errors), a promise otherwise. */
  handle(line: Buffer, peer: PeerContext = UNKNOWN_PEER): string | Promise<string> {
    let request: unknown;
    try {
      request = JSON.parse(line.toString('utf8'));
    } catch {
      if (peer.foreignUid !== null) return this.forbiddenUid(null, peer);
      this.refused(peer, AGENT_ERROR.BAD_REQUEST);
      return badRequest(null, 'not a JSON line');
    }
    const id = idOf(request);
    // Another user's process is refused before anything else is looked at.
    if (peer.foreignUid !== null) return this.forbiddenUid(id, peer);
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      this.refused(peer, AGENT_ERROR.BAD_REQUEST);
      return badRequest(id, 'a request is a JSON object');
    }
    if ('id' in request && id === null && (request as { id: unknown }).id !== null) {
      this.refused(peer, AGENT_ERROR.BAD_REQUEST);
      return badRequest(null, 'id must be a string (up to 256 characters), a number or null');
    }
    if (this.stopping) {
      return JSON.stringify({
        id,
        ok: false,
        error: wireError(AGENT_ERROR.SHUTTING_DOWN, 'The agent is stopping; ask again.', EXIT.TEMPFAIL, 1),
      });
    }
    const method = (request as { method?: unknown }).method;
    if (method === 'token') {
      const parsed = tokenSchema.safeParse(request);
      if (!parsed.success) {
        this.refused(peer, AGENT_ERROR.BAD_REQUEST);
        return badRequest(id, firstIssue(parsed.error));
      }
      return this.token(id, parsed.data, peer);
    }
    const parsed = simpleSchema.safeParse(request);
    if (!parsed.success) {
      this.refused(peer, AGENT_ERROR.BAD_REQUEST);
      return badRequest(id, typeof method === 'string' ? `unknown method "${method.slice(0, 40)}"` : firstIssue(parsed.error));
    }
    try {
      switch (parsed.data.method) {
        case 'ping':
          return JSON.stringify({ id, ok: true, agent: 'osmen-cred', protocol: AGENT_PROTOCOL_VERSION });
        case 'list':
          return JSON.stringify({ id, ok: true, accounts: this.backend.listAccounts().map(accountJson) });
        case 'status': {
          const report = statusReport(this.backend.listAccounts(), this.backend.getSettings().refreshWindowMs);
          return JSON.stringify({ id, ok: true, ...report });
        }
      }
    } catch (err) {
      return JSON.stringify({ id, ok: false, error: toWireError(err) });
    }
  }

  private forbiddenUid(id: RequestId, peer: PeerContext): string {
    this.backend.consent.recordRefusal(null, 'agent', FORBIDDEN, `another user, uid ${peer.foreignUid}`);
    return JSON.stringify({
      id,
      ok: false,
      error: wireError(FORBIDDEN, `Refused: this agent serves only its own user; the caller runs as uid ${peer.foreignUid}.`, EXIT.NOPERM),
    });
  }

  private async token(id: RequestId, req: z.infer<typeof tokenSchema>, peer: PeerContext): Promise<string> {
    try {
      const program = await peer.program;
      const t = await this.backend.consent.handoff({
        program,
        unidentified: peer.unidentified,
        via: 'agent',
        ask: { provider: req.provider, user: req.user, scopes: req.scopes },
        key: req.key,
        minTtlMs: (req.minTtl ?? 0) * 1000,
        canAsk: true,
        stillThere: () => peer.stillThere(program),
        notice: this.options.notice,
      });
      const expiresAt = t.expiresAt;
      const answer: TokenAnswer = {
        id,
        ok: true,
        accessToken: t.accessToken,
        tokenType: canonicalTokenType(t.tokenType),
        expiresAt: expiresAt ? expiresAt.toISOString() : null,
        expiresIn: expiresAt ? Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000)) : null,
        scopes: t.scopes,
      };
      return JSON.stringify(answer);
    } catch (err) {
      const error = toWireError(err);
      // The same words as `osmen-cred token` without an agent.
      if (error.code === 'ACCOUNT_NOT_FOUND')
        error.message = `No account ${oneLineMessage(req.provider, 60)}/${oneLineMessage(req.user, 120)} in the vault. See \`osmen-cred list\`.`;
      return JSON.stringify({ id, ok: false, error });
    }
  }
}
