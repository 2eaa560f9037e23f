/// <reference lib="dom" />
/**
 * The desktop experience end to end: the built renderer and preload in
 * Chromium, the real core and IPC handler table in Node, a real OpenID
 * Provider (oidc-provider) on loopback whose login and consent pages are
 * driven in a second browser. Screenshots of each view go to docs/screenshots
 * with UPDATE_SCREENSHOTS=1 (else to test/e2e/artifacts/screenshots).
 *
 * The OpenID Provider, the token gateway, the renderer server and Chromium are
 * shared; each test starts from an empty vault and page of its own and makes the
 * accounts it needs. After each, no token the vault held may have reached the
 * page (its DOM, any IPC reply or event payload), and the CSP was never violated.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { browseAuthorization, PUBLIC_CLIENT_ID } from '../helpers/oidc-provider.js';
import { countdownSeconds } from './harness.js';
import { card, expectAccessible, nav, shot, signInVia as signInWith, startDesktop, tokensOnPage, type Desktop } from './desktop-fixture.js';
import { coreInternals } from '../../src/main/core/credential-core.js';

let desktop: Desktop;

const signInVia = (click: () => Promise<void>, login: string, beforeSignIn?: () => Promise<void>): Promise<void> =>
  signInWith(desktop, click, login, beforeSignIn);
const opener = { next: () => desktop.opener.next() };

/** Alice, signed in at the provider (over HTTP, not through the page), on the Accounts view. */
async function connectAlice(): Promise<void> {
  await desktop.core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'alice' }) });
  await card(desktop.app.page, 'Test alice').waitFor();
}

/** A sign-in that was started and then cancelled (what the Cancel button does). */
async function cancelledSignIn(): Promise<void> {
  const attempt = desktop.core.connectAccount('testop').catch(() => undefined);
  await opener.next();
  desktop.core.cancelConnect();
  await attempt;
}

beforeAll(async () => {
  desktop = await startDesktop();
});

beforeEach(async () => {
  await desktop.fresh();
});

afterEach(async () => {
  expect(await tokensOnPage(desktop.app, desktop.tokensSeen())).toEqual([]);
  expect(desktop.app.problems).toEqual([]);
});

afterAll(async () => {
  await desktop?.close();
});

