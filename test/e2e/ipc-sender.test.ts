/**
 * The IPC sender check as the app registers it (src/main/ipc/register.ts), from the built
 * renderer in Chromium: the page's main frame is answered, a frame inside the page is refused
 * with FORBIDDEN_SENDER before the core is reached.
 */
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { createHandlerTable } from '../../src/main/ipc/handlers.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { launchChromium, openApp, serveRenderer, type StaticServer } from './harness.js';
import type { CredentialCore } from '../../src/main/core/api.js';

let server: StaticServer;
let browser: Browser;
let core: CredentialCore;
const home = makeTmpHome('osmen-e2e-sender-');

beforeAll(async () => {
  server = await serveRenderer();
  browser = await launchChromium();
  core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: {} });
});
afterAll(async () => {
  await core.close();
  await browser?.close();
  await server?.close();
  home.cleanup();
});

describe('IPC sender check in the page', () => {
  it('answers the main frame and refuses a frame inside the page', async () => {
    const table = createHandlerTable({
      getCore: () => core,
      vaultError: () => null,
      appInfo: { version: 't', platform: 'linux' },
      openExternal: () => undefined,
    });
    const app = await openApp(browser, server, table, core.events);
    try {
      const { page } = app;
      const invoke = (channel: string) =>
        (window as unknown as { __osmenInvoke(c: string, p: unknown): Promise<unknown> }).__osmenInvoke(channel, {});
      await expect(page.evaluate(invoke, 'osmen:accounts:list')).resolves.toEqual({ ok: true, value: [] });
      const attached = page.waitForEvent('frameattached');
      await page.evaluate(() => {
        const f = document.createElement('iframe');
        f.name = 'inner';
        document.body.appendChild(f);
      });
      const inner = await attached;
      // The binding reaches every frame of the page; wait until the new one has it.
      await inner.waitForFunction(() => typeof (window as unknown as { __osmenInvoke?: unknown }).__osmenInvoke === 'function');
      const before = app.calls.length;
      await expect(inner.evaluate(invoke, 'osmen:accounts:list')).resolves.toEqual({
        ok: false,
        error: { code: 'FORBIDDEN_SENDER', message: 'This caller may not use the credential API.' },
      });
      expect(app.calls.length).toBe(before);
    } finally {
      await app.close();
    }
  });
});
