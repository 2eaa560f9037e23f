/// <reference lib="dom" />
/**
 * The Security log in words, end to end (built renderer in Chromium, real core and log files,
 * real OpenID Provider with its device flow): levels follow what happened (a person's own cancel
 * is information, in the browser and on another device alike; removing a provider is not an
 * error), each event is named for what it is (an edited provider is not "added"), details are
 * in words; a removed provider keeps its name in the filter; an e-mail search that can't find a
 * disconnected account says why; "Save shown" says what it saved and where; one message at a
 * time above the log (an export note goes when a tamper alarm comes).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_CLIENT_ID, browseAuthorization } from '../helpers/oidc-provider.js';
import { expectAccessible, nav, shot, startDesktop, type Desktop } from './desktop-fixture.js';

let d: Desktop;
const SCOPES = ['openid', 'email', 'profile', 'offline_access'];
/** Words that belong in code, not on a screen. */
const FIELD_NAMES = /errorClass|retryable|needsReauth|retryAfterMs|reason backup/;

beforeAll(async () => {
  d = await startDesktop({ deviceFlow: true });
});
afterAll(async () => {
  await d?.close();
});

const row = (page: Page, event: string) =>
  page.getByTestId('log-row').filter({ has: page.getByTestId('log-event').getByText(event, { exact: true }) });

