/**
 * A vault that cannot open shows the locked-vault screen with the advice for
 * its own error code (the real core's errors: a malformed
 * OAUTH_ENCRYPTION_KEY, a damaged tokens.db), stores nothing, answers every
 * core channel with VAULT_LOCKED, and offers Retry (which opens the vault once
 * the cause is fixed and switches to the normal view) and Quit.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { toErrorDto } from '../../src/main/ipc/errors.js';
import { createHandlerTable, type HandlerTable } from '../../src/main/ipc/handlers.js';
import type { IpcErrorDto } from '../../src/shared/ipc-contract.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { expectAccessible, shot } from './desktop-fixture.js';
import { launchChromium, openApp, serveRenderer, type StaticServer } from './harness.js';
import type { CredentialCore } from '../../src/main/core/api.js';

let server: StaticServer;
let browser: Browser;
const home = makeTmpHome('osmen-locked-');
const opened: CredentialCore[] = [];

/** What src/main/index.ts does: open the core; on failure keep the typed error for the UI; Retry runs it again. */
function lockedApp(dataDir: string, env: NodeJS.ProcessEnv) {
  let core: CredentialCore | null = null;
  let vaultError: IpcErrorDto | null = null;
  const state = { attempts: 0, quits: 0 };
  const open = async (): Promise<void> => {
    state.attempts += 1;
    try {
      core = await createCredentialCore({ home: dataDir, env });
      opened.push(core);
      vaultError = null;
    } catch (err) {
      vaultError = toErrorDto(err);
    }
  };
  const table: HandlerTable = createHandlerTable({
    getCore: () => core,
    vaultError: () => vaultError,
    appInfo: { version: '0.1.0', platform: 'linux' },
    openExternal: () => undefined,
    retryOpenVault: open,
    quit: () => {
      state.quits += 1;
    },
  });
  return { open, table, state, error: () => vaultError };
}

beforeAll(async () => {
  server = await serveRenderer();
  browser = await launchChromium();
});
afterAll(async () => {
  for (const core of opened) await core.close();
  await browser?.close();
  await server?.close();
  home.cleanup();
});

describe('locked vault', () => {
  it('a malformed key: its own advice, nothing stored; Retry after the fix opens the normal view', async () => {
    const dataDir = join(home.dir, 'key');
    const env: NodeJS.ProcessEnv = { OAUTH_ENCRYPTION_KEY: 'not-a-valid-key' };
    const locked = lockedApp(dataDir, env);
    await locked.open();
    expect(locked.error()).toMatchObject({ code: 'KEY_MALFORMED' });
    expect(!existsSync(dataDir) || !readdirSync(dataDir).some((f) => f.startsWith('tokens.db'))).toBe(true);
    expect(await locked.table.invoke('osmen:accounts:list', {})).toMatchObject({ ok: false, error: { code: 'VAULT_LOCKED' } });

    const app = await openApp(browser, server, locked.table, null);
    try {
      const { page } = app;
      await page.getByRole('heading', { name: 'The credential vault is locked' }).waitFor();
      expect(await page.getByRole('alert').textContent()).toBe('OAUTH_ENCRYPTION_KEY is set, but it is not a valid key.');
      expect(await page.getByTestId('locked-next').textContent()).toMatch(/quit and start the app again/);
      expect(await page.getByText(locked.error()!.message).isVisible()).toBe(true);
      expect(((await page.locator('main').textContent()) ?? '').match(/KEY_MALFORMED/g)).toHaveLength(1);
      // No developer words: no build command, no literal back-ticks.
      expect((await page.locator('main').textContent()) ?? '').not.toMatch(/npm run|`/);
      await shot(page, 'locked-vault');
      await expectAccessible(page, 'locked-vault');

      // Retry while the cause is still there: still locked, and it says so.
      await page.getByRole('button', { name: 'Retry' }).click();
      await page.getByRole('status').filter({ hasText: 'Still locked' }).waitFor();
      expect(locked.state.attempts).toBe(2);

      // The cause is fixed (here: a valid key), Retry opens the vault and the app switches views.
      env['OAUTH_ENCRYPTION_KEY'] = EncryptionManager.generateKey();
      await page.getByRole('button', { name: 'Retry' }).click();
      await page.getByRole('heading', { name: 'No accounts yet' }).waitFor();
      expect(locked.state.attempts).toBe(3);
      expect(app.calls.slice(0, 3)).toEqual(['osmen:app:status', 'osmen:app:retry-open-vault', 'osmen:app:retry-open-vault']);
      expect(app.calls).toContain('osmen:accounts:list');
      expect(app.problems).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('a damaged database: different advice for a different code; Quit quits', async () => {
    const dataDir = join(home.dir, 'db');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dataDir, 'tokens.db'), 'this is not a database '.repeat(200), { mode: 0o600 });
    const locked = lockedApp(dataDir, { OAUTH_ENCRYPTION_KEY: EncryptionManager.generateKey() });
    await locked.open();
    expect(locked.error()).toMatchObject({ code: 'DB_CORRUPT' });

    const app = await openApp(browser, server, locked.table, null, { viewport: { width: 800, height: 600 }, colorScheme: 'dark' });
    try {
      const { page } = app;
      await page.getByRole('heading', { name: 'The credential vault is locked' }).waitFor();
      expect(await page.getByRole('alert').textContent()).toBe('The token database is damaged.');
      expect(await page.getByTestId('locked-next').textContent()).toMatch(/move tokens\.db aside/);
      await shot(page, 'locked-vault-narrow-dark');
      await expectAccessible(page, 'locked-vault-db');
      await page.getByRole('button', { name: 'Quit' }).click();
      await expect.poll(() => locked.state.quits).toBe(1);
      expect(app.problems).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
