import { useEffect, useId, useRef, useState } from 'react';
import { SETTINGS_LIMITS } from '../../../shared/channels';
import type { SchedulerStateDto, SettingsDto } from '../../../shared/ipc-contract';
import { bridge, call, errorText } from '../api';
import { formatDateTime } from '../format';
import type { SettingsState } from '../hooks/useSettings';
import { effectiveTiming, minutesText } from '../timing';
import { ProvidersSection } from './providers/ProvidersSection';
import { ProgramsSection } from './programs/ProgramsSection';

interface Props {
  settings: SettingsDto | null;
  save: SettingsState['save'];
  /** Scroll to this built-in provider in the Providers section (from Connect). */
  providerFocus: string | null;
  onProvidersChanged(): void;
}

const MIN = 60_000;

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

export function SettingsView(props: Props): React.JSX.Element {
  const ids = useId();
  const [windowMin, setWindowMin] = useState('');
  const [intervalMin, setIntervalMin] = useState('');
  const [keepAlive, setKeepAlive] = useState('');
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [scheduler, setScheduler] = useState<SchedulerStateDto | null>(null);
  // Toggles show the new value at once; it is dropped (reverting on failure) when the save settles.
  const [optimistic, setOptimistic] = useState<Partial<SettingsDto>>({});
  // The settings this view saved last: a change from elsewhere (the tray, another window) makes its note stale.
  const savedHere = useRef<SettingsDto | null>(null);

  useEffect(() => {
    if (props.settings) {
      setWindowMin(minutesText(props.settings.refreshWindowMs));
      setIntervalMin(minutesText(props.settings.checkIntervalMs));
      setKeepAlive(String(props.settings.keepAliveDays));
      if (JSON.stringify(props.settings) !== JSON.stringify(savedHere.current)) setMessage(null);
    }
  }, [props.settings]);

  useEffect(() => {
    call(bridge().schedulerState())
      .then(setScheduler)
      .catch(() => undefined);
  }, [props.settings]);

  const save = async (patch: Partial<SettingsDto>, done: string): Promise<void> => {
    setSaving(true);
    setMessage(null);
    setOptimistic(patch);
    try {
      savedHere.current = await props.save(patch);
      setMessage({ kind: 'info', text: done });
    } catch (err) {
      setMessage({ kind: 'error', text: errorText(err) });
    } finally {
      setOptimistic({});
      setSaving(false);
    }
  };

  /**
   * Saves only the fields that were changed (a stored value the form can't show exactly, or one
   * outside the form's ranges set by the CLI, is never rewritten by saving another), each checked
   * against the ranges main enforces.
   */
  const submitTimes = (event: React.FormEvent): void => {
    event.preventDefault();
    const stored = props.settings;
    if (!stored) return;
    const lim = SETTINGS_LIMITS;
    const patch: Partial<SettingsDto> = {};
    const said: string[] = [];
    if (windowMin !== minutesText(stored.refreshWindowMs)) {
      const w = Number(windowMin);
      if (!Number.isFinite(w) || w * MIN < lim.refreshWindowMs.min || w * MIN > lim.refreshWindowMs.max) {
        setMessage({
          kind: 'error',
          text: `Refresh between ${lim.refreshWindowMs.min / MIN} and ${lim.refreshWindowMs.max / MIN} minutes before expiry.`,
        });
        return;
      }
      patch.refreshWindowMs = Math.round(w * MIN);
      said.push(`${w} min before expiry`);
    }
    if (intervalMin !== minutesText(stored.checkIntervalMs)) {
      const i = Number(intervalMin);
      if (!Number.isFinite(i) || i * MIN < lim.checkIntervalMs.min || i * MIN > lim.checkIntervalMs.max) {
        setMessage({
          kind: 'error',
          text: `Check at least every ${lim.checkIntervalMs.min / MIN} to ${lim.checkIntervalMs.max / MIN} minutes.`,
        });
        return;
      }
      patch.checkIntervalMs = Math.round(i * MIN);
      said.push(`checks at least every ${i} min`);
    }
    if (keepAlive !== String(stored.keepAliveDays)) {
      const k = Number(keepAlive);
      if (!Number.isInteger(k) || k < lim.keepAliveDays.min || k > lim.keepAliveDays.max) {
        setMessage({
          kind: 'error',
          text: `Refresh every account at least every ${lim.keepAliveDays.min} to ${lim.keepAliveDays.max} days (whole days).`,
        });
        return;
      }
      patch.keepAliveDays = k;
      said.push(`every account at least every ${plural(k, 'day')}`);
    }
    if (said.length === 0) {
      setMessage({ kind: 'info', text: 'Nothing to save: the refresh timing is as stored.' });
      return;
    }
    void save(patch, `Refresh timing saved: ${said.join(', ')}.`);
  };

  if (!props.settings) {
    return (
      <section aria-labelledby="settings-title">
        <h1 id="settings-title" tabIndex={-1}>
          Settings
        </h1>
        <div className="loading" aria-busy="true">
          <span className="spinner" aria-hidden="true" /> Loading settings…
        </div>
      </section>
    );
  }
  const s = { ...props.settings, ...optimistic };
  return (
    <section aria-labelledby="settings-title">
      <header className="view-header">
        <div>
          <h1 id="settings-title" tabIndex={-1}>
            Settings
          </h1>
          <p className="muted">How early tokens are refreshed, how the app runs in the background, and the providers it signs in with.</p>
        </div>
      </header>
      {message && (
        <p className={`banner banner-${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      <form className="panel" onSubmit={submitTimes} aria-labelledby={`${ids}-timing`}>
        <h2 id={`${ids}-timing`}>Refresh timing</h2>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${ids}-window`}>Refresh this many minutes before expiry</label>
            <input
              id={`${ids}-window`}
              type="number"
              inputMode="numeric"
              min={SETTINGS_LIMITS.refreshWindowMs.min / MIN}
              max={SETTINGS_LIMITS.refreshWindowMs.max / MIN}
              step="any"
              value={windowMin}
              onChange={(e) => setWindowMin(e.target.value)}
              required
            />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-interval`}>Check at least every (minutes)</label>
            <input
              id={`${ids}-interval`}
              type="number"
              inputMode="numeric"
              min={SETTINGS_LIMITS.checkIntervalMs.min / MIN}
              max={SETTINGS_LIMITS.checkIntervalMs.max / MIN}
              step="any"
              value={intervalMin}
              onChange={(e) => setIntervalMin(e.target.value)}
              required
            />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-keepalive`}>Refresh every account at least every (days)</label>
            <input
              id={`${ids}-keepalive`}
              type="number"
              inputMode="numeric"
              min={SETTINGS_LIMITS.keepAliveDays.min}
              max={SETTINGS_LIMITS.keepAliveDays.max}
              step={1}
              value={keepAlive}
              onChange={(e) => setKeepAlive(e.target.value)}
              aria-describedby={`${ids}-keepalive-help`}
              required
            />
            <p id={`${ids}-keepalive-help`} className="help">
              Even when no program asks for a token: providers drop sign-ins that sit unused (Microsoft after 90 days), and a refresh keeps
              them.
            </p>
          </div>
        </div>
        <p className="help" data-testid="effective-timing">
          {effectiveTiming(Number(windowMin))}
        </p>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={saving}>
            Save timing
          </button>
        </div>
      </form>
      <div className="panel">
        <h2>Background</h2>
        <div className="toggle-row">
          <input
            id={`${ids}-pause`}
            type="checkbox"
            className="switch"
            checked={s.backgroundRefreshPaused}
            disabled={saving}
            onChange={(e) =>
              void save(
                { backgroundRefreshPaused: e.target.checked },
                e.target.checked ? 'Background refresh paused.' : 'Background refresh resumed.',
              )
            }
          />
          <label htmlFor={`${ids}-pause`}>
            Pause background refresh
            <span className="help">Tokens are still refreshed when a program asks for one.</span>
          </label>
        </div>
        <div className="toggle-row">
          <input
            id={`${ids}-login`}
            type="checkbox"
            className="switch"
            checked={s.startAtLogin}
            disabled={saving}
            onChange={(e) =>
              void save(
                { startAtLogin: e.target.checked },
                e.target.checked ? 'The app will start at login.' : 'The app will not start at login.',
              )
            }
          />
          <label htmlFor={`${ids}-login`}>
            Start at login
            <span className="help">Opens in the tray, so tokens stay fresh without the window.</span>
          </label>
        </div>
        <div className="toggle-row">
          <input
            id={`${ids}-agent`}
            type="checkbox"
            className="switch"
            checked={s.agentEnabled}
            disabled={saving}
            onChange={(e) =>
              void save(
                { agentEnabled: e.target.checked },
                e.target.checked ? 'Programs get tokens from the app.' : 'Token agent turned off.',
              )
            }
          />
          <label htmlFor={`${ids}-agent`}>
            Serve tokens to programs (token agent)
            <span className="help">osmen-cred and other programs ask the app over a private socket instead of opening the vault.</span>
          </label>
        </div>
        <p className="muted small" role="status">
          Scheduler:{' '}
          {scheduler === null
            ? '…'
            : scheduler.paused
              ? 'paused'
              : !scheduler.running
                ? 'stopped'
                : scheduler.nextRunAt !== null
                  ? `next check ${formatDateTime(scheduler.nextRunAt)}`
                  : 'idle (no accounts due)'}
        </p>
      </div>
      <ProgramsSection />
      <ProvidersSection focus={props.providerFocus} onChanged={props.onProvidersChanged} />
    </section>
  );
}
