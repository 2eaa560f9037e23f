/** The e2e suite's Chromium lookup (test/e2e/chromium-path.ts): order and errors. */
import { describe, expect, it } from 'vitest';
import { ChromiumNotFoundError, findChromium, SYSTEM_CHROMIUM, type ChromiumLookup } from '../e2e/chromium-path.js';

const PLAYWRIGHT = '/home/me/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome';

function lookup(env: Record<string, string>, present: string[], playwright: () => string = () => PLAYWRIGHT): ChromiumLookup {
  return { env, exists: (p) => present.includes(p), playwrightChromium: playwright };
}

describe('findChromium', () => {
  it('CHROMIUM_PATH comes first, even when the others exist', () => {
    expect(findChromium(lookup({ CHROMIUM_PATH: '/opt/chrome/chrome' }, ['/opt/chrome/chrome', PLAYWRIGHT, SYSTEM_CHROMIUM]))).toBe(
      '/opt/chrome/chrome',
    );
  });

  it('a CHROMIUM_PATH that does not exist is an error, not a silent fallback', () => {
    expect(() => findChromium(lookup({ CHROMIUM_PATH: '/nope/chrome' }, [PLAYWRIGHT, SYSTEM_CHROMIUM]))).toThrow(
      /CHROMIUM_PATH is \/nope\/chrome, which does not exist/,
    );
  });

  it("then Playwright's own Chromium, when it is installed", () => {
    expect(findChromium(lookup({}, [PLAYWRIGHT, SYSTEM_CHROMIUM]))).toBe(PLAYWRIGHT);
  });

  it('then /usr/bin/chromium, when Playwright has no browser of its own (or cannot say where)', () => {
    expect(findChromium(lookup({}, [SYSTEM_CHROMIUM]))).toBe(SYSTEM_CHROMIUM);
    expect(
      findChromium(
        lookup({}, [SYSTEM_CHROMIUM], () => {
          throw new Error('unsupported platform');
        }),
      ),
    ).toBe(SYSTEM_CHROMIUM);
  });

  it('none at all: one error that says the three ways to get one', () => {
    let error: unknown;
    try {
      findChromium(lookup({}, []));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ChromiumNotFoundError);
    expect((error as ChromiumNotFoundError).code).toBe('CHROMIUM_NOT_FOUND');
    expect((error as Error).message).toContain('set CHROMIUM_PATH');
    expect((error as Error).message).toContain('npx playwright install chromium');
    expect((error as Error).message).toContain(`expected at ${PLAYWRIGHT}`);
    expect((error as Error).message).toContain('apt-get install chromium');
  });
});
