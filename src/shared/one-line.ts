/**
 * Text from outside (a provider, a file, another process) shown on one line or written to a
 * log: control characters could forge lines or hide content, and length must be bounded.
 * No imports: the CLI's fast path, the core and the contract all use it.
 */

/** C0 control characters and DEL. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const CONTROL_RUNS = new RegExp(`${CONTROL_CHARS.source}+`, 'g');
/** A whole string without any (for schemas: `.regex(WITHOUT_CONTROL_CHARS)`). */
export const WITHOUT_CONTROL_CHARS = new RegExp(`^[^${CONTROL_CHARS.source.slice(1, -1)}]*$`);

/** Runs of control characters become one space; trimmed; longer than `max` ends in "…". */
export function oneLine(text: unknown, max = 500): string {
  const clean = String(text ?? '')
    .replace(CONTROL_RUNS, ' ')
    .trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