describe('Security log in words', () => {
  it('(setup) a provider added, edited and removed with its account; cancelled sign-ins; a refresh the provider defers; bob disconnected', async () => {
    const { core, op } = d;
    await core.createCustomProvider({
      id: 'backup',
      displayName: 'Backup IdP',
      issuer: op.issuer,
      clientId: PUBLIC_CLIENT_ID,
      scopes: SCOPES,
    });
    await core.updateCustomProvider({
      id: 'backup',
      displayName: 'Backup SSO',
      issuer: op.issuer,
      clientId: PUBLIC_CLIENT_ID,
      clientSecret: { action: 'keep' },
      scopes: SCOPES,
    });
    await core.connectAccount('backup', { openUrl: (url) => void browseAuthorization(url, { login: 'carol' }) });
    await core.removeCustomProviderAndAccounts('backup', { disconnectAccounts: true });

    // The person cancels a sign-in in the browser, then one on another device.
    const browser = core.connectAccount('testop').catch((e: unknown) => e);
    await d.opener.next();
    core.cancelConnect();
    expect(await browser).toMatchObject({ code: 'cancelled' });
    const device = await core.connectAccountWithDevice('testop', { onUserCode: () => void core.cancelConnect() }).catch((e: unknown) => e);
    expect(device).toMatchObject({ code: 'cancelled' });

    await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'alice' }) });
    d.gateway.mode = 'fail'; // 503 with Retry-After: 120
    await expect(core.refreshAccount('testop', 'alice@example.test')).rejects.toMatchObject({ code: 'temporarily_unavailable' });
    d.gateway.mode = 'pass';
    await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'bob' }) });
    await core.disconnectAccount('testop', 'bob@example.test');
  });

  it('the core logs levels and names for what happened', () => {
    const log = d.core.readLog(200);
    expect(log.filter((e) => e.event === 'provider_added')).toHaveLength(1);
    expect(log.find((e) => e.event === 'provider_updated')).toMatchObject({
      level: 'info',
      details: { provider: 'backup', displayName: 'Backup SSO' },
    });
    expect(log.find((e) => e.event === 'provider_removed')).toMatchObject({ level: 'info', details: { provider: 'backup' } });
    const cancels = log.filter((e) => e.event === 'connect' && e.details['error'] === 'cancelled');
    expect(cancels).toHaveLength(2);
    for (const c of cancels) expect(c).toMatchObject({ level: 'info', category: 'oauth', provider: 'testop', success: false });
    expect(cancels.map((c) => c.details['source'] ?? 'browser').sort()).toEqual(['browser', 'device']);
  });

  it('shows each event for what it is, at its level, with details in words', async () => {
    const { page } = d.app;
    await nav(page, 'Security log');
    await page.getByTestId('log-row').first().waitFor();

    expect(await row(page, 'provider_added').locator('.what').textContent()).toBe('Provider added: Backup IdP');
    expect(await row(page, 'provider_updated').locator('.what').textContent()).toBe('Provider settings changed: Backup SSO');
    const removed = row(page, 'provider_removed');
    expect(await removed.locator('.what').textContent()).toBe('Provider removed: Backup SSO');
    expect(await removed.getAttribute('class')).toBe('level-info');
    expect(await removed.locator('.pill').count()).toBe(0);

    const cancelled = page.getByTestId('log-row').filter({ hasText: 'Sign-in cancelled' });
    expect(await cancelled.count()).toBe(2);
    for (const r of await cancelled.all()) {
      expect(await r.getAttribute('class')).toBe('level-info');
      expect(await r.locator('.pill').textContent()).toBe('cancelled');
    }
    expect(await cancelled.locator('.details').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('on another device')]),
    );

    const deferred = row(page, 'refresh').filter({ hasText: 'Refresh failed' }).first();
    expect(await deferred.locator('.details').textContent()).toContain('retry in 2 minutes');
    expect(await deferred.locator('.details').textContent()).toContain('HTTP 503');
    expect((await page.locator('.log-table').textContent()) ?? '').not.toMatch(FIELD_NAMES);

    // "Failed or warning" leaves out a person's own cancel and the removal.
    await page.getByLabel('Outcome').selectOption('failure');
    await expect.poll(() => page.getByTestId('log-row').filter({ hasText: 'Sign-in cancelled' }).count()).toBe(0);
    expect(await row(page, 'provider_removed').count()).toBe(0);
    expect(await page.getByTestId('log-row').filter({ hasText: 'Refresh failed' }).count()).toBeGreaterThan(0);
    await page.getByLabel('Outcome').selectOption('all');
    await shot(page, 'log-words');
    await expectAccessible(page, 'log-words');
  });

  it('keeps a removed provider’s name in the filter', async () => {
    // A window opened now: the app's provider list no longer has it.
    const other = await d.open();
    try {
      const { page } = other;
      await nav(page, 'Security log');
      await page.getByTestId('log-row').first().waitFor();
      const options = await page.getByLabel('Provider').locator('option').allTextContents();
      expect(options).toContain('Backup SSO'); // the name it had last
      expect(options).not.toContain('backup');
      await page.getByLabel('Provider').selectOption({ label: 'Backup SSO' });
      // Its entries name it too (the event column).
      await expect.poll(() => page.getByTestId('log-row').first().locator('td').nth(2).textContent()).toContain('Backup SSO');
      expect(other.problems).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('says why an e-mail search finds nothing for a disconnected account', async () => {
    const { page } = d.app;
    const bob = d.core.userHash('bob@example.test');
    const rows = d.core.readLog(200).filter((e) => e.userHash === bob);
    expect(rows.length).toBeGreaterThanOrEqual(2); // his connect and disconnect
    await page.getByLabel('Search').fill('bob@example.test');
    const empty = page.getByTestId('log-empty');
    await expect.poll(() => empty.textContent()).toMatch(/^No entries match these filters\./);
    expect(await empty.textContent()).toContain(
      'The log keeps only a keyed hash of each account, so an account that is not connected now can’t be found by its e-mail address',
    );
    await page.getByLabel('Search').fill('');
    const account = page
      .getByTestId('log-account')
      .filter({ hasText: bob.slice(0, 10) })
      .first();
    expect(await account.textContent()).toBe(`not connected now (${bob.slice(0, 10)})`);
  });

  it('"Save shown as JSON lines" saves where the person chose and says what it saved', async () => {
    const { page } = d.app;
    await page.getByLabel('Event').selectOption('connect');
    const shown = await page.getByTestId('log-row').count();
    await page.getByRole('button', { name: 'Save shown as JSON lines' }).click();
    const done = page.getByTestId('log-message');
    await expect.poll(() => done.textContent()).toMatch(/^Saved /);
    const name = d.saveRequests.at(-1)!;
    expect(name).toMatch(/^osmen-security-log-shown-.*\.jsonl$/);
    const path = join(d.exportDir, name);
    expect(await done.textContent()).toBe(`Saved the ${shown} entries shown, newest first, to ${path}.`);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(shown);
    expect(lines.every((l) => (JSON.parse(l) as { event: string }).event === 'connect')).toBe(true);
    await page.getByLabel('Event').selectOption('');
  });

  it('one message above the log: an export note goes when the tamper alarm comes', async () => {
    const { page } = d.app;
    await page.getByRole('button', { name: 'Export log…' }).click();
    await expect.poll(() => page.getByTestId('log-message').textContent()).toMatch(/^Exported \d+ entries/);
    expect(await page.getByTestId('log-message').count()).toBe(1);

    const logFile = join(d.home.dir, 'security.log');
    const lines = readFileSync(logFile, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"event":"provider_added"'));
    lines[at] = lines[at]!.replace('Backup IdP', 'Backup IdQ');
    writeFileSync(logFile, lines.join('\n'));
    await page.getByRole('button', { name: 'Verify again' }).click();
    await page.getByTestId('tamper-notice').waitFor();
    expect(await page.getByTestId('log-message').count()).toBe(0);
  });
});
