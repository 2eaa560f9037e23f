/// <reference lib="dom" />
/**
 * Settings → Providers end to end (built renderer in Chromium, real core and IPC table, real
 * OpenID Provider): Connect's hint for an unconfigured built-in leads to it; Google's client id
 * and secret are checked as they are typed and saved (secret in the vault, never shown again);
 * Microsoft's value from the environment, overridden by the app's and back with Clear; the
 * tenant checked and saved; a custom provider added (its discovery document fetched), refused
 * when added again, edited, its issuer kept while an account uses it, removed together with its
 * account; the keep-alive setting. Light and dark, 1280×800 and 800×600.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_CLIENT_ID } from '../helpers/oidc-provider.js';
import { expectAccessible, nav, shot, signInVia, startDesktop, type Desktop } from './desktop-fixture.js';
import { ROOT } from './harness.js';
import { coreInternals } from '../../src/main/core/credential-core.js';

const ENV_MS_ID = '00000000-1111-2222-3333-444444444444';
const APP_MS_ID = '99999999-8888-7777-6666-555555555555';
const GOOGLE_ID = '123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com';
const GOOGLE_SECRET = 'GOCSPX-e2e-CANARY-secret-7Hq2xYz';

let d: Desktop;

beforeAll(async () => {
  d = await startDesktop({ env: { MICROSOFT_CLIENT_ID: ENV_MS_ID } });
});
afterAll(async () => {
  await d?.close();
});

const panel = (page: Page, id: 'google' | 'microsoft') => page.getByTestId(`provider-${id}`);
/** The live check shown under a field. */
async function fieldCheck(page: Page, scope: ReturnType<Page['locator']>, label: string): Promise<string> {
  const input = scope.getByLabel(label, { exact: true });
  // The first description is the live check (a field may also point at its help text).
  const id = (await input.getAttribute('aria-describedby'))?.split(' ')[0];
  return (await page.locator(`[id="${id}"]`).textContent()) ?? '';
}

/** Scrolls the view (main, not the window) so the Providers section is at the top. */
async function showProviders(page: Page): Promise<void> {
  await page.evaluate(() => {
    const main = document.querySelector('main.content')!;
    const section = document.getElementById('providers')!;
    main.scrollTop += section.getBoundingClientRect().top - main.getBoundingClientRect().top - 16;
  });
}

/** A screenshot for looking at only (never into docs/screenshots). */
async function peek(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ROOT, 'test', 'e2e', 'artifacts', 'peek', `${name}.png`), animations: 'disabled', caret: 'hide' });
}

