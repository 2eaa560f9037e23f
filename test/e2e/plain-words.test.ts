/// <reference lib="dom" />
/**
 * Plain words and current state on the desktop's screens, end to end (built renderer in
 * Chromium, real core and IPC table, real OpenID Provider): removing a provider whose
 * revocation failed says the tokens may still be valid there; Settings shows what is stored and
 * saves only what was changed; discovery failures in plain words with the code once; one status
 * message per place, cleared when what it describes changes; Health puts failures first with
 * fixes in the app's terms; no developer words (Connect's intro, the footer, the sign-in result
 * page); a person's own cancel is a quiet note with focus on something useful; focus after
 * removing a provider; placeholders that fit; Microsoft's issuer broken between its parts only.
 * At 1280×800 and 800×600.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { coreInternals } from '../../src/main/core/credential-core.js';
import { PUBLIC_CLIENT_ID, browseAuthorization } from '../helpers/oidc-provider.js';
import { OP_NAME, card, expectAccessible, nav, shot, startDesktop, type Desktop } from './desktop-fixture.js';

const MS_CLIENT_ID = '00000000-1111-2222-3333-444444444444';
const SCOPES = ['openid', 'email', 'profile', 'offline_access'];

let d: Desktop;
/** An issuer where nothing listens: a loopback port that was free a moment ago. */
let DEAD_ISSUER: string;

beforeAll(async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  DEAD_ISSUER = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  d = await startDesktop({ env: { MICROSOFT_CLIENT_ID: MS_CLIENT_ID }, deviceFlow: true });
});
afterEach(() => {
  expect(d.app.problems).toEqual([]);
});
afterAll(async () => {
  await d?.close();
});

const providerCard = (page: Page, name: string) =>
  page.getByRole('listitem').filter({ has: page.getByRole('heading', { name, exact: true }) });
const focused = (page: Page) =>
  page.evaluate(() => `${document.activeElement?.tagName ?? ''}:${document.activeElement?.textContent?.trim() ?? ''}`);

/** Inputs whose placeholder is wider than the room the input gives it. */
async function cutPlaceholders(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const ctx = document.createElement('canvas').getContext('2d')!;
    const cut: string[] = [];
    for (const input of Array.from(document.querySelectorAll<HTMLInputElement>('input[placeholder]'))) {
      if (input.offsetParent === null || input.placeholder === '') continue;
      const s = getComputedStyle(input);
      ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
      const room = input.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      const needs = ctx.measureText(input.placeholder).width;
      if (needs > room) cut.push(`"${input.placeholder}" needs ${Math.ceil(needs)} px, has ${Math.floor(room)}`);
    }
    return cut;
  });
}

/** Characters just before each line break inside an element's text (a break after "/" or "." is between parts). */
async function breaksBefore(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluate((el) => {
    const chars: Array<{ node: Text; i: number }> = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = n as Text;
      for (let i = 0; i < t.data.length; i++) chars.push({ node: t, i });
    }
    const out: string[] = [];
    let lastTop: number | null = null;
    let prev = '';
    for (const { node, i } of chars) {
      const r = document.createRange();
      r.setStart(node, i);
      r.setEnd(node, i + 1);
      const top = r.getBoundingClientRect().top;
      if (lastTop !== null && top > lastTop + 2) out.push(`${prev}|${node.data[i]}`);
      lastTop = top;
      prev = node.data[i]!;
    }
    return out;
  });
}