describe('desktop flow against a real OpenID Provider', () => {
  it('starts on an empty Accounts view', async () => {
    const { page } = desktop.app;
    await expect.poll(() => page.getByRole('heading', { name: 'No accounts yet' }).isVisible()).toBe(true);
    await shot(page, 'accounts-empty');
    await expectAccessible(page, 'accounts-empty');
  });

  it('Cancel stops a sign-in in progress: a quiet note, nothing stored, the loopback listener closed', async () => {
    const { page } = desktop.app;
    await nav(page, 'Connect');
    await page.getByRole('button', { name: 'Connect Example ID (local OP)' }).click();
    const url = await opener.next();
    const redirect = new URL(url).searchParams.get('redirect_uri')!;
    const progress = page.getByRole('status').filter({ hasText: 'Waiting for you to finish signing in' });
    await progress.getByRole('button', { name: 'Cancel' }).click();
    // The person's own cancel: a note, not an error with buttons (the card's Connect is right there).
    await page.getByRole('status').filter({ hasText: 'Sign-in cancelled.' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    expect(await progress.isVisible()).toBe(false);
    expect(desktop.core.listAccounts()).toEqual([]);
    await expect(fetch(redirect)).rejects.toThrow();
    await nav(page, 'Accounts');
  });

  it('connects an account through the provider login page and lists it with a live countdown', async () => {
    const { page } = desktop.app;
    await nav(page, 'Connect');
    await expect.poll(() => page.getByRole('button', { name: 'Connect Example ID (local OP)' }).isEnabled()).toBe(true);
    await expect.poll(() => page.getByRole('button', { name: 'Connect Google' }).isDisabled()).toBe(true);
    expect(await page.getByText('Set GOOGLE_CLIENT_ID').isVisible()).toBe(true);
    await shot(page, 'connect');
    await expectAccessible(page, 'connect');

    await signInVia(
      () => page.getByRole('button', { name: 'Connect Example ID (local OP)' }).click(),
      'alice',
      async () => {
        // While the browser sign-in runs: progress with a Cancel button.
        const progress = page.getByRole('status').filter({ hasText: 'Waiting for you to finish signing in' });
        await progress.waitFor();
        expect(await progress.getByRole('button', { name: 'Cancel' }).isVisible()).toBe(true);
      },
    );

    const alice = card(page, 'Test alice');
    await alice.waitFor();
    expect(await alice.getByTestId('account-status').textContent()).toBe('Active');
    expect(await alice.textContent()).toContain('alice@example.test');
    await alice.getByRole('button', { name: 'Details Test alice' }).click();
    expect(await alice.getByTestId('account-detail').getByRole('list', { name: 'Scopes' }).textContent()).toContain('offline_access');
    await alice.getByRole('button', { name: 'Hide details Test alice' }).click();

    const expiry = alice.getByTestId('expires-in');
    const first = countdownSeconds((await expiry.textContent()) ?? '');
    expect(first).toBeGreaterThan(3000);
    expect(first).toBeLessThanOrEqual(3600);
    // The countdown ticks without a reload (wait for the text to change, not for a fixed time).
    await page.waitForFunction(
      (before) => document.querySelector('[data-testid="expires-in"]')?.textContent !== before,
      await expiry.textContent(),
    );
    expect(countdownSeconds((await expiry.textContent()) ?? '')).toBeLessThan(first);
    await expectAccessible(page, 'accounts');
  });

  it('Refresh now makes one token request and the log shows it, with a verified chain', async () => {
    const { page } = desktop.app;
    const { op, core } = desktop;
    await cancelledSignIn();
    await connectAlice();
    op.resetCounts();
    const alice = card(page, 'Test alice');
    expect(await alice.getByTestId('last-refresh').textContent()).toBe('never');
    await alice.getByRole('button', { name: 'Refresh now Test alice' }).click();
    await alice.getByRole('status').filter({ hasText: 'Refreshed.' }).waitFor();
    expect(op.count('refresh_token')).toBe(1);
    expect(await alice.getByTestId('last-refresh').textContent()).toBe('just now');

    // "Refresh all now" refreshes every refreshable account, due or not.
    await page.getByRole('button', { name: 'Refresh all now' }).click();
    await page.getByRole('status').filter({ hasText: 'Refreshed 1 of 1 account.' }).waitFor();
    expect(op.count('refresh_token')).toBe(2);

    await nav(page, 'Security log');
    const rows = page.getByTestId('log-row');
    await rows.first().waitFor();
    const events = await rows.getByTestId('log-event').allTextContents();
    expect(events[0]).toBe('refresh'); // newest first
    expect(events).toContain('connect');
    await expect.poll(() => page.getByTestId('chain-badge').textContent()).toMatch(/Chain intact · \d+ entries/);

    // A refresh that happens while the log is open appears live (core event -> main -> renderer).
    const before = await rows.count();
    await core.refreshAccount('testop', 'alice@example.test');
    await expect.poll(() => rows.count()).toBe(before + 1);

    // Filters and search.
    await page.getByLabel('Event').selectOption('connect');
    await expect.poll(async () => [...new Set(await rows.getByTestId('log-event').allTextContents())]).toEqual(['connect']);
    // The cancelled attempt and the real connect; only one succeeded.
    expect(await rows.count()).toBe(2);
    await page.getByLabel('Outcome').selectOption('success');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Event').selectOption('');
    await page.getByLabel('Outcome').selectOption('all');
    await page.getByLabel('Search').fill('no-such-thing-anywhere');
    await page.getByText('No entries match these filters.').waitFor();
    await page.getByLabel('Search').fill('');

    // "Save shown" saves the visible entries as JSON lines where the person chose, and says so.
    await page.getByRole('button', { name: 'Save shown as JSON lines' }).click();
    await expect.poll(() => page.getByTestId('log-message').textContent()).toMatch(/^Saved the \d+ entries shown/);
    expect(desktop.saveRequests.at(-1)).toMatch(/^osmen-security-log-shown-.*\.jsonl$/);
    const lines = readFileSync(join(desktop.exportDir, desktop.saveRequests.at(-1)!), 'utf8')
      .trim()
      .split('\n');
    expect(lines.length).toBe(await rows.count());
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'refresh', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await shot(page, 'log');
    await expectAccessible(page, 'log');
  });

  it('shows "Refreshing…" while a refresh is in flight, and "failing" with the next retry time on a 503', async () => {
    const { page } = desktop.app;
    const { gateway, core } = desktop;
    await connectAlice();
    const alice = card(page, 'Test alice');
    // The token endpoint goes through the loopback gateway: hold the request, then answer 503.
    let release: () => void = () => undefined;
    gateway.mode = 'hold';
    gateway.held = new Promise<void>((resolve) => (release = resolve));
    try {
      await alice.getByRole('button', { name: 'Refresh now Test alice' }).click();
      await expect.poll(() => alice.getByTestId('account-status').textContent()).toBe('Refreshing…');
      // Still refreshing while the provider holds the request (no reply has been sent yet).
      await expect.poll(() => gateway.waiting).toBe(1);
      expect(await alice.getByTestId('account-status').textContent()).toBe('Refreshing…');
      gateway.mode = 'pass';
      release();
      await alice.getByRole('status').filter({ hasText: 'Refreshed.' }).waitFor();
      await expect.poll(() => alice.getByTestId('account-status').textContent()).toBe('Active');

      gateway.mode = 'fail';
      await alice.getByRole('button', { name: 'Refresh now Test alice' }).click();
      await expect.poll(() => alice.getByTestId('account-status').textContent()).toMatch(/^Refresh failing · retry in \dm \d\ds$/);
      expect(await alice.getByRole('alert').textContent()).toMatch(/temporarily_unavailable|503|unavailable/i);
      expect(core.listAccounts()[0]).toMatchObject({ status: 'refresh_failing' });
      await shot(page, 'accounts-failing');
      await expectAccessible(page, 'accounts-failing');
    } finally {
      gateway.mode = 'pass';
      release();
    }
    await alice.getByRole('button', { name: 'Refresh now Test alice' }).click();
    await expect.poll(() => alice.getByTestId('account-status').textContent()).toBe('Active');
  });

  it('revoking the grant at the provider shows "Needs re-auth"; Reconnect restores it', async () => {
    const { page } = desktop.app;
    const { op, core } = desktop;
    await connectAlice();
    // The person revokes the app's access at the provider (RFC 7009), outside the app.
    const stored = coreInternals(core).tokens.getToken('testop', 'alice@example.test');
    const res = await fetch(`${op.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: stored!.refreshToken!, token_type_hint: 'refresh_token', client_id: PUBLIC_CLIENT_ID }),
    });
    expect(res.status).toBe(200);

    await nav(page, 'Accounts');
    const alice = card(page, 'Test alice');
    await alice.getByRole('button', { name: 'Refresh now Test alice' }).click();
    await expect.poll(() => alice.getByTestId('account-status').textContent()).toBe('Needs re-auth');
    expect(await alice.getByRole('alert').textContent()).toBeTruthy();
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByLabel('1 need attention').isVisible()).toBe(true);
    await shot(page, 'accounts-needs-reauth');
    await expectAccessible(page, 'accounts-needs-reauth');

    await signInVia(() => alice.getByRole('button', { name: 'Reconnect Test alice' }).click(), 'alice');
    await expect.poll(() => alice.getByTestId('account-status').textContent()).toBe('Active');
    await alice.getByRole('status').filter({ hasText: 'Reconnected.' }).waitFor();
  });

  it('renders the dark theme from the OS preference', async () => {
    await connectAlice();
    const dark = await desktop.open({ colorScheme: 'dark' });
    try {
      await card(dark.page, 'Test alice').waitFor();
      const bg = await dark.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      expect(bg).toBe('rgb(23, 25, 30)');
      await shot(dark.page, 'accounts-dark');
      await expectAccessible(dark.page, 'accounts-dark');
      expect(dark.problems).toEqual([]);
      expect(await tokensOnPage(dark, desktop.tokensSeen())).toEqual([]);
    } finally {
      await dark.close();
    }
  });

  it('shows the health report with fixes', async () => {
    const { page } = desktop.app;
    await nav(page, 'Health');
    await page.getByRole('list', { name: 'Checks' }).waitFor();
    const report = await desktop.core.healthReport();
    expect(await page.locator('.check').count()).toBe(report.checks.length);
    // This vault has no Google or Microsoft client: that warning comes with its fix.
    const withFix = report.checks.find((c) => c.id === 'providers');
    expect(withFix).toMatchObject({ status: 'warn', fix: expect.stringContaining('custom OpenID provider') });
    expect(await page.getByText(withFix!.fix!, { exact: false }).first().isVisible()).toBe(true);
    await shot(page, 'health');
    await expectAccessible(page, 'health');
  });

  it('changes settings: refresh window, pause background refresh', async () => {
    const { page } = desktop.app;
    await nav(page, 'Settings');
    const window = page.getByLabel('Refresh this many minutes before expiry');
    await expect.poll(() => window.inputValue()).toBe('5');
    // The effective timing is explained as the window changes: never before the middle of a lifetime.
    await window.fill('60');
    await expect
      .poll(() => page.getByTestId('effective-timing').textContent())
      .toMatch(/refreshed after 30 minutes: never before the middle/);
    await window.fill('10');
    await expect
      .poll(() => page.getByTestId('effective-timing').textContent())
      .toMatch(/refreshed after 50 minutes \(10 minutes before it expires\)/);
    await page.getByRole('button', { name: 'Save timing' }).click();
    await page.getByRole('status').filter({ hasText: 'Refresh timing saved: 10 min before expiry' }).waitFor();
    expect(desktop.core.getSettings().refreshWindowMs).toBe(600_000);

    await page.getByLabel(/Pause background refresh/).check();
    await page.getByRole('status').filter({ hasText: 'Background refresh paused.' }).waitFor();
    expect(desktop.core.getSettings().backgroundRefreshPaused).toBe(true);
    await expect.poll(() => page.getByText(/Scheduler: paused/).isVisible()).toBe(true);
    await page.getByLabel(/Pause background refresh/).uncheck();
    await page.getByRole('status').filter({ hasText: 'Background refresh resumed.' }).waitFor();
    expect(desktop.core.getSettings().backgroundRefreshPaused).toBe(false);

    await expect.poll(() => page.getByText(/Scheduler: next check/).isVisible()).toBe(true);
    await shot(page, 'settings');
    await expectAccessible(page, 'settings');

    // Out-of-range values get a clear message and change nothing (the main process enforces the same bounds).
    await window.fill('0.1');
    await page
      .locator('form')
      .first()
      .evaluate((f) => ((f as HTMLFormElement).noValidate = true));
    await page.getByRole('button', { name: 'Save timing' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Refresh between 0.5 and 60 minutes before expiry.');
    expect(desktop.core.getSettings().refreshWindowMs).toBe(600_000);
    await window.fill('10');
  });

  it('is usable from the keyboard: arrow keys move through the sections, Enter opens one', async () => {
    const { page } = desktop.app;
    const navButtons = page.getByRole('navigation', { name: 'Sections' }).getByRole('button');
    await navButtons.first().focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Connect');
    await page.keyboard.press('End');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Settings');
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Accounts');
  });

  it('disconnects after confirmation, revoking at the provider', async () => {
    const { page } = desktop.app;
    await connectAlice();
    const alice = card(page, 'Test alice');
    await alice.getByRole('button', { name: 'Disconnect Test alice' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect this account?' });
    await dialog.waitFor();
    // Cancel keeps it.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await alice.isVisible()).toBe(true);
    await alice.getByRole('button', { name: 'Disconnect Test alice' }).click();
    await shot(page, 'disconnect-confirm');
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await expect
      .poll(() => page.locator('.banner').first().textContent())
      .toBe('Disconnected Test alice. Access was revoked at the provider.');
    await page.getByRole('heading', { name: 'No accounts yet' }).waitFor();
    // The last card is gone: focus lands on the next thing to do, not on <body>.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Connect your first account');
    expect(desktop.core.listAccounts()).toEqual([]);
  });

  it('adds a custom OpenID provider from the form', async () => {
    const { page } = desktop.app;
    await nav(page, 'Connect');
    await page.getByLabel('Provider ID').fill('my-company');
    await page.getByLabel('Display name').fill('My Company SSO');
    await page.getByLabel('Issuer URL').fill(desktop.op.issuer);
    await page.getByLabel('Client ID').fill(PUBLIC_CLIENT_ID);
    await page.getByRole('button', { name: 'Add provider' }).click();
    await page.getByRole('status').filter({ hasText: 'Added My Company SSO' }).waitFor();
    await page.getByRole('button', { name: 'Connect My Company SSO' }).waitFor();
    // Added beside the provider registered at run time (testop), which is still offered.
    expect(desktop.core.listProviders().map((p) => p.id)).toEqual(expect.arrayContaining(['testop', 'my-company']));
    expect(await page.getByRole('button', { name: 'Connect Example ID (local OP)' }).isEnabled()).toBe(true);

    // A bad issuer is refused with a clear message and nothing is added.
    await page.getByLabel('Provider ID').fill('bad-one');
    await page.getByLabel('Issuer URL').fill('http://example.com');
    await page.getByRole('button', { name: 'Add provider' }).click();
    await expect.poll(() => page.locator('form').getByTestId('error-notice').textContent()).toMatch(/http|loopback|https/i);
    expect(desktop.core.listProviders().map((p) => p.id)).not.toContain('bad-one');
  });

  it('no token reaches the page through a sign-in, details, refreshes, the log and health, and the CSP holds', async () => {
    const { page } = desktop.app;
    await nav(page, 'Connect');
    await signInVia(() => page.getByRole('button', { name: 'Connect Example ID (local OP)' }).click(), 'alice');
    const alice = card(page, 'Test alice');
    await alice.waitFor();
    await alice.getByRole('button', { name: 'Details Test alice' }).click();
    await alice.getByRole('button', { name: 'Refresh now Test alice' }).click();
    await alice.getByRole('status').filter({ hasText: 'Refreshed.' }).waitFor();
    await page.getByRole('button', { name: 'Refresh all now' }).click();
    await page.getByRole('status').filter({ hasText: 'Refreshed 1 of 1 account.' }).waitFor();
    await nav(page, 'Security log');
    await page.getByTestId('log-row').first().waitFor();
    await nav(page, 'Health');
    await page.getByRole('list', { name: 'Checks' }).waitFor();
    await nav(page, 'Accounts');
    // The values the vault held (the first tokens and the two rotations after them), searched
    // for in the page's DOM, every IPC reply and every event payload.
    const tokens = desktop.tokensSeen();
    expect(tokens.size).toBeGreaterThanOrEqual(7); // ID token, then access + refresh token three times
    expect(desktop.app.calls.length).toBeGreaterThan(10);
    expect(desktop.app.events.length).toBeGreaterThan(3);
    expect(await tokensOnPage(desktop.app, tokens)).toEqual([]);
    expect(desktop.app.problems).toEqual([]);
  });
});
