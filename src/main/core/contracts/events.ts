/** The core's events: what the app's window and tray follow. */
import type { ConsentAnswer, ConsentRequestView } from './consent.js';
import type { CoreSettings } from './settings.js';
import type { SecurityLogEntry } from './security-log.js';

/** Events the core emits; the app forwards them to the renderer and the tray. */
export interface CoreEventMap {
  /** Accounts were added, removed or changed status/expiry. */
  'accounts-changed': [];
  'token-refreshed': [{ provider: string; userId: string; expiresAt: number | null }];
  'needs-reauth': [{ provider: string; userId: string; reason: string }];
  'refresh-failed': [{ provider: string; userId: string; code: string; retryAt: number | null }];
  /** A refresh for this account started or ended (for a "refreshing…" badge). */
  'refresh-state': [{ provider: string; userId: string; refreshing: boolean }];
  'log-appended': [SecurityLogEntry];
  /** The settings changed (from the window, the tray or code): the app re-applies them. */
  'settings-changed': [CoreSettings];
  /** A program asks for a token without a grant and the app may ask the person (consent/consent-broker.ts). */
  'consent-request': [ConsentRequestView];
  /** A consent request was answered, timed out or withdrawn. */
  'consent-resolved': [{ id: string; answer: ConsentAnswer | null }];
}

type Listener<E extends keyof CoreEventMap> = (...args: CoreEventMap[E]) => void;

/** The core's event bus as its users see it: they listen; only the core emits. */
export interface CoreEventBus {
  on<E extends keyof CoreEventMap>(event: E, listener: Listener<E>): unknown;
  once<E extends keyof CoreEventMap>(event: E, listener: Listener<E>): unknown;
  off<E extends keyof CoreEventMap>(event: E, listener: Listener<E>): unknown;
}
