/**
 * Core objects -> IPC DTOs. Each mapper copies named fields only, so a field
 * added to a core type later (or a token riding along by mistake) is dropped
 * here, and the strict response schema would reject it anyway.
 */
import type {
  CoreSettings,
  DisconnectResult,
  HealthReport,
  LogVerifyResult,
  ProviderSummary,
  RefreshSummary,
  SchedulerState,
  SecurityLogEntry,
} from '../core/contracts.js';
import type { TokenMetadata } from '../core/security/token-manager.js';
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

function ms(date: Date | number | null | undefined): number | null {
  if (date === null || date === undefined) return null;
  return typeof date === 'number' ? date : date.getTime();
}

export function toAccountDto(m: TokenMetadata): AccountDto {
  return {
    provider: m.provider,
    userId: m.userId,
    displayName: m.displayName ?? null,
    expiresAt: ms(m.expiresAt),
    scopes: [...m.scopes],
    tokenType: m.tokenType,
    status: m.status,
    statusDetail: m.statusDetail ?? null,
    failureCount: m.failureCount,
    nextAttemptAt: ms(m.nextAttemptAt),
    hasRefreshToken: m.hasRefreshToken,
    createdAt: ms(m.createdAt) ?? 0,
    updatedAt: ms(m.updatedAt) ?? 0,
    lastRefreshAt: ms(m.lastRefreshAt),
  };
}

export function toProviderDto(p: ProviderSummary): ProviderDto {
  const dto: ProviderDto = {
    id: p.id,
    displayName: p.displayName,
    kind: p.kind,
    configured: p.configured,
    supportsRevocation: p.supportsRevocation,
  };
  if (p.issuer !== undefined) dto.issuer = p.issuer;
  if (p.configHint !== undefined) dto.configHint = p.configHint;
  return dto;
}

export function toDisconnectDto(r: DisconnectResult): DisconnectDto {
  return { deleted: r.deleted, revocation: r.revocation };
}

export function toRefreshSummaryDto(r: RefreshSummary): RefreshSummaryDto {
  return { due: r.due, refreshed: r.refreshed, failed: r.failed };
}

export function toHealthDto(r: HealthReport): HealthReportDto {
  return {
    ok: r.ok,
    checks: r.checks.map((c) => {
      const check: HealthReportDto['checks'][number] = { id: c.id, title: c.title, status: c.status, message: c.message };
      if (c.fix !== undefined) check.fix = c.fix;
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

export function toLogVerifyDto(r: LogVerifyResult): LogVerifyDto {
  const dto: LogVerifyDto = { ok: r.ok, entries: r.entries };
  if (r.firstBad) {
    dto.firstBad = { seq: r.firstBad.seq, file: r.firstBad.file, line: r.firstBad.line, reason: r.firstBad.reason };
  }
  return dto;
}
