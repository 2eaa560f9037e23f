/// <reference lib="dom" />
/**
 * The Accounts view saying clearly what is going on, end to end (built
 * renderer in Chromium, real core and IPC table, real OpenID Provider): one
 * list reload per refresh, the sign-in panel (in view, copy link, open again)
 * and the styled "Signed in" page, "Refresh all" naming what it skipped,
 * errors in plain language, the account detail with the `osmen-cred` command,
 * long names, search, focus after Disconnect, paused background refresh, and
 * the view at 800×600.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSettingsDto } from '../../src/main/ipc/dto.js';
import {
  OP_NAME,
  card,
  countCalls,
  expectAccessible,
  nav,
  seedAccount,
  settle,
  shot,
  signInVia,
  startDesktop,
  type Desktop,
} from './desktop-fixture.js';
import { signInAtProvider } from './harness.js';
import { coreInternals } from '../../src/main/core/credential-core.js';

const LIST = 'osmen:accounts:list';
const LONG_NAME = 'Maximiliane Konstantinopoulou-Featherstonehaugh, Head of Interdepartmental Credential Governance';
const LONG_ID = 'maximiliane.konstantinopoulou-featherstonehaugh.credential-governance@subsidiary.example.test';

let d: Desktop;

beforeAll(async () => {
  d = await startDesktop();
});

afterAll(async () => {
  await d?.close();
});

describe('Accounts view', () => {
  it('one refresh reloads the account list once, in the background and from "Refresh now"', async () => {
    const { page } = d.app;
    await nav(page, 'Connect');
    await signInVia(d, () => page.getByRole('button', { name: `Connect ${OP_NAME}` }).click(), 'alice');
    const alice = card(page, 'Test alice');
    await alice.waitFor();
    await expect.poll(() => alice.getByTestId('last-refresh').textContent()).toBe('never');
    await settle(d.app);

    // A background refresh (the scheduler's path): core events only.
    let before = countCalls(d.app, LIST);
    await d.core.refreshAccount('testop', 'alice@example.test');
    await expect.poll(() => alice.getByTestId('last-refresh').textContent()).toBe('just now');
    await settle(d.app);
    expect(countCalls(d.app, LIST) - before).toBe(1);

    // "Refresh now": the reply updates the card, the core's one accounts-changed reloads the list once.
    before = countCalls(d.app, LIST);
    await alice.getByRole('button', { name: 'Refresh now Test alice' }).click();
    await alice.getByRole('status').filter({ hasText: 'Refreshed.' }).waitFor();
    await expect.poll(() => countCalls(d.app, LIST) - before).toBeGreaterThanOrEqual(1);
    await settle(d.app);
    expect(countCalls(d.app, LIST) - before).toBe(1);
  });

  it('the sign-in panel stays in view with "copy sign-in link" and "open again"; the browser tab says it can be closed', async () => {
    const { page } = d.app;
    await nav(page, 'Connect');
    await page.getByRole('button', { name: `Connect ${OP_NAME}` }).click();
    const url = await d.opener.next();
    const panel = page.getByTestId('sign-in-panel');
    await panel.getByText(`A browser window opened for ${OP_NAME}`).waitFor();

    // Scrolled to the bottom of the Connect view, the panel is still on screen.
    await page.locator('main.content').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => page.locator('main.content').evaluate((el) => el.scrollTop)).toBeGreaterThan(100);
    const box = (await panel.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(page.viewportSize()!.height);

    await panel.getByRole('button', { name: 'Copy sign-in link' }).click();
    await panel.getByText('Sign-in link copied.').waitFor();
    expect(d.clipboard.at(-1)).toBe(url);
    await panel.getByRole('button', { name: 'Open again' }).click();
    expect(await d.opener.next()).toBe(url); // the same page, opened by main; the renderer sent no URL
    await shot(page, 'connect-progress');
    await expectAccessible(page, 'sign-in-panel');

    const tab = await signInAtProvider(d.browser, url, 'bob');
    try {
      await tab.page.getByRole('heading', { name: 'Signed in' }).waitFor();
      expect(await tab.page.locator('main').textContent()).toContain('You can close this tab');
      const style = await tab.page
        .locator('main')
        .evaluate((m) => ({ radius: getComputedStyle(m).borderRadius, align: getComputedStyle(m).textAlign }));
      expect(style).toEqual({ radius: '14px', align: 'center' });
      await shot(tab.page, 'signed-in');
    } finally {
      await tab.close();
    }
    await card(page, 'Test bob').waitFor();
    await expect.poll(() => panel.count()).toBe(0);
  });

  it('"Refresh all" says which accounts it skipped and why', async () => {
    const { page } = d.app;
    await nav(page, 'Accounts');
    seedAccount(d.core, 'nora@example.test', 'Nora No-Refresh');
    seedAccount(d.core, 'rita@example.test', 'Rita Reauth', { refreshToken: true, needsReauth: true });
    await card(page, 'Rita Reauth').waitFor();
    // Four accounts: few enough that no search box is offered yet.
    expect(await page.getByRole('search', { name: 'Find accounts' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Refresh all now' }).click();
    const report = page.getByTestId('refresh-report');
    await expect.poll(() => report.locator('p').first().textContent()).toBe('Refreshed 2 of 4 accounts; 2 skipped.');
    const items = await report.getByRole('listitem').allTextContents();
    expect(items).toEqual([
      expect.stringMatching(/^Nora No-Refresh was skipped: it holds no refresh token/),
      expect.stringMatching(/^Rita Reauth was skipped: it needs you to sign in again — press Reconnect/),
    ]);
    await shot(page, 'refresh-all-skipped');
    await expectAccessible(page, 'refresh-all-skipped');
  });

  it('a needs-re-auth card explains itself in plain words, shows the code once and no healthy countdown', async () => {
    const { page } = d.app;
    const rita = card(page, 'Rita Reauth');
    expect(await rita.getByTestId('account-status').textContent()).toBe('Needs re-auth');
    const notice = rita.getByTestId('error-notice');
    expect(await notice.locator('.notice-title').textContent()).toBe(
      'The sign-in for this account expired or was revoked at the provider.',
    );
    expect(await notice.locator('.notice-next').textContent()).toMatch(/^Reconnect it\./);
    const text = (await rita.textContent()) ?? '';
    expect(text.match(/invalid_grant/g)).toHaveLength(1);
    expect(await rita.getByTestId('expires-in').textContent()).toBe('not available until you reconnect');
    expect(text).not.toMatch(/expires in \d/);
    expect(await rita.locator('time').count()).toBe(0);
    expect(await rita.getByRole('button', { name: 'Reconnect Rita Reauth' }).isEnabled()).toBe(true);
  });

  it('the account detail: absolute expiry, last refresh, scopes, issuer and the osmen-cred command, never the token', async () => {
    const { page } = d.app;
    const alice = card(page, 'Test alice');
    await alice.getByRole('button', { name: 'Details Test alice' }).click();
    const detail = alice.getByTestId('account-detail');
    const meta = coreInternals(d.core).tokens.getMetadata('testop', 'alice@example.test')!;
    const expires = (await detail.getByTestId('expires-at').textContent()) ?? '';
    expect(expires).toContain(String(meta.expiresAt!.getUTCFullYear()));
    expect(expires).toContain(meta.expiresAt!.toISOString().slice(11, 19));
    expect(await detail.getByTestId('last-refresh-at').textContent()).toContain(meta.lastRefreshAt!.toISOString().slice(11, 19));
    expect(await detail.getByTestId('issuer').textContent()).toBe(d.op.issuer);
    expect(await detail.getByRole('list', { name: 'Scopes' }).getByRole('listitem').allTextContents()).toEqual(meta.scopes);
    expect(await detail.getByTestId('token-command').textContent()).toBe('osmen-cred token testop alice@example.test');

    await detail.getByRole('button', { name: 'Copy command' }).click();
    await detail.getByRole('status').filter({ hasText: 'Command copied.' }).waitFor();
    expect(d.clipboard.at(-1)).toBe('osmen-cred token testop alice@example.test');
    const token = coreInternals(d.core).tokens.getToken('testop', 'alice@example.test')!;
    const everything = JSON.stringify(d.app.replies) + (await page.content()) + d.clipboard.join('\n');
    expect(everything).not.toContain(token.accessToken);
    expect(everything).not.toContain(token.refreshToken!);
    await shot(page, 'account-detail');
    await expectAccessible(page, 'account-detail');
    await alice.getByRole('button', { name: 'Hide details Test alice' }).click();
  });

  it('a long name wraps inside its card: the status and Disconnect stay in it', async () => {
    const { page } = d.app;
    seedAccount(d.core, LONG_ID, LONG_NAME);
    const long = page.getByRole('listitem', { name: `${OP_NAME} account ${LONG_NAME}` });
    await long.waitFor();
    const inside = async (name: string, target: ReturnType<typeof long.getByRole>): Promise<void> => {
      const c = (await long.boundingBox())!;
      const b = (await target.boundingBox())!;
      expect({ name, left: b.x >= c.x, right: b.x + b.width <= c.x + c.width + 0.5 }).toEqual({ name, left: true, right: true });
    };
    await inside('status', long.getByTestId('account-status'));
    await inside('disconnect', long.getByRole('button', { name: `Disconnect ${LONG_NAME}` }));
    expect(await long.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    const list = page.getByRole('list', { name: 'Connected accounts' });
    expect(await list.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  });

  it('with more than a few accounts the view offers search and a status filter', async () => {
    const { page } = d.app;
    const search = page.getByRole('search', { name: 'Find accounts' });
    await search.waitFor();
    const names = () => page.getByRole('list', { name: 'Connected accounts' }).locator('h2').allTextContents();
    await search.getByLabel('Find an account').fill('bob@example');
    await expect.poll(names).toEqual(['Test bob']);
    expect(await search.getByRole('status').textContent()).toBe('Showing 1 of 5');
    await search.getByLabel('Find an account').fill('');
    await search.getByLabel('Show').selectOption('attention');
    await expect.poll(names).toEqual(['Rita Reauth']);
    await search.getByLabel('Show').selectOption('all');
    await expect.poll(async () => (await names()).length).toBe(5);
    await shot(page, 'accounts');
    await expectAccessible(page, 'accounts-many');
  });

  it('after Disconnect, focus moves to the next account instead of being lost', async () => {
    const { page } = d.app;
    const names = await page.getByRole('list', { name: 'Connected accounts' }).locator('h2').allTextContents();
    const at = names.indexOf('Nora No-Refresh');
    const expected = names[at + 1] ?? names[at - 1];
    await card(page, 'Nora No-Refresh').getByRole('button', { name: 'Disconnect Nora No-Refresh' }).click();
    await page.getByRole('dialog', { name: 'Disconnect this account?' }).getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('status').filter({ hasText: 'Disconnected Nora No-Refresh.' }).waitFor();
    await expect
      .poll(() => page.evaluate(() => (document.activeElement?.tagName ?? '') + ':' + (document.activeElement?.textContent ?? '')))
      .toBe(`H2:${expected}`);
  });

  it('paused background refresh shows on the Accounts view, and Resume works', async () => {
    const { page } = d.app;
    // What the tray's Pause does (src/main/index.ts): change the setting, tell the window.
    const paused = d.core.updateSettings({ backgroundRefreshPaused: true });
    await page.evaluate(([c, p]) => (window as unknown as { __osmenEmit(c: string, p: unknown): void }).__osmenEmit(c, p), [
      'osmen:event:settings-changed',
      toSettingsDto(paused),
    ] as const);
    const notice = page.getByTestId('paused-notice');
    await notice.getByText('Background refresh is paused.').waitFor();
    await shot(page, 'accounts-paused');
    await expectAccessible(page, 'accounts-paused');
    await notice.getByRole('button', { name: 'Resume background refresh' }).click();
    await expect.poll(() => notice.count()).toBe(0);
    expect(d.core.getSettings().backgroundRefreshPaused).toBe(false);
    expect(d.core.schedulerState().paused).toBe(false);
  });

  it('fits an 800×600 window, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const small = await d.open({ viewport: { width: 800, height: 600 }, colorScheme });
      try {
        const long = small.page.getByRole('listitem', { name: `${OP_NAME} account ${LONG_NAME}` });
        await long.waitFor();
        const content = small.page.locator('main.content');
        expect(await content.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
        const nav = (await small.page.getByRole('navigation', { name: 'Sections' }).boundingBox())!;
        expect(nav.y + nav.height).toBeLessThan(80); // a top bar, not a sidebar pushing the view down
        await shot(small.page, colorScheme === 'light' ? 'accounts-narrow' : 'accounts-narrow-dark');
        await expectAccessible(small.page, `accounts-narrow-${colorScheme}`);
        expect(small.problems).toEqual([]);
      } finally {
        await small.close();
      }
    }
  });
});
