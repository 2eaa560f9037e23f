/**
 * Core objects -> IPC DTOs. Each mapper copies named fields only, so a field
 * added to a core type later (or a token riding along by mistake) is dropped
 * here, and the strict response schema would reject it anyway.
 */
import type {
  AccountDto,
  DisconnectDto,
  HealthReportDto,
  LogEntryDto,
  LogVerifyDto,
  ProviderDto,
  RefreshSummaryDto,
  SchedulerStateDto,
  SettingsDto,
} from '../../shared/ipc-contract.js';
import { oneLine } from '../../shared/one-line.js';
import type { CoreSettings, HealthReport, SchedulerState } from '../core/contracts/settings.js';
import type { DisconnectResult, RefreshReport, RefreshSummary, TokenMetadata } from '../core/contracts/accounts.js';
import type { LogVerifyResult, SecurityLogEntry } from '../core/contracts/security-log.js';
import type { ProviderSummary } from '../core/contracts/providers.js';
import { toOptionSummaryDto } from './provider-dto.js';

function ms(date: Date | number | null | undefined): number | null {
  if (date === null || date === undefined) return null;
  return typeof date === 'number' ? date : date.getTime();
}

/** Cuts a string to `max` characters (ending in …), so one long value can't make a whole list fail the contract. */
function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

export const MAX_DTO_SCOPES = 100;

/** What the handler adds to an account that the vault row does not hold. */
export interface AccountExtras {
  /** core.userHash(userId): the hash the security log writes for this account. */
  userHash: string;
  /** The provider's issuer, for an account stored before issuers were recorded. */
  providerIssuer: string | null;
}

export function toAccountDto(m: TokenMetadata, extras: AccountExtras): AccountDto {
  return {
    provider: m.provider,
    userId: m.userId,
    // The provider's `name` claim, the card's headline: without control characters or bidi overrides.
    displayName: m.displayName === null || m.displayName === undefined ? null : oneLine(m.displayName, 512) || null,
    expiresAt: ms(m.expiresAt),
    // A provider may grant hundreds of scopes: the UI gets the first ones and the count.
    scopes: m.scopes.slice(0, MAX_DTO_SCOPES).map((s) => clip(s, 256)),
    scopeCount: m.scopes.length,
    tokenType: clip(m.tokenType, 64),
    status: m.status,
    statusDetail: m.statusDetail === null || m.statusDetail === undefined ? null : clip(m.statusDetail, 2048),
    failureCount: m.failureCount,
    nextAttemptAt: ms(m.nextAttemptAt),
    hasRefreshToken: m.hasRefreshToken,
    createdAt: ms(m.createdAt) ?? 0,
    updatedAt: ms(m.updatedAt) ?? 0,
    lastRefreshAt: ms(m.lastRefreshAt),
    userHash: extras.userHash,
    // The account's own issuer (where it was connected); the provider's for accounts from before issuers were recorded.
    issuer: m.issuer ?? extras.providerIssuer,
    refreshNotBefore: m.refreshNotBefore ?? null,
  };
}

export function toProviderDto(p: ProviderSummary): ProviderDto {
  const dto: ProviderDto = {
    id: p.id,
    displayName: p.displayName,
    kind: p.kind,
    builtin: p.builtin,
    configured: p.configured,
    supportsRevocation: p.supportsRevocation,
  };
  if (p.issuer !== undefined) dto.issuer = p.issuer;
  if (p.configHint !== undefined) dto.configHint = p.configHint;
  if (p.setupHint !== undefined) dto.setupHint = p.setupHint;
  if (p.revokeAt !== undefined) dto.revokeAt = p.revokeAt;
  if (p.look) dto.look = { mark: p.look.mark, color: p.look.color };
  if (p.options) dto.options = p.options.map(toOptionSummaryDto);
  return dto;
}

export function toDisconnectDto(r: DisconnectResult): DisconnectDto {
  return { deleted: r.deleted, revocation: r.revocation };
}

export function toRefreshSummaryDto(r: RefreshSummary & Partial<RefreshReport>): RefreshSummaryDto {
  return {
    due: r.due,
    refreshed: r.refreshed,
    failed: r.failed,
    skipped: (r.skipped ?? []).map((s) => ({ provider: s.provider, userId: s.userId, reason: s.reason })),
    failures: (r.failures ?? []).map((f) => ({ provider: f.provider, userId: f.userId, code: f.code })),
  };
}

export function toHealthDto(r: HealthReport): HealthReportDto {
  return {
    ok: r.ok,
    checks: r.checks.map((c) => {
      const check: HealthReportDto['checks'][number] = { id: c.id, title: c.title, status: c.status, message: c.message };
      // The window shows the fix in the app's own terms where the core words one (a button, not a command).
      const fix = c.appFix ?? c.fix;
      if (fix !== undefined) check.fix = fix;
      return check;
    }),
  };
}

export function toSettingsDto(s: CoreSettings): SettingsDto {
  return {
    refreshWindowMs: s.refreshWindowMs,
    checkIntervalMs: s.checkIntervalMs,
    backgroundRefreshPaused: s.backgroundRefreshPaused,
    startAtLogin: s.startAtLogin,
    agentEnabled: s.agentEnabled,
    keepAliveDays: s.keepAliveDays,
  };
}

export function toSchedulerDto(s: SchedulerState): SchedulerStateDto {
  return { running: s.running, paused: s.paused, nextRunAt: s.nextRunAt };
}

export function toLogEntryDto(e: SecurityLogEntry): LogEntryDto {
  const dto: LogEntryDto = {
    seq: e.seq,
    ts: e.ts,
    level: e.level,
    category: e.category,
    event: e.event,
    details: { ...e.details },
    prev: e.prev,
    hash: e.hash,
  };
  if (e.provider !== undefined) dto.provider = e.provider;
  if (e.userHash !== undefined) dto.userHash = e.userHash;
  if (e.success !== undefined) dto.success = e.success;
  return dto;
}

/** The security logger also says what kind of damage it found (edited, missing…). */

export function toLogVerifyDto(r: LogVerifyResult): LogVerifyDto {
  const dto: LogVerifyDto = { ok: r.ok, entries: r.entries };
  if (r.firstBad) {
    const bad: NonNullable<LogVerifyDto['firstBad']> = {
      seq: r.firstBad.seq,
      file: r.firstBad.file,
      line: r.firstBad.line,
      reason: r.firstBad.reason,
      problem: r.firstBad.problem,
    };
    dto.firstBad = bad;
  }
  dto.reanchors = r.reanchors.slice(-1000).map((a) => ({ seq: a.seq, ts: a.ts, reason: a.reason }));
  dto.rollback = { status: r.rollback.status, message: r.rollback.message };
  if (r.rollback.anchorSeq !== undefined) dto.rollback.anchorSeq = r.rollback.anchorSeq;
  if (r.interrupted) {
    dto.interrupted = { seq: r.interrupted.seq, file: r.interrupted.file, line: r.interrupted.line, reason: r.interrupted.reason };
  }
  return dto;
}
