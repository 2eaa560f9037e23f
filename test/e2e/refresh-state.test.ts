/// <reference lib="dom" />
/**
 * What the Accounts view says while refreshes go wrong and right again, end to end (built
 * renderer in Chromium, real core and IPC table, real OpenID Provider behind the token
 * gateway): a refresh that times out is not worded as a sign-in and does not ask for "Try
 * again" while the app retries on its own; "Refresh all" shows its progress on the button and
 * its report follows the accounts (an account that recovers or goes away leaves it, and a report
 * with nothing left standing goes away); a healthy token is not amber because the refresh window
 * is large; the dark sidebar badge is readable (WCAG AA).
 */
import type { Page } from 'playwright';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coreInternals } from '../../src/main/core/credential-core.js';
import { browseAuthorization } from '../helpers/oidc-provider.js';
import { card, expectAccessible, nav, seedAccount, shot, startDesktop, tokensOnPage, type Desktop } from './desktop-fixture.js';

let d: Desktop;

beforeAll(async () => {
  d = await startDesktop();
});
beforeEach(async () => {
  await d.fresh();
});
afterEach(async () => {
  d.gateway.mode = 'pass';
  expect(await tokensOnPage(d.app, d.tokensSeen())).toEqual([]);
  expect(d.app.problems).toEqual([]);
});
afterAll(async () => {
  await d?.close();
});

/** Signs `login` in at the provider over HTTP (not through the page) and waits for the card. */
async function connect(login: string): Promise<void> {
  await d.core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login }) });
  await card(d.app.page, `Test ${login}`).waitFor();
}

/** Every advice notice in a card, as text. */
async function notices(page: Page, name: string): Promise<string> {
  return (await card(page, name).getByTestId('error-notice').allTextContents()).join(' | ');
}

