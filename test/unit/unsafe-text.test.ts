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
import { toAccountDto } from '../../src/main/ipc/dto.js';
import { plainText, UserIdSchema } from '../../src/shared/contract-primitives.js';
import { BIDI_CONTROLS, CONTROL_CHARS, oneLine, WITHOUT_CONTROL_CHARS, WITHOUT_UNSAFE_TEXT } from '../../src/shared/one-line.js';
import { terminalJson } from '../../src/shared/terminal-json.js';

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

  it('terminalJson: the same JSON value, with DEL, C1, bidi controls and line separators escaped', () => {
    const value = {
      text: HOSTILE,
      del: 'a\u007fb',
      seps: 'a\u2028b\u2029c',
      c0: 'a\r\nb\u0000',
      rtl: 'שלום مرحبا',
      nested: [{ id: 'me\u202e@x' }],
    };
    const out = terminalJson(value, 2);
    expect(JSON.parse(out)).toEqual(value);
    // Only the indentation's newlines are left raw.
    expect(out.replaceAll('\n', '')).not.toMatch(UNSAFE);
    expect(out).not.toMatch(/[\u2028\u2029]/);
    expect(out).toContain('\\u009b31m');
    expect(out).toContain('\\u202eexe.gnp');
    expect(out).toContain('שלום مرحبا'); // letters are not controls
    expect(terminalJson({ a: 1 }, 2)).toBe(JSON.stringify({ a: 1 }, null, 2));
  });

  it("an account's name from the provider reaches the window without them", () => {
    const account = (displayName: string | null) =>
      toAccountDto(
        {
          provider: 'acme',
          userId: 'me@example.com',
          displayName,
          expiresAt: null,
          scopes: [],
          tokenType: 'Bearer',
          status: 'active',
          statusDetail: null,
          failureCount: 0,
          nextAttemptAt: null,
          hasRefreshToken: true,
          createdAt: new Date(0),
          updatedAt: new Date(0),
          lastRefreshAt: null,
          issuer: null,
          refreshNotBefore: null,
        },
        { userHash: 'h', providerIssuer: null },
      ).displayName;
    expect(account(`Admin \u202eresU\u202c\u009b2J`)).toBe('Admin resU 2J');
    expect(account('Ada Lovelace')).toBe('Ada Lovelace');
    expect(account('\u202e\u0085')).toBeNull(); // nothing left: the card shows the user id
    expect(account(null)).toBeNull();
  });
});
