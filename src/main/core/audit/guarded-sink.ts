import type { SecurityEventSink } from '../contracts/security-log.js';

/**
 * A security-event sink whose failures stay its own. A refresh that stored the rotated token
 * has succeeded, whether or not its log line could be written (a full disk, a locked log), and
 * a failed save must be reported as the store's error, not masked by the log's. `onError`
 * hears about the lost line (never its data).
 */
export function guardSink(sink: SecurityEventSink | undefined, onError?: (err: unknown) => void): SecurityEventSink | undefined {
  if (!sink) return undefined;
  const guard =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn(...args);
      } catch (err) {
        try {
          onError?.(err);
        } catch {
          // nothing more to do
        }
      }
    };
  return {
    logOAuthEvent: guard(sink.logOAuthEvent.bind(sink)),
    logTokenEvent: guard(sink.logTokenEvent.bind(sink)),
    logSecurityError: guard(sink.logSecurityError.bind(sink)),
    logSecurityEvent: guard(sink.logSecurityEvent.bind(sink)),
  };
}
