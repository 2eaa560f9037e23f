/**
 * One request line in, one answer line out (without the newline). Never throws: a malformed
 * line is answered `bad_request` and the connection stays usable.
 */
import { z } from 'zod';
import { accountJson } from '../account-json.js';
import { EXIT } from '../exit-codes.js';
import { MAX_SCOPE_LENGTH, MAX_SCOPES } from '../oauth/scope-set.js';
import { statusReport } from './account-status.js';
import { clientName, type HandoffCounter } from './handoff-counter.js';
import { AGENT_ERROR, canonicalTokenType, type RequestId, type TokenAnswer } from './protocol.js';
import { oneLineMessage, toWireError, wireError } from './wire-error.js';
import type { AccountsRole, SettingsRole } from '../api.js';
import type { AccessTokenOptions } from '../contracts/accounts.js';

/** What the agent needs from the credential core: two members of its accounts role, one of its settings role. */
export type AgentBackend = Pick<AccountsRole, 'getAccessToken' | 'listAccounts'> & Pick<SettingsRole, 'getSettings'>;

const idSchema = z.union([z.string().max(256), z.number(), z.null()]);
const clientSchema = z.string().max(256);
const tokenSchema = z.object({
  method: z.literal('token'),
  provider: z.string().min(1).max(512),
  user: z.string().min(1).max(512),
  minTtl: z.number().min(0).max(86_400).optional(),
  scopes: z.array(z.string().min(1).max(MAX_SCOPE_LENGTH)).min(1).max(MAX_SCOPES).optional(),
  client: clientSchema.optional(),
});
const simpleSchema = z.object({ method: z.enum(['list', 'status', 'ping']), client: clientSchema.optional() });

export const AGENT_PROTOCOL_VERSION = 1;

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

export class AgentRequestHandler {
  private readonly backend: AgentBackend;
  private readonly handoffs: HandoffCounter | null;
  /** Set when the agent stops: requests still arriving are refused, not started. */
  stopping = false;

  constructor(backend: AgentBackend, handoffs: HandoffCounter | null) {
    this.backend = backend;
    this.handoffs = handoffs;
  }

  /** Answers one line; synchronous where it can be (ping, errors), a promise otherwise. */
  handle(line: Buffer): string | Promise<string> {
    let request: unknown;
    try {
      request = JSON.parse(line.toString('utf8'));
    } catch {
      return badRequest(null, 'not a JSON line');
    }
    const id = idOf(request);
    if (typeof request !== 'object' || request === null || Array.isArray(request)) return badRequest(id, 'a request is a JSON object');
    if ('id' in request && id === null && (request as { id: unknown }).id !== null) {
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
      if (!parsed.success) return badRequest(id, firstIssue(parsed.error));
      return this.token(id, parsed.data);
    }
    const parsed = simpleSchema.safeParse(request);
    if (!parsed.success) {
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

  private async token(id: RequestId, req: z.infer<typeof tokenSchema>): Promise<string> {
    const client = clientName(req.client);
    try {
      const opts: AccessTokenOptions = { minTtlMs: (req.minTtl ?? 0) * 1000 };
      if (req.scopes) opts.scopes = req.scopes;
      const t = await this.backend.getAccessToken(req.provider, req.user, opts);
      this.handoffs?.count(req.provider, req.user, client, true);
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
      this.handoffs?.count(req.provider, req.user, client, false);
      const error = toWireError(err);
      // The same words as `osmen-cred token` without an agent.
      if (error.code === 'ACCOUNT_NOT_FOUND')
        error.message = `No account ${oneLineMessage(req.provider, 60)}/${oneLineMessage(req.user, 120)} in the vault. See \`osmen-cred list\`.`;
      return JSON.stringify({ id, ok: false, error });
    }
  }
}
