/**
 * Hand-off consent's channels: the consent dialog (pending requests, the person's answer),
 * Settings → Programs (grants with last use and count, Revoke, the consent mode and its
 * one-time offer) and an account's programs. DTOs copy named fields only.
 */
import type { CredentialCore } from '../core/api.js';
import type { ConsentRequestView, GrantView } from '../core/contracts/consent.js';
import type { ConsentRequestDto, GrantDto, ProgramsDto } from '../../shared/consent-contract.js';
import { IpcFailure } from './errors.js';
import { requireCore, type HandlerContext, type ImplTable } from './handler-context.js';

type ConsentChannel =
  | 'osmen:consent:pending'
  | 'osmen:consent:answer'
  | 'osmen:programs:list'
  | 'osmen:programs:revoke'
  | 'osmen:programs:set-mode'
  | 'osmen:programs:dismiss-offer'
  | 'osmen:accounts:programs';

export function toConsentRequestDto(v: ConsentRequestView): ConsentRequestDto {
  return {
    id: v.id,
    program: {
      description: v.program.description,
      name: v.program.name,
      exePath: v.program.exePath,
      scriptPath: v.program.scriptPath,
      pid: v.program.pid,
      tty: v.program.tty,
      viaRun: v.program.viaRun,
    },
    account: { provider: v.account.provider, userId: v.account.userId },
    scopes: v.scopes ? [...v.scopes] : null,
    expiresAt: v.expiresAt,
    sessionAvailable: v.sessionAvailable,
  };
}

export function toGrantDto(g: GrantView): GrantDto {
  const s = g.subject;
  return {
    id: g.id,
    kind: s.kind,
    name: s.name,
    where: s.kind === 'program' ? (s.scriptPath ?? (s.exePath || null)) : s.kind === 'session' ? s.tty : null,
    accounts: [...g.accounts],
    scopes: g.scopes ? [...g.scopes] : null,
    once: g.once,
    state: g.state,
    createdAt: g.createdAt,
    expiresAt: g.expiresAt,
    lastUsedAt: g.lastUsedAt,
    useCount: g.useCount,
  };
}

function programs(core: CredentialCore): ProgramsDto {
  const mode = core.consent.mode();
  return {
    consent: mode.mode,
    problem: mode.problem,
    offerSwitch: core.consent.offerSwitch(),
    grants: core.consent.listGrants().map(toGrantDto),
    ignored: core.consent.ignoredGrants().map((i) => ({ id: i.id, reason: i.reason })),
  };
}

export function consentHandlers({ deps }: HandlerContext): Pick<ImplTable, ConsentChannel> {
  return {
    'osmen:consent:pending': () => requireCore(deps).consent.pendingRequests().map(toConsentRequestDto),
    'osmen:consent:answer': (req) => ({ answered: requireCore(deps).consent.answer(req.id, req.answer) }),
    'osmen:programs:list': () => programs(requireCore(deps)),
    'osmen:programs:revoke': (req) => {
      const core = requireCore(deps);
      if (!core.consent.revoke(req.id)) throw new IpcFailure('NOT_FOUND', 'That grant no longer exists.');
      return programs(core);
    },
    'osmen:programs:set-mode': (req) => {
      const core = requireCore(deps);
      core.consent.setMode(req.mode, 'app');
      core.consent.dismissOffer();
      return programs(core);
    },
    'osmen:programs:dismiss-offer': () => {
      const core = requireCore(deps);
      core.consent.dismissOffer();
      return programs(core);
    },
    'osmen:accounts:programs': (req) =>
      requireCore(deps)
        .consent.programsOf(req.providerId, req.userId)
        .slice(0, 1000)
        .map((p) => ({ program: p.program.slice(0, 300), path: p.path, via: p.via, count: p.count, lastAt: p.lastAt })),
  };
}
