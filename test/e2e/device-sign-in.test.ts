/// <reference lib="dom" />
/**
 * "Sign in on another device" (RFC 8628) end to end: the built renderer in Chromium, the real
 * core and IPC table, a real OpenID Provider with its device flow on, and the person's other
 * device driving the provider's verification pages over HTTP. Offered only where the provider's
 * metadata has a device endpoint (and says why not elsewhere); the code large and copyable, the
 * page (with the code filled in) opened by main, the expiry counting down, Cancel; never a
 * device code or a token in the renderer.
 */
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browseDeviceVerification, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { OP_NAME, card, expectAccessible, nav, shot, startDesktop, type Desktop } from './desktop-fixture.js';
import { countdownSeconds } from './harness.js';

let d: Desktop;
let plain: TestProvider;
/** Device codes the provider issued: none may reach the renderer. */
const deviceCodes: string[] = [];

beforeAll(async () => {
  d = await startDesktop({ deviceFlow: true });
  d.op.provider.on('device_authorization.success', (_ctx: unknown, body: Record<string, unknown>) => {
    if (typeof body.device_code === 'string') deviceCodes.push(body.device_code);
  });
  plain = await startTestProvider();
  await d.core.createCustomProvider({
    id: 'plainop',
    displayName: 'Plain OP',
    issuer: plain.issuer,
    clientId: PUBLIC_CLIENT_ID,
    scopes: ['openid', 'email', 'offline_access'],
  });
});
afterAll(async () => {
  await d?.close();
  await plain?.close();
});

const providerCard = (page: Page, name: string) =>
  page.getByRole('listitem').filter({ has: page.getByRole('heading', { name, exact: true }) });
const panel = (page: Page) => page.getByTestId('device-panel');

describe('Sign in on another device', () => {
  it('is offered where the provider’s metadata has a device endpoint, and says why not elsewhere', async () => {
    const { page } = d.app;
    await nav(page, 'Connect');
    const device = providerCard(page, OP_NAME).getByRole('button', { name: `Sign in on another device (${OP_NAME})` });
    await expect.poll(() => device.isEnabled()).toBe(true);
    const unavailable = providerCard(page, 'Plain OP').getByTestId('device-unavailable');
    await expect
      .poll(() => unavailable.locator('.reason').textContent())
      .toBe('Sign in on another device is not available: Plain OP does not offer it.');
    expect(await unavailable.locator('.notice-code').textContent()).toBe('Code device_flow_unsupported');
    // An unconfigured provider offers neither; its hint says what to set.
    expect(await providerCard(page, 'Google').getByText('Sign in on another device').count()).toBe(0);
  });

  it('shows where to go and the code, copies it, opens the page through main, counts down, and connects', async () => {
    const { page } = d.app;
    await providerCard(page, OP_NAME)
      .getByRole('button', { name: `Sign in on another device (${OP_NAME})` })
      .click();
    const code = panel(page).getByTestId('device-code');
    await code.waitFor();
    const state = await d.table.invoke('osmen:accounts:device-state', {});
    if (!state.ok) throw new Error('no device state');
    const shown = (state.value as { code: { userCode: string; verificationUri: string; verificationUriComplete: string } }).code;
    expect(await code.textContent()).toBe(shown.userCode);
    expect(await panel(page).getByTestId('device-uri').textContent()).toBe(`${d.op.issuer}/device`);
    expect(await panel(page).textContent()).toContain(shown.verificationUriComplete);
    const fontSize = await code.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(24);

    const expiry = panel(page).getByTestId('device-expiry');
    const first = countdownSeconds((await expiry.textContent()) ?? '');
    expect(first).toBeGreaterThan(500);
    expect(first).toBeLessThanOrEqual(600);
    await page.waitForFunction(
      (before) => document.querySelector('[data-testid="device-expiry"]')?.textContent !== before,
      await expiry.textContent(),
    );
    expect(countdownSeconds((await expiry.textContent()) ?? '')).toBeLessThan(first);

    await panel(page).getByRole('button', { name: 'Copy code' }).click();
    await panel(page).getByText('Code copied.').waitFor();
    expect(d.clipboard.at(-1)).toBe(shown.userCode);
    await panel(page).getByRole('button', { name: 'Open the page' }).click();
    // The page main opened: the provider's own, with the code filled in (the allow-listed sign-in opener).
    expect(await d.opener.next()).toBe(shown.verificationUriComplete);

    await shot(page, 'connect-device');
    await expectAccessible(page, 'connect-device');
    // A second window shows the same sign-in (state from main), 800×600 and dark.
    const small = await d.open({ viewport: { width: 800, height: 600 }, colorScheme: 'dark' });
    try {
      await nav(small.page, 'Connect');
      await panel(small.page).getByTestId('device-code').waitFor();
      expect(await panel(small.page).getByTestId('device-code').textContent()).toBe(shown.userCode);
      expect(await small.page.locator('main.content').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      const box = (await panel(small.page).getByRole('button', { name: 'Cancel' }).boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(600);
      await shot(small.page, 'connect-device-narrow-dark');
      await expectAccessible(small.page, 'connect-device-narrow-dark');
      expect(small.problems).toEqual([]);
    } finally {
      await small.close();
    }

    // The person approves on the other device.
    await browseDeviceVerification(shown.verificationUriComplete, { login: 'dave' });
    await card(page, 'Test dave').waitFor();
    expect(await panel(page).count()).toBe(0);
    expect(d.core.listAccounts().map((a) => a.userId)).toEqual(['dave@example.test']);
  });

  it('Cancel stops it: a quiet note (the person’s own cancel is no error), focus back on Connect, nothing stored', async () => {
    const { page } = d.app;
    await nav(page, 'Connect');
    await providerCard(page, OP_NAME)
      .getByRole('button', { name: `Sign in on another device (${OP_NAME})` })
      .click();
    await panel(page).getByTestId('device-code').waitFor();
    await panel(page).getByRole('button', { name: 'Cancel' }).click();
    await providerCard(page, OP_NAME).getByRole('status').filter({ hasText: 'Sign-in cancelled.' }).waitFor();
    expect(await providerCard(page, OP_NAME).getByRole('alert').count()).toBe(0);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe(`Connect ${OP_NAME}`);
    expect(await panel(page).count()).toBe(0);
    expect(d.core.listAccounts()).toHaveLength(1);
  });

  it('never put a device code or a token in front of the renderer', async () => {
    expect(deviceCodes.length).toBe(2);
    const replies = JSON.stringify(d.app.replies);
    const html = await d.app.page.content();
    for (const code of deviceCodes) {
      expect(replies).not.toContain(code);
      expect(html).not.toContain(code);
    }
    expect(replies).not.toMatch(/device_code|access_token|refresh_token/);
    expect(d.app.problems).toEqual([]);
  });
});