describe('Settings → Providers', () => {
  it('Connect’s hint for an unconfigured built-in leads to its client id in Settings', async () => {
    const { page } = d.app;
    await nav(page, 'Connect');
    const google = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Google' }) });
    // In the app's own words (the provider file's help), not an environment variable to set.
    expect(await google.getByText('Add the app’s Google client id in Settings → Providers', { exact: false }).isVisible()).toBe(true);
    expect(await google.textContent()).not.toContain('GOOGLE_CLIENT_ID');
    await google.getByRole('button', { name: 'Set up in Settings → Providers (Google)' }).click();
    const field = panel(page, 'google').getByLabel('Client ID', { exact: true });
    await expect.poll(() => field.evaluate((el) => document.activeElement === el)).toBe(true);
    expect(await field.isVisible()).toBe(true);
    expect(await panel(page, 'google').getByTestId('client-id-source').textContent()).toBe('Not set');

    // In a small window too, without scrolling the top bar away.
    const small = await d.open({ viewport: { width: 800, height: 600 } });
    try {
      await nav(small.page, 'Connect');
      await small.page.getByRole('button', { name: 'Set up in Settings → Providers (Google)' }).click();
      const ms = panel(small.page, 'google').getByLabel('Client ID', { exact: true });
      await expect.poll(() => ms.evaluate((el) => document.activeElement === el)).toBe(true);
      const box = (await ms.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(600);
      expect((await small.page.getByRole('navigation', { name: 'Sections' }).boundingBox())!.y).toBeGreaterThanOrEqual(0);
    } finally {
      await small.close();
    }
  });

  it('checks Google’s client id and secret as they are typed, and keeps the secret in the vault only', async () => {
    const { page } = d.app;
    const google = panel(page, 'google');
    const id = google.getByLabel('Client ID', { exact: true });
    await id.fill('123456789012-abc.apps.example.com');
    await expect.poll(() => fieldCheck(page, google, 'Client ID')).toMatch(/must end with \.apps\.googleusercontent\.com/);
    await peek(page, 'settings-google-check');
    expect(await google.getByRole('button', { name: 'Save Google client' }).isDisabled()).toBe(true);
    await id.fill(GOOGLE_ID);
    await expect.poll(() => fieldCheck(page, google, 'Client ID')).toMatch(/^✓The Google client id has the expected format/);
    await google.getByLabel('Client secret', { exact: true }).fill('not-the-usual-format');
    await expect.poll(() => fieldCheck(page, google, 'Client secret')).toMatch(/GOCSPX-/);
    await google.getByLabel('Client secret', { exact: true }).fill(GOOGLE_SECRET);
    await expect.poll(() => fieldCheck(page, google, 'Client secret')).toMatch(/^✓/);
    await google.getByRole('button', { name: 'Save Google client' }).click();
    await google
      .getByRole('status')
      .filter({ hasText: 'the client id set here is used from now on, with its secret kept in the vault' })
      .waitFor();

    expect(await google.getByTestId('client-id-source').textContent()).toBe('Set in this app (used instead of GOOGLE_CLIENT_ID)');
    expect(await google.getByTestId('client-secret-source').textContent()).toBe('Secret set, kept encrypted in the vault');
    expect(await google.getByLabel('Client secret', { exact: true }).inputValue()).toBe('');
    expect(coreInternals(d.core).tokens.readSecret('builtin/google/client_secret')).toBe(GOOGLE_SECRET);
    expect(readFileSync(join(d.home.dir, 'settings.json'), 'utf8')).not.toContain(GOOGLE_SECRET);
    expect(JSON.stringify(d.app.replies)).not.toContain(GOOGLE_SECRET);
    expect(await page.content()).not.toContain(GOOGLE_SECRET);

    // Connect offers Google now.
    await nav(page, 'Connect');
    await expect.poll(() => page.getByRole('button', { name: 'Connect Google' }).isEnabled()).toBe(true);
    await nav(page, 'Settings');
  });

  it('shows Microsoft’s value from the environment; the app’s wins, and Clear brings the environment’s back; the tenant is checked', async () => {
    const { page } = d.app;
    const ms = panel(page, 'microsoft');
    await ms.scrollIntoViewIfNeeded();
    expect(await ms.getByTestId('client-id-source').textContent()).toBe('From MICROSOFT_CLIENT_ID (environment or the data folder’s .env)');
    expect(await ms.getByText(ENV_MS_ID).isVisible()).toBe(true);
    await ms.getByLabel('Client ID', { exact: true }).fill('{' + APP_MS_ID + '}');
    await expect.poll(() => fieldCheck(page, ms, 'Client ID')).toMatch(/wrapped in braces/);
    await ms.getByLabel('Client ID', { exact: true }).fill(APP_MS_ID);
    await expect.poll(() => fieldCheck(page, ms, 'Client ID')).toMatch(/GUID, as expected/);
    await ms.getByRole('button', { name: 'Save Microsoft client' }).click();
    await expect.poll(() => ms.getByTestId('client-id-source').textContent()).toBe('Set in this app (used instead of MICROSOFT_CLIENT_ID)');
    expect(d.core.providerConfig().builtins[1]!.clientId).toEqual({ source: 'app', value: APP_MS_ID });

    await ms.getByRole('button', { name: 'Clear the app’s value' }).click();
    await expect
      .poll(() => ms.getByTestId('client-id-source').textContent())
      .toBe('From MICROSOFT_CLIENT_ID (environment or the data folder’s .env)');
    expect(d.core.providerConfig().builtins[1]!.clientId).toEqual({ source: 'environment', value: ENV_MS_ID });

    const tenant = ms.getByLabel('Tenant', { exact: true });
    expect(await tenant.inputValue()).toBe('common');
    await tenant.fill('contoso');
    await expect.poll(() => fieldCheck(page, ms, 'Tenant')).toMatch(/That is not a Microsoft tenant/);
    await peek(page, 'settings-tenant-check');
    expect(await ms.getByRole('button', { name: 'Save tenant' }).isDisabled()).toBe(true);
    await tenant.fill('organizations');
    await expect.poll(() => fieldCheck(page, ms, 'Tenant')).toMatch(/work and school accounts only/);
    await ms.getByRole('button', { name: 'Save tenant' }).click();
    await ms.getByRole('status').filter({ hasText: 'New Microsoft accounts sign in with the tenant “organizations”' }).waitFor();
    expect(d.core.providerConfig().builtins[1]!.options).toEqual([
      expect.objectContaining({ name: 'tenant', value: 'organizations', source: 'app' }),
    ]);
  });

  it('adds a custom provider (discovery checked), refuses its id again, and edits it', async () => {
    const { page } = d.app;
    await page.getByRole('button', { name: 'Add a provider…' }).click();
    const form = page.getByTestId('custom-provider-form');
    await form.getByLabel('Provider ID').fill('localop');
    await expect.poll(() => fieldCheck(page, form, 'Provider ID')).toBe('✓Available.');
    await form.getByLabel('Display name').fill('Local OP');
    await form.getByLabel('Issuer URL').fill(d.op.issuer);
    await expect
      .poll(() => fieldCheck(page, form, 'Issuer URL'))
      .toMatch(/http:\/\/ is accepted only because the issuer is on this computer/);
    await form.getByLabel('Client ID').fill(PUBLIC_CLIENT_ID);
    await form.getByRole('button', { name: 'Add provider' }).click();
    await page.getByRole('status').filter({ hasText: 'Added Local OP. Connect it from Connect.' }).waitFor();
    const row = page.getByRole('listitem', { name: 'provider Local OP' });
    expect(await row.textContent()).toContain(d.op.issuer);

    // The same id again: the check says so as it is typed, and nothing can overwrite it.
    await page.getByRole('button', { name: 'Add a provider…' }).click();
    await form.getByLabel('Provider ID').fill('localop');
    await expect.poll(() => fieldCheck(page, form, 'Provider ID')).toMatch(/exists already; adding it again would not replace it/);
    expect(await form.getByRole('button', { name: 'Add provider' }).isDisabled()).toBe(true);
    await form.getByRole('button', { name: 'Cancel' }).click();

    await row.getByRole('button', { name: 'Edit Local OP' }).click();
    const edit = page.getByTestId('custom-provider-form');
    await edit.getByLabel('Display name').fill('Local SSO');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved Local SSO.' }).waitFor();
    expect(d.core.listProviders().find((p) => p.id === 'localop')!.displayName).toBe('Local SSO');

    await nav(page, 'Connect');
    await signInVia(d, () => page.getByRole('button', { name: 'Connect Local SSO' }).click(), 'erin');
    await page.getByRole('heading', { name: 'Test erin' }).waitFor();
  });

  it('looks right at 1280×800 and 800×600, light and dark, and passes axe', async () => {
    const { page } = d.app;
    await nav(page, 'Settings');
    await page.getByRole('listitem', { name: 'provider Local SSO' }).waitFor();
    await showProviders(page);
    await shot(page, 'settings-providers');
    await expectAccessible(page, 'settings-providers');
    for (const [viewport, colorScheme] of [
      [{ width: 1280, height: 800 }, 'dark'],
      [{ width: 800, height: 600 }, 'light'],
      [{ width: 800, height: 600 }, 'dark'],
    ] as const) {
      const other = await d.open({ viewport, colorScheme });
      try {
        await nav(other.page, 'Settings');
        await other.page.getByRole('listitem', { name: 'provider Local SSO' }).waitFor();
        await showProviders(other.page);
        expect(await other.page.locator('main.content').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
        const name = `settings-providers-${viewport.width}-${colorScheme}`;
        if (viewport.width === 800 && colorScheme === 'dark') await shot(other.page, 'settings-providers-narrow-dark');
        else await peek(other.page, name);
        await expectAccessible(other.page, name);
        expect(other.problems).toEqual([]);
      } finally {
        await other.close();
      }
    }
    expect(d.app.problems).toEqual([]);
  });

  it('keeps a custom provider’s issuer while an account uses it, and removes it together with the account', async () => {
    const { page } = d.app;
    const edit = page.getByTestId('custom-provider-form');
    await nav(page, 'Settings');
    const used = page.getByRole('listitem', { name: 'provider Local SSO' });
    await expect.poll(() => used.textContent()).toContain('1 account');
    await used.getByRole('button', { name: 'Edit Local SSO' }).click();
    await edit.getByLabel('Issuer URL').fill('https://login.example.com');
    await edit.getByText('1 account is connected at the current issuer, so it can’t change.').waitFor();
    expect(await edit.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);
    await edit.getByRole('button', { name: 'Cancel' }).click();

    await used.getByRole('button', { name: 'Remove Local SSO' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect 1 account and remove Local SSO?' });
    await dialog.waitFor();
    await peek(page, 'provider-remove-confirm');
    await dialog.getByRole('button', { name: 'Disconnect 1 account and remove' }).click();
    await page.getByRole('status').filter({ hasText: 'Removed Local SSO and disconnected 1 account.' }).waitFor();
    expect(d.core.listAccounts()).toEqual([]);
    expect(d.core.listProviders().map((p) => p.id)).not.toContain('localop');
    expect(d.core.readLog(20).map((e) => e.event)).toEqual(expect.arrayContaining(['disconnect', 'provider_removed']));
  });

  it('sets keep-alive: every account refreshed at least every N days', async () => {
    const { page } = d.app;
    await nav(page, 'Settings');
    const days = page.getByLabel('Refresh every account at least every (days)');
    expect(await days.inputValue()).toBe('7');
    expect(await page.getByText('providers drop sign-ins that sit unused (Microsoft after 90 days)').isVisible()).toBe(true);
    await days.fill('14');
    await page.getByRole('button', { name: 'Save timing' }).click();
    await page.getByRole('status').filter({ hasText: 'every account at least every 14 days' }).waitFor();
    expect(d.core.getSettings().keepAliveDays).toBe(14);
    await days.fill('61');
    await page
      .locator('form')
      .first()
      .evaluate((f) => ((f as HTMLFormElement).noValidate = true));
    await page.getByRole('button', { name: 'Save timing' }).click();
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toBe('Refresh every account at least every 1 to 60 days (whole days).');
    expect(d.core.getSettings().keepAliveDays).toBe(14);
    await days.fill('14');
  });

  it('Connect → Microsoft: the Tenant box starts at the saved tenant; connecting changes it only when the person edited the box', async () => {
    d.core.setProviderOption('microsoft', 'tenant', 'contoso.onmicrosoft.com');
    const tenantSetting = () => d.core.providerConfig().builtins[1]!.options[0]!;
    const connects: unknown[] = [];
    const invoke = d.table.invoke.bind(d.table);
    d.table.invoke = (channel, payload) => {
      if (channel === 'osmen:accounts:connect') connects.push(payload);
      return invoke(channel, payload);
    };
    try {
      // A window opened now, as after a restart: it shows what is saved.
      for (const viewport of [
        { width: 1280, height: 800 },
        { width: 800, height: 600 },
      ]) {
        const win = await d.open({ viewport });
        try {
          const { page } = win;
          await nav(page, 'Connect');
          const ms = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Microsoft' }) });
          const box = ms.getByLabel('Tenant', { exact: true });
          expect(await box.inputValue()).toBe('contoso.onmicrosoft.com');
          await peek(page, `connect-tenant-${viewport.width}`);

          // Connect without touching the box: the request carries no tenant, the setting stays.
          const sent = connects.length;
          await ms.getByRole('button', { name: 'Connect Microsoft' }).click();
          await expect.poll(() => connects.length).toBe(sent + 1);
          expect(connects.at(-1)).toEqual({ providerId: 'microsoft' });
          d.core.cancelConnect();
          await expect.poll(() => ms.getByRole('button', { name: 'Connect Microsoft' }).isEnabled()).toBe(true);
          expect(tenantSetting()).toMatchObject({ value: 'contoso.onmicrosoft.com', source: 'app' });

          // Edited: that tenant is used and saved for later sign-ins.
          const edited = viewport.width === 1280 ? 'organizations' : 'consumers';
          await box.fill(edited);
          await ms.getByRole('button', { name: 'Connect Microsoft' }).click();
          await expect.poll(() => connects.length).toBe(sent + 2);
          expect(connects.at(-1)).toEqual({ providerId: 'microsoft', options: { tenant: edited } });
          d.core.cancelConnect();
          await expect.poll(() => tenantSetting()).toMatchObject({ value: edited, source: 'app' });
          await expect.poll(() => box.inputValue()).toBe(edited);
          d.core.setProviderOption('microsoft', 'tenant', 'contoso.onmicrosoft.com');
          expect(win.problems).toEqual([]);
        } finally {
          await win.close();
        }
      }
    } finally {
      d.table.invoke = invoke;
    }
  });
});
