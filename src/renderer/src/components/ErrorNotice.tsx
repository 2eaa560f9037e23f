import type { ErrorInfo } from '../api';
import { adviceFor, type AdviceAction, type AdviceContext } from '../errors/advice';

export type NoticeActions = Partial<Record<AdviceAction, { label: string; run(): void; disabled?: boolean }>>;

interface Props {
  error: ErrorInfo;
  /** Buttons this place can offer for the advice's next step (e.g. Reconnect on a card). */
  actions?: NoticeActions;
  /** A fresh failure is announced (role=alert); a standing state is not. */
  live?: boolean;
  tone?: 'error' | 'warn';
  /** What failed (a refresh reads differently from a sign-in). */
  context?: AdviceContext;
}

/** An error in plain language: what happened, what to do, and the raw code, small and once. */
export function ErrorNotice({ error, actions, live = false, tone = 'error', context = 'general' }: Props): React.JSX.Element {
  const advice = adviceFor(error.code, error, context);
  const action = actions?.[advice.action];
  const detail = advice.showMessage && error.message && error.message !== advice.title ? error.message : null;
  return (
    <div className={`notice notice-${tone}`} role={live ? 'alert' : undefined} data-testid="error-notice">
      <p className="notice-title">{advice.title}</p>
      {detail && <p className="notice-detail">{detail}</p>}
      <p className="notice-next">{advice.next}</p>
      <div className="notice-foot">
        {action && (
          <button type="button" className="btn btn-small" onClick={action.run} disabled={action.disabled}>
            {action.label}
          </button>
        )}
        <span className="notice-code">
          Code <code>{error.code}</code>
        </span>
      </div>
    </div>
  );
}
