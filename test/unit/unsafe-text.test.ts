/**
 * Text from providers is stripped of C1 controls (U+0080–U+009F; U+009B is an 8-bit CSI) and of
 * bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069) wherever C0 controls already are:
 * oneLine() (CLI output, agent answers, IPC error DTOs), sanitizeText() (OAuth error messages),
 * and the schemas of text a person types. The CLI case with a real token endpoint is in
 * test/integration/cli/osmen-cred-token-chars.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { toWireError } from '../../src/main/core/agent/wire-error.js';
import { TokenStoreError } from '../../src/main/core/errors.js';
import { OAuthErrorParser } from '../../src/main/core/oauth/error-parser.js';
import { sanitizeText } from '../../src/main/core/oauth/sanitize.js';
import { toErrorDto } from '../../src/main/ipc/errors.js';
import { plainText, UserIdSchema } from '../../src/shared/contract-primitives.js';
import { BIDI_CONTROLS, CONTROL_CHARS, oneLine, WITHOUT_CONTROL_CHARS, WITHOUT_UNSAFE_TEXT } from '../../src/shared/one-line.js';

const C1 = ['\u0080', '\u0085', '\u009b', '\u009d', '\u009f'];
const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
/** What a hostile provider sends: an 8-bit CSI colour sequence, an OSC, a right-to-left override. */
const HOSTILE = 'Sign-in failed\u009b31m for \u202eexe.gnp\u202c and \u2066me\u2069\u0085next line\u009d8;;x\u009c';
const UNSAFE = new RegExp(`${CONTROL_CHARS.source}|${BIDI_CONTROLS.source}`);

describe('C1 controls and bidi overrides', () => {
  it('oneLine: C1 runs become a space like C0, bidi controls are dropped', () => {
    for (const c of C1) expect(oneLine(`a${c}b`)).toBe('a b');
    for (const b of BIDI) expect(oneLine(`a${b}b`)).toBe('ab');
    expect(oneLine(HOSTILE)).toBe('Sign-in failed 31m for exe.gnp and me next line 8;;x');
    expect(oneLine('a\u0000\u009b\u001b[31m\u0085b')).toBe('a [31m b');
    // Letters of right-to-left scripts are text, not controls.
    expect(oneLine('שלום مرحبا')).toBe('שלום مرحبا');
  });

  it('sanitizeText (OAuth messages): no C1, no bidi; tabs and newlines folded as before', () => {
    const out = sanitizeText(HOSTILE);
    expect(out).not.toMatch(UNSAFE);
    expect(out).toBe('Sign-in failed 31m for exe.gnp and me next line 8;;x');
    expect(sanitizeText('a\tb\nc')).toBe('a b c');
  });

  it('a provider error body reaches the CLI, the agent and the window without them', () => {
    const err = OAuthErrorParser.parseErrorResponse(
      { error: 'invalid_grant', error_description: HOSTILE },
      { status: 400, provider: 'acme' },
    );
    expect(err.message).toContain('Sign-in failed');
    expect(err.message).not.toMatch(UNSAFE);
    expect(toWireError(err).message).not.toMatch(UNSAFE);
    expect(toErrorDto(err).message).not.toMatch(UNSAFE);
    // Even an error of ours that carries such text (a file name, an issuer) is cleaned on the way out.
    const ours = new TokenStoreError('DB_OPEN_FAILED', `Token database error at /home/\u202eevil\u009b2J: ${HOSTILE}`);
    expect(toErrorDto(ours).message).toBe('Token database error at /home/evil 2J: Sign-in failed 31m for exe.gnp and me next line 8;;x');
    expect(toWireError(ours).message).not.toMatch(UNSAFE);
  });

  it('schemas: control characters refused everywhere; bidi controls refused in what a person types', () => {
    for (const c of C1) {
      expect(WITHOUT_CONTROL_CHARS.test(`a${c}b`)).toBe(false);
      expect(UserIdSchema.safeParse(`me${c}@example.com`).success).toBe(false);
    }
    for (const b of BIDI) {
      expect(WITHOUT_UNSAFE_TEXT.test(`a${b}b`)).toBe(false);
      expect(plainText(128).safeParse(`Acme ${b}SSO`).success).toBe(false);
    }
    expect(plainText(128).safeParse('Acme SSO — مرحبا').success).toBe(true);
  });
});
