/**
 * Core events -> renderer event channels. Electron-free: `send` is whatever
 * delivers to the renderer (webContents.send in the app, page.evaluate in the
 * e2e harness). Payloads are mapped to DTOs and parsed against the contract
 * first, so an event can never carry more than the contract allows.
 */
import { EVENTS, type EventChannel } from '../../shared/ipc-contract.js';
import { toLogEntryDto, toSettingsDto } from './dto.js';
import { toConsentRequestDto } from './consent-handlers.js';
import type { CoreEventBus, CoreEventMap } from '../core/contracts/events.js';

export type EventSend = (channel: EventChannel, payload: unknown) => void;

/** Subscribes to the core's events; returns the unsubscribe. */
export function forwardCoreEvents(events: CoreEventBus, send: EventSend): () => void {
  const emit = (channel: EventChannel, payload: unknown): void => {
    const parsed = EVENTS[channel].safeParse(payload);
    if (parsed.success) send(channel, parsed.data);
  };
  const onAccounts = (): void => emit('osmen:event:accounts-changed', {});
  const onLog = (...[entry]: CoreEventMap['log-appended']): void => emit('osmen:event:log-appended', toLogEntryDto(entry));
  const onState = (...[s]: CoreEventMap['refresh-state']): void =>
    emit('osmen:event:refresh-state', { provider: s.provider, userId: s.userId, refreshing: s.refreshing });
  const onReauth = (...[r]: CoreEventMap['needs-reauth']): void =>
    emit('osmen:event:needs-reauth', { provider: r.provider, userId: r.userId, reason: r.reason });
  const onFailed = (...[f]: CoreEventMap['refresh-failed']): void =>
    emit('osmen:event:refresh-failed', { provider: f.provider, userId: f.userId, code: f.code, retryAt: f.retryAt });
  const onSettings = (...[settings]: CoreEventMap['settings-changed']): void =>
    emit('osmen:event:settings-changed', toSettingsDto(settings));
  const onConsent = (...[view]: CoreEventMap['consent-request']): void => emit('osmen:event:consent-request', toConsentRequestDto(view));
  const onConsentDone = (...[r]: CoreEventMap['consent-resolved']): void => emit('osmen:event:consent-resolved', { id: r.id });
  // token-refreshed is not forwarded: the core emits accounts-changed right after it, and
  // forwarding both made the renderer reload the account list twice per refresh.

  events.on('accounts-changed', onAccounts);
  events.on('log-appended', onLog);
  events.on('refresh-state', onState);
  events.on('needs-reauth', onReauth);
  events.on('refresh-failed', onFailed);
  events.on('settings-changed', onSettings);
  events.on('consent-request', onConsent);
  events.on('consent-resolved', onConsentDone);
  return () => {
    events.off('consent-request', onConsent);
    events.off('consent-resolved', onConsentDone);
    events.off('settings-changed', onSettings);
    events.off('accounts-changed', onAccounts);
    events.off('log-appended', onLog);
    events.off('refresh-state', onState);
    events.off('needs-reauth', onReauth);
    events.off('refresh-failed', onFailed);
  };
}
