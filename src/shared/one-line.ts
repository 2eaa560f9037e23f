/**
 * Text from outside (a provider, a file, another process) shown on one line or written to a
 * log: control characters could forge lines or hide content, bidirectional overrides could make
 * it read differently from what it is, and length must be bounded.
 * No imports: the CLI's fast path, the core and the contract all use it.
 */

/** C0 control characters, DEL and C1 control characters (U+0080–U+009F; U+009B is an 8-bit CSI). */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
/** Bidirectional embeddings, overrides and isolates: they reorder what follows them on screen. */
export const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const CONTROL_RUNS = /[\u0000-\u001f\u007f-\u009f]+/g;
const BIDI_ALL = /[\u202a-\u202e\u2066-\u2069]/g;
/**
 * A whole string without any control character (for schemas: `.regex(WITHOUT_CONTROL_CHARS)`).
 * Bidi controls are left to WITHOUT_UNSAFE_TEXT: ids that come from providers are matched as given.
 */
// eslint-disable-next-line no-control-regex
export const WITHOUT_CONTROL_CHARS = /^[^\u0000-\u001f\u007f-\u009f]*$/;
/** A whole string without control characters or bidi controls: text a person types (names, client ids). */
// eslint-disable-next-line no-control-regex
export const WITHOUT_UNSAFE_TEXT = /^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$/;

/** Runs of control characters become one space, bidi controls are dropped; trimmed; longer than `max` ends in "…". */
export function oneLine(text: unknown, max = 500): string {
  const clean = String(text ?? '')
    .replace(BIDI_ALL, '')
    .replace(CONTROL_RUNS, ' ')
    .trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
