/// <reference lib="dom" />
/**
 * The Security log view end to end (built renderer in Chromium, real core,
 * real security log file, real OpenID Provider): a search by an account's
 * e-mail finds its entries although the log stores only a keyed hash; failed
 * entries say what went wrong in plain words; an edited entry is marked with
 * what to do; the view works in an 800×600 window, light and dark.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OP_NAME, expectAccessible, nav, seedAccount, shot, signInVia, startDesktop, type Desktop } from './desktop-fixture.js';

let d: Desktop;

beforeAll(async () => {
  d = await startDesktop();
});

afterAll(async () => {
  await d?.close();
});

describe('Security log view', () => {
  it('(setup) alice connects and refreshes; bob’s refresh fails at the provider', async () => {
    const { page } = d.app;
    await nav(page, 'Connect');
    await signInVia(d, () => page.getByRole('button', { name: `Connect ${OP_NAME}` }).click(), 'alice');
    await page.getByRole('heading', { name: 'Test alice' }).waitFor();
    await d.core.refreshAccount('testop', 'alice@example.test');
    // Bob's grant is one the provider never issued: his refresh fails with invalid_grant, for real.
    seedAccount(d.core, 'bob@example.test', 'Bob Builder', { refreshToken: true });
    await expect(d.core.refreshAccount('testop', 'bob@example.test')).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('finds an account’s entries by its e-mail address (the app matches the keyed hashes locally)', async () => {
    const { page } = d.app;
    await nav(page, 'Security log');
    const rows = page.getByTestId('log-row');
    await rows.first().waitFor();
    const bobHash = d.core.userHash('bob@example.test');
    const bobEntries = d.core.readLog(1000).filter((e) => e.userHash === bobHash);
    expect(bobEntries.length).toBeGreaterThanOrEqual(2); // the failed refresh and needs_reauth
    expect(JSON.stringify(d.core.readLog(1000))).not.toContain('bob@example.test');

    await page.getByLabel('Search').fill('bob@example.test');
    await expect.poll(() => rows.count()).toBe(bobEntries.length);
    expect(new Set(await rows.getByTestId('log-account').allTextContents())).toEqual(new Set(['Bob Builderbob@example.test']));
    // By name as well, and another account's entries are not mixed in.
    await page.getByLabel('Search').fill('test alice');
    const aliceHash = d.core.userHash('alice@example.test');
    await expect.poll(() => rows.count()).toBe(d.core.readLog(1000).filter((e) => e.userHash === aliceHash).length);
    await page.getByLabel('Search').fill('');
  });

  it('says in plain words what failed, with the code once', async () => {
    const { page } = d.app;
    const failed = page
      .getByTestId('log-row')
      .filter({ has: page.getByTestId('log-event').getByText('refresh', { exact: true }) })
      .filter({ hasText: 'failed' });
    await failed.first().waitFor();
    const text = (await failed.first().textContent()) ?? '';
    expect(text).toContain('Refresh failed: The sign-in for this account expired or was revoked at the provider.');
    expect(text.match(/invalid_grant/g)).toHaveLength(1);
    const reauth = page.getByTestId('log-row').filter({ has: page.getByTestId('log-event').getByText('needs_reauth', { exact: true }) });
    expect(await reauth.first().textContent()).toContain('Needs sign-in again');
    await shot(page, 'log');
    await expectAccessible(page, 'log');
  });

  it('fits an 800×600 window, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const small = await d.open({ viewport: { width: 800, height: 600 }, colorScheme });
      try {
        await nav(small.page, 'Security log');
        const rows = small.page.getByTestId('log-row');
        await rows.first().waitFor();
        for (const selector of ['main.content', '.table-wrap', '.filters']) {
          expect({ selector, fits: await small.page.locator(selector).evaluate((el) => el.scrollWidth <= el.clientWidth) }).toEqual({
            selector,
            fits: true,
          });
        }
        // The filters and the first entry are on the first screen, without scrolling.
        for (const target of [small.page.getByLabel('Search'), small.page.getByLabel('Outcome'), rows.first().getByTestId('log-event')]) {
          const box = (await target.boundingBox())!;
          expect(box.y + box.height).toBeLessThanOrEqual(600);
          expect(box.x + box.width).toBeLessThanOrEqual(800);
        }
        await shot(small.page, colorScheme === 'light' ? 'log-narrow' : 'log-narrow-dark');
        await expectAccessible(small.page, `log-narrow-${colorScheme}`);
        expect(small.problems).toEqual([]);
      } finally {
        await small.close();
      }
    }
  });

  it('an edited entry is named, marked in the list, and the view says what to do', async () => {
    const { page } = d.app;
    const logFile = join(d.home.dir, 'security.log');
    const lines = readFileSync(logFile, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"event":"connect"') && l.includes('"success":true'));
    const seq = (JSON.parse(lines[at]!) as { seq: number }).seq;
    // Someone makes the successful connect look like a failed one.
    lines[at] = lines[at]!.replace('"success":true', '"success":false');
    writeFileSync(logFile, lines.join('\n'));

    await page.getByRole('button', { name: 'Verify again' }).click();
    const notice = page.getByTestId('tamper-notice');
    await notice.waitFor();
    expect(await notice.locator('strong').first().textContent()).toBe(
      `The log was changed after it was written: entry #${seq} no longer matches its hash.`,
    );
    expect(await notice.getByRole('listitem').first().textContent()).toMatch(/^Keep a copy of the log files/);
    expect(await page.getByTestId('chain-badge').textContent()).toBe(`✗ Tampering detected at entry ${seq}`);
    const marked = page.locator('[data-tampered]');
    expect(await marked.count()).toBe(1);
    expect(await marked.locator('td').first().textContent()).toBe(String(seq));
    expect(await marked.getByTestId('tamper-mark').textContent()).toBe('This entry fails the chain check: see the notice above.');
    await shot(page, 'log-tampered');
    await expectAccessible(page, 'log-tampered');
    expect(d.app.problems).toEqual([]);
  });
});