describe('plain words and current state', () => {
  it('removing a provider whose revocation failed says the tokens were deleted here but may still be valid there', async () => {
    const { page } = d.app;
    await d.core.createCustomProvider({
      id: 'backup',
      displayName: 'Backup IdP',
      issuer: d.op.issuer,
      clientId: PUBLIC_CLIENT_ID,
      scopes: SCOPES,
    });
    await d.core.connectAccount('backup', { openUrl: (url) => void browseAuthorization(url, { login: 'carol' }) });
    d.gateway.revocation = 'fail';
    await nav(page, 'Settings');
    const row = page.getByRole('listitem', { name: 'provider Backup IdP' });
    await expect.poll(() => row.textContent()).toContain('1 account');
    await row.getByRole('button', { name: 'Remove Backup IdP' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disconnect 1 account and remove' }).click();
    const note = page.getByTestId('custom-providers-message');
    await expect.poll(() => note.textContent()).toMatch(/^Removed Backup IdP and disconnected 1 account\./);
    const host = new URL(d.op.issuer).host;
    expect(await note.textContent()).toBe(
      'Removed Backup IdP and disconnected 1 account. Its tokens were deleted here, but Backup IdP did not confirm the revocation, ' +
        `so they may still be valid there until they expire. To end access now, remove this app’s access in your account at ${host}.`,
    );
    expect(await note.getAttribute('class')).toContain('warn');
    expect(d.core.readLog(30).find((e) => e.event === 'revocation')).toMatchObject({ success: false, details: { error: 'network_error' } });
    d.gateway.revocation = 'pass';
  });

  it('after removing a provider, focus is on what comes next, not on the page body', async () => {
    const { page } = d.app;
    await d.core.createCustomProvider({ id: 'tmpop', issuer: d.op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: SCOPES });
    await nav(page, 'Accounts');
    await nav(page, 'Settings');
    const row = page.getByRole('listitem', { name: 'provider tmpop' });
    await row.getByRole('button', { name: 'Remove tmpop' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(() => page.getByTestId('custom-providers-message').textContent()).toBe('Removed tmpop.');
    await expect.poll(() => focused(page)).toBe('BUTTON:Add a provider…');
  });

  it('one message per place: "Added" gives way to "Removed"; an error goes when the field it is about changes', async () => {
    const { page } = d.app;
    await page.getByRole('button', { name: 'Add a provider…' }).click();
    const form = page.getByTestId('custom-provider-form');
    await form.getByLabel('Provider ID').fill('tmpop');
    await form.getByLabel('Issuer URL').fill(d.op.issuer);
    await form.getByLabel('Client ID').fill(PUBLIC_CLIENT_ID);
    await form.getByRole('button', { name: 'Add provider' }).click();
    const providers = page.locator('.custom-providers');
    await providers.getByRole('status').filter({ hasText: 'Added tmpop.' }).waitFor();
    await page.getByRole('listitem', { name: 'provider tmpop' }).getByRole('button', { name: 'Remove tmpop' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(() => providers.getByRole('status').allTextContents()).toEqual(['Removed tmpop.']);

    await page.getByRole('button', { name: 'Add a provider…' }).click();
    await form.getByLabel('Provider ID').fill('deadop');
    await form.getByLabel('Issuer URL').fill(DEAD_ISSUER);
    await form.getByLabel('Client ID').fill(PUBLIC_CLIENT_ID);
    await form.getByRole('button', { name: 'Add provider' }).click();
    const notice = form.getByTestId('error-notice');
    await notice.waitFor();
    // Plain words: what happened, the specific cause, what to do; the code once and small.
    expect(await notice.locator('.notice-title').textContent()).toBe('The provider’s configuration could not be loaded.');
    expect(await notice.locator('.notice-detail').textContent()).toBe(`Nothing answered at ${DEAD_ISSUER} (the connection was refused).`);
    const text = (await notice.textContent()) ?? '';
    expect(text.match(/discovery_failed/g)).toHaveLength(1);
    expect(text).not.toMatch(/network_error|OpenID discovery for|deadop:| — /);
    await form.getByLabel('Issuer URL').fill(d.op.issuer);
    await expect.poll(() => notice.count()).toBe(0);
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  it('Settings shows the stored timing and "Save timing" changes only what was edited', async () => {
    const { page } = d.app;
    d.core.updateSettings({ refreshWindowMs: 30_000, checkIntervalMs: 45_000 });
    await nav(page, 'Settings');
    const window = page.getByLabel('Refresh this many minutes before expiry');
    const interval = page.getByLabel('Check at least every (minutes)');
    await expect.poll(() => window.inputValue()).toBe('0.5');
    expect(await interval.inputValue()).toBe('0.75');
    await page.getByLabel('Refresh every account at least every (days)').fill('10');
    await page.getByRole('button', { name: 'Save timing' }).click();
    await page.getByRole('status').filter({ hasText: 'Refresh timing saved: every account at least every 10 days.' }).waitFor();
    expect(d.core.getSettings()).toMatchObject({ refreshWindowMs: 30_000, checkIntervalMs: 45_000, keepAliveDays: 10 });
    d.core.updateSettings({ refreshWindowMs: 300_000, checkIntervalMs: 300_000, keepAliveDays: 7 });
    await expect.poll(() => interval.inputValue()).toBe('5');
    // The saved note described the old values: it went when they changed.
    expect(await page.getByRole('status').filter({ hasText: 'Refresh timing saved' }).count()).toBe(0);
  });

  it('says in plain words why signing in on another device is not available', async () => {
    coreInternals(d.core).providers.register({
      id: 'deadop',
      displayName: 'Dead OP',
      issuer: DEAD_ISSUER,
      clientId: PUBLIC_CLIENT_ID,
      scopes: SCOPES,
    });
    const other = await d.open();
    try {
      const { page } = other;
      await nav(page, 'Connect');
      const unavailable = providerCard(page, 'Dead OP').getByTestId('device-unavailable');
      await expect
        .poll(() => unavailable.locator('.reason').textContent())
        .toBe('Sign in on another device is not available: the provider’s configuration could not be loaded.');
      expect(((await unavailable.textContent()) ?? '').match(/discovery_failed/g)).toHaveLength(1);
      expect(await unavailable.textContent()).not.toMatch(/ — |network_error|metadata/);
      expect(other.problems).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('Health lists failures first, with fixes in the app’s own terms, and promises only the checks it runs', async () => {
    const { page } = d.app;
    const logFile = join(d.home.dir, 'security.log');
    const lines = readFileSync(logFile, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"level":"info"'));
    const original = lines[at]!;
    lines[at] = original.replace('"level":"info"', '"level":"warn"');
    writeFileSync(logFile, lines.join('\n'));
    await nav(page, 'Health');
    const checks = page.getByRole('list', { name: 'Checks' }).getByRole('listitem');
    await checks.first().waitFor();
    const statuses = await checks.evaluateAll((els) => els.map((el) => /check-(pass|warn|fail)/.exec(el.className)?.[1]));
    expect(statuses[0]).toBe('fail');
    expect(statuses).toEqual([...statuses].sort((a, b) => ['fail', 'warn', 'pass'].indexOf(a!) - ['fail', 'warn', 'pass'].indexOf(b!)));
    const chain = checks.first();
    expect(await chain.locator('.check-title').textContent()).toBe('Security log chain');
    expect(await chain.locator('.fix').textContent()).toContain('Export log… in the Security log');
    expect(await chain.locator('.fix').textContent()).not.toContain('osmen-cred');
    expect((await page.locator('main').textContent()) ?? '').not.toContain('`');
    expect(await page.locator('#health-title + p').textContent()).toBe(
      'Checks of the master key and where it is kept, the OAuth clients, the data folder’s permissions and the security log.',
    );
    await shot(page, 'health-failing');
    await expectAccessible(page, 'health-failing');
    // Put the entry back as it was (entries written since stay).
    const now = readFileSync(logFile, 'utf8').split('\n');
    now[at] = original;
    writeFileSync(logFile, now.join('\n'));
    expect(d.core.verifyLog().ok).toBe(true);
  });

  it('no developer words in Connect’s intro or the footer', async () => {
    const { page } = d.app;
    await nav(page, 'Connect');
    const intro = (await page.locator('#connect-title + p').textContent()) ?? '';
    expect(intro).not.toMatch(/PKCE|loopback/i);
    expect(await page.locator('.sidebar-foot').textContent()).toBe('Master key given at start · v0.1.0');
  });

  it('a person’s own cancel is a quiet note; focus goes back to the Connect button', async () => {
    const { page } = d.app;
    const connect = page.getByRole('button', { name: `Connect ${OP_NAME}` });
    await connect.click();
    await d.opener.next();
    await page.getByTestId('sign-in-panel').getByRole('button', { name: 'Cancel' }).click();
    const note = providerCard(page, OP_NAME).getByRole('status').filter({ hasText: 'Sign-in cancelled.' });
    await note.waitFor();
    expect(await providerCard(page, OP_NAME).getByRole('alert').count()).toBe(0);
    expect(await providerCard(page, OP_NAME).getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await expect.poll(() => focused(page)).toBe(`BUTTON:Connect ${OP_NAME}`);
    // The note is about that attempt: the next one clears it.
    await connect.click();
    await d.opener.next();
    await expect.poll(() => note.count()).toBe(0);
    await page.getByTestId('sign-in-panel').getByRole('button', { name: 'Cancel' }).click();
  });

  it('the sign-in result page words a refusal and another account as the app does', async () => {
    const { browser } = d;
    // The person presses Cancel on the provider's page.
    const denied = d.core.connectAccount('testop', { openUrl: d.opener.open }).catch((e: unknown) => e);
    const ctx = await browser.newContext();
    try {
      const tab = await ctx.newPage();
      await tab.goto(await d.opener.next());
      await tab.getByRole('link', { name: '[ Cancel ]' }).click();
      await tab.waitForURL(/127\.0\.0\.1:\d+\/callback/);
      expect(await tab.locator('h1').textContent()).toBe('Not signed in');
      expect(await tab.locator('main p').first().textContent()).toBe(
        'Access was not granted on the provider’s page. Return to the app and connect again when you want to allow it.',
      );
      expect(await tab.locator('main').textContent()).not.toMatch(/access_denied|\(/);
      expect(await denied).toMatchObject({ code: 'access_denied' });

      // Reconnecting alice, someone signs in as bob.
      await d.core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'alice' }) });
      const mismatch = d.core
        .connectAccount('testop', { reconnect: { userId: 'alice@example.test' }, openUrl: d.opener.open })
        .catch((e: unknown) => e);
      await tab.goto(await d.opener.next());
      await tab.locator('input[name="login"]').fill('bob');
      await tab.locator('input[name="password"]').fill('correct horse battery staple');
      await tab.getByRole('button', { name: 'Sign-in' }).click();
      await tab.getByRole('button', { name: 'Continue' }).click();
      await tab.waitForURL(/127\.0\.0\.1:\d+\/callback/);
      expect(await tab.locator('main p').first().textContent()).toBe(
        'You signed in as a different account than the one you were reconnecting. Nothing was changed: return to the app and reconnect as that account.',
      );
      expect(await tab.locator('main').textContent()).not.toContain('account_mismatch');
      expect(await mismatch).toMatchObject({ code: 'account_mismatch' });
    } finally {
      await ctx.close();
    }
  });

  it('fits its placeholders and breaks Microsoft’s issuer between its parts, at 1280×800 and 800×600', async () => {
    await card(d.app.page, 'Test alice').count(); // (alice exists: the Accounts view has accounts)
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 800, height: 600 },
    ]) {
      const other = await d.open({ viewport });
      try {
        const { page } = other;
        const where = `${viewport.width}×${viewport.height}`;
        await nav(page, 'Connect');
        const ms = providerCard(page, 'Microsoft');
        await ms.getByLabel('Tenant').waitFor();
        expect({ where, cut: await cutPlaceholders(page) }).toEqual({ where, cut: [] });
        const issuer = await ms.locator('.provider-issuer').textContent();
        expect(issuer).toMatch(/^https:\/\/login\.microsoftonline\.com\//);
        const breaks = await breaksBefore(page, '.provider-card:has(h2:text-is("Microsoft")) .provider-issuer');
        if (viewport.width === 800) expect(breaks.length).toBeGreaterThan(0); // it does wrap in the small window
        for (const at of breaks) expect({ where, at }).toEqual({ where, at: expect.stringMatching(/^[/.]\|/) });
        await page.getByRole('button', { name: 'Add a provider…' }).count();
        await nav(page, 'Settings');
        await page.getByTestId('provider-google').waitFor();
        expect({ where, cut: await cutPlaceholders(page) }).toEqual({ where, cut: [] });
        await nav(page, 'Security log');
        await page.getByLabel('Search').waitFor();
        expect({ where, cut: await cutPlaceholders(page) }).toEqual({ where, cut: [] });
        expect(other.problems).toEqual([]);
      } finally {
        await other.close();
      }
    }
  });
});