describe('refresh errors and "Refresh all"', () => {
  it('a refresh that times out speaks of the provider, not of a sign-in, and asks nothing while the app retries', async () => {
    const { page } = d.app;
    await connect('alice');
    const alice = card(page, 'Test alice');
    d.gateway.mode = 'timeout';
    await alice.getByRole('button', { name: 'Refresh now Test alice' }).click();
    await expect.poll(() => alice.getByTestId('account-status').textContent()).toMatch(/^Refresh failing · retry in /);
    expect(d.core.listAccounts()[0]).toMatchObject({ status: 'refresh_failing', statusDetail: expect.stringMatching(/^timeout/) });
    const text = await notices(page, 'Test alice');
    expect(text).toContain('The provider did not answer in time.');
    expect(text).toContain('the app retries on its own');
    expect(text).not.toMatch(/sign-?in|signing in|try again/i);
    expect(((await alice.textContent()) ?? '').match(/timeout/g)).toHaveLength(1); // the code, once

    // "Refresh all" names it the same way, and so does the log.
    await page.getByRole('button', { name: 'Refresh all now' }).click();
    const report = page.getByTestId('refresh-report');
    await expect
      .poll(() => report.getByRole('listitem').allTextContents())
      .toEqual([expect.stringMatching(/^Test alice failed: The provider did not answer in time\./)]);
    await nav(page, 'Security log');
    const failed = page.getByTestId('log-row').filter({ hasText: 'Refresh failed' }).first();
    expect(await failed.locator('.what').textContent()).toBe('Refresh failed: The provider did not answer in time.');
  });

  it('the button shows how far "Refresh all" got; the report keeps only what still stands and goes when nothing does', async () => {
    const { page } = d.app;
    await connect('alice');
    await connect('bob');
    // An account of a provider the app no longer has: its refresh fails at once, without the network.
    coreInternals(d.core).tokens.saveToken(
      'goneop',
      'gina@example.test',
      { access_token: 'seeded-access-gina', refresh_token: 'seeded-refresh-gina', expires_in: 3600, scope: 'openid' },
      { displayName: 'Gina Gone' },
    );
    coreInternals(d.core).events.emit('accounts-changed');
    await card(page, 'Gina Gone').waitFor();

    let release: () => void = () => undefined;
    d.gateway.held = new Promise<void>((resolve) => (release = resolve));
    d.gateway.mode = 'hold';
    try {
      await page.getByRole('button', { name: 'Refresh all now' }).click();
      // Gina's refresh has failed, alice's and bob's wait at the provider: 1 of 3 done.
      const busy = page.getByRole('button', { name: 'Refreshing… 1 of 3' });
      await busy.waitFor();
      expect(await busy.isDisabled()).toBe(true);
      await expect.poll(() => d.gateway.waiting).toBe(2);
      expect(await page.getByRole('button', { name: 'Refreshing… 1 of 3' }).count()).toBe(1);
      d.gateway.mode = 'fail';
    } finally {
      release();
    }
    const report = page.getByTestId('refresh-report');
    await expect.poll(() => report.locator('p').first().textContent()).toBe('Refreshed 0 of 3 accounts; 3 failed.');
    expect(await page.getByRole('button', { name: 'Refresh all now' }).isEnabled()).toBe(true);
    expect(await report.getByRole('listitem').count()).toBe(3);
    expect(await report.getAttribute('class')).toContain('banner-error');

    // Alice works again (the scheduler's refresh): she leaves the report, which says so.
    d.gateway.mode = 'pass';
    await d.core.refreshAccount('testop', 'alice@example.test');
    await expect
      .poll(() => report.getByRole('listitem').allTextContents())
      .toEqual([expect.stringMatching(/^Gina Gone failed/), expect.stringMatching(/^Test bob failed/)]);
    expect(await report.getByTestId('recovered').textContent()).toBe('Working again since: Test alice.');
    await shot(page, 'refresh-all-following');
    await expectAccessible(page, 'refresh-all-following');

    // Gina is disconnected, bob recovers: nothing in the report stands any more, so it goes.
    await d.core.disconnectAccount('goneop', 'gina@example.test');
    await expect.poll(() => report.getByRole('listitem').count()).toBe(1);
    await d.core.refreshAccount('testop', 'bob@example.test');
    await expect.poll(() => report.count()).toBe(0);
  });

  it('a reconnected account leaves the report of what "Refresh all" skipped; Dismiss clears the rest', async () => {
    const { page } = d.app;
    await connect('erin');
    coreInternals(d.core).tokens.setStatus('testop', 'erin@example.test', { status: 'needs_reauth', detail: 'invalid_grant' });
    coreInternals(d.core).events.emit('accounts-changed');
    seedAccount(d.core, 'nora@example.test', 'Nora No-Refresh');
    await page.getByRole('button', { name: 'Refresh all now' }).click();
    const report = page.getByTestId('refresh-report');
    await expect.poll(() => report.getByRole('listitem').count()).toBe(2);

    // Erin signs in again (what Reconnect does): her line goes.
    await d.core.connectAccount('testop', {
      reconnect: { userId: 'erin@example.test' },
      openUrl: (url) => void browseAuthorization(url, { login: 'erin' }),
    });
    await expect
      .poll(() => report.getByRole('listitem').allTextContents())
      .toEqual([expect.stringMatching(/^Nora No-Refresh was skipped/)]);
    await report.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => report.count()).toBe(0);
  });

  it('a healthy token is not amber because the refresh window is long; it is when its refresh is overdue', async () => {
    const { page } = d.app;
    await connect('alice');
    const expiry = card(page, 'Test alice').getByTestId('expires-in');
    await expect.poll(() => expiry.getAttribute('class')).toBe('expiry expiry-ok');
    // A 60-minute window and a 1-hour token: the app refreshes it after half its life, not now.
    d.core.updateSettings({ refreshWindowMs: 3_600_000 });
    await nav(page, 'Settings');
    await expect.poll(() => page.getByLabel('Refresh this many minutes before expiry').inputValue()).toBe('60');
    await nav(page, 'Accounts');
    expect(await expiry.getAttribute('class')).toBe('expiry expiry-ok');

    // A token whose refresh is due and has not happened (paused, 5 minutes left) is amber.
    d.core.updateSettings({ refreshWindowMs: 600_000, backgroundRefreshPaused: true });
    coreInternals(d.core).tokens.saveToken(
      'testop',
      'late@example.test',
      { access_token: 'seeded-access-late', refresh_token: 'seeded-refresh-late', expires_in: 300, scope: 'openid' },
      { displayName: 'Late Larry', issuedAt: Date.now() - 3_300_000 },
    );
    coreInternals(d.core).events.emit('accounts-changed');
    await expect.poll(() => card(page, 'Late Larry').getByTestId('expires-in').getAttribute('class')).toBe('expiry expiry-soon');
    expect(await expiry.getAttribute('class')).toBe('expiry expiry-ok');
  });

  it('the dark sidebar badge meets WCAG AA contrast', async () => {
    seedAccount(d.core, 'rita@example.test', 'Rita Reauth', { refreshToken: true, needsReauth: true });
    const dark = await d.open({ colorScheme: 'dark' });
    try {
      const badge = dark.page.getByRole('navigation', { name: 'Sections' }).getByLabel('1 need attention');
      await badge.waitFor();
      const ratio = await badge.evaluate((el) => {
        const rgb = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
        const lum = ([r, g, b]: number[]): number => {
          const lin = (v: number): number => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
          return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
        };
        const style = getComputedStyle(el);
        const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))].sort((x, y) => y - x);
        return (a! + 0.05) / (b! + 0.05);
      });
      expect(ratio).toBeGreaterThanOrEqual(4.5);
      await expectAccessible(dark.page, 'badge-dark');
      expect(dark.problems).toEqual([]);
    } finally {
      await dark.close();
    }
  });
});
