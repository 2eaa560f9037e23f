/**
 * A vault that cannot open (here: a malformed OAUTH_ENCRYPTION_KEY, which the
 * real core refuses) shows the locked-vault screen with the reason, stores
 * nothing, and every core channel answers VAULT_LOCKED.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore } from '../../src/main/core/credential-core.js';
import { toErrorDto } from '../../src/main/ipc/errors.js';
import { createHandlerTable } from '../../src/main/ipc/handlers.js';
import type { IpcErrorDto } from '../../src/shared/ipc-contract.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { SCREENSHOT_DIR, launchChromium, openApp, serveRenderer, type StaticServer } from './harness.js';

let server: StaticServer;
let browser: Browser;
const home = makeTmpHome('osmen-locked-');

beforeAll(async () => {
  server = await serveRenderer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  home.cleanup();
});

describe('locked vault', () => {
  it('shows why the vault is locked and how to fix it; nothing is stored', async () => {
    const dataDir = join(home.dir, 'data');
    let vaultError: IpcErrorDto | null = null;
    // What src/main/index.ts does: open the core; on failure keep the typed error for the UI.
    await createCredentialCore({ home: dataDir, env: { OAUTH_ENCRYPTION_KEY: 'not-a-valid-key' } }).then(
      () => {
        throw new Error('a malformed key must not open the vault');
      },
      (err: unknown) => {
        vaultError = toErrorDto(err);
      },
    );
    expect(vaultError).toMatchObject({ code: 'KEY_MALFORMED' });
    expect(!existsSync(dataDir) || !readdirSync(dataDir).some((f) => f.startsWith('tokens.db'))).toBe(true);

    const table = createHandlerTable({
      getCore: () => null,
      vaultError: () => vaultError,
      appInfo: { version: '0.1.0', platform: 'linux' },
      openExternal: () => undefined,
    });
    expect(await table.invoke('osmen:accounts:list', {})).toMatchObject({ ok: false, error: { code: 'VAULT_LOCKED' } });

    const app = await openApp(browser, server, table, null);
    try {
      await app.page.getByRole('heading', { name: 'The credential vault is locked' }).waitFor();
      expect(await app.page.getByRole('alert').textContent()).toBe(vaultError!.message);
      expect(await app.page.getByText('Error code: KEY_MALFORMED').isVisible()).toBe(true);
      expect(await app.page.getByRole('listitem').filter({ hasText: 'npm run keygen' }).isVisible()).toBe(true);
      await app.page.screenshot({ path: join(SCREENSHOT_DIR, 'locked-vault.png') });
      expect(app.calls).toEqual(['osmen:app:status']);
      expect(app.problems).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
