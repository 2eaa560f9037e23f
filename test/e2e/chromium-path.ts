/**
 * Which Chromium the e2e suite drives, in this order:
 * 1. CHROMIUM_PATH (set by .ci/run, or by you for any Chromium or Chrome);
 * 2. Playwright's own build (`npx playwright install chromium`), on any OS;
 * 3. Debian's /usr/bin/chromium.
 * A CHROMIUM_PATH that does not exist is an error, not a reason to pick another browser.
 */
import { existsSync } from 'node:fs';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export interface ChromiumLookup {
  env: NodeJS.ProcessEnv;
  exists(path: string): boolean;
  /** Playwright's idea of its own Chromium (chromium.executablePath()); may throw or not exist. */
  playwrightChromium(): string;
}

export class ChromiumNotFoundError extends Error {
  readonly code = 'CHROMIUM_NOT_FOUND';
}

export function findChromium(lookup: ChromiumLookup): string {
  const configured = lookup.env['CHROMIUM_PATH'];
  if (configured) {
    if (lookup.exists(configured)) return configured;
    throw new ChromiumNotFoundError(
      `CHROMIUM_PATH is ${configured}, which does not exist. Point it at a Chromium or Chrome executable, or unset it.`,
    );
  }
  let playwright: string | null;
  try {
    playwright = lookup.playwrightChromium();
  } catch {
    playwright = null;
  }
  if (playwright && lookup.exists(playwright)) return playwright;
  if (lookup.exists(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  throw new ChromiumNotFoundError(
    'No Chromium for the e2e suite. Do one of: set CHROMIUM_PATH to a Chromium or Chrome executable; ' +
      `run npx playwright install chromium (Playwright's own build${playwright ? `, expected at ${playwright}` : ''}); ` +
      `or on Debian/Ubuntu apt-get install chromium (${SYSTEM_CHROMIUM}).`,
  );
}

export function defaultChromiumLookup(playwrightChromium: () => string): ChromiumLookup {
  return { env: process.env, exists: existsSync, playwrightChromium };
}
