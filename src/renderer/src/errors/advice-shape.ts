/** The shape of one piece of advice (errors/advice.ts): what happened, what to do next, which button. */

/** A button the place showing the error may offer for the next step. */
export type AdviceAction = 'reconnect' | 'retry' | 'refresh' | 'connect' | 'health' | 'quit' | 'none';

/** What failed: a refresh (the app retries on its own), a sign-in, or anything else. */
export type AdviceContext = 'refresh' | 'sign-in' | 'general';

export interface Advice {
  /** What happened, in one plain sentence. */
  title: string;
  /** What to do next. */
  next: string;
  action: AdviceAction;
  /** The error's own message is the specific part (which field, which setting): show it too. */
  showMessage?: boolean;
}

export const a = (title: string, next: string, action: AdviceAction = 'none', showMessage = false): Advice =>
  showMessage ? { title, next, action, showMessage } : { title, next, action };
