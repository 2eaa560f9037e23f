/**
 * JSON written to a terminal. JSON.stringify escapes C0 controls but writes DEL, C1 controls
 * (U+0080–U+009F; U+009B is an 8-bit CSI a terminal may act on), bidi embeddings, overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators as they are.
 * Those can only stand inside JSON strings, where `\uXXXX` means the same character: the value a
 * program parses is unchanged, and a person's terminal gets nothing it acts on or reorders.
 * No imports: the CLI's fast path uses it.
 */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `JSON.stringify(value, null, space)` with those characters escaped. */
export function terminalJson(value: unknown, space?: number): string {
  const text = JSON.stringify(value, null, space) as string | undefined;
  return text === undefined ? 'null' : text.replace(UNSAFE_IN_JSON, escape);
}
