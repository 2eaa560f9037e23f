/// <reference lib="dom" />
/**
 * One desktop for an e2e file: a real OpenID Provider (oidc-provider) on
 * loopback behind the token gateway, the real core in a fresh data folder, the
 * real IPC handler table with the app's ports (the "system browser" is a queue
 * the test drives, the clipboard a list), the built renderer in Chromium.
 * Plus the helpers the e2e files share (navigation, cards, sign-in,
 * screenshots, axe).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright';
import { expect } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { createHandlerTable, type HandlerTable } from '../../src/main/ipc/handlers.js';
import { RejectionReporter } from '../../src/main/ipc/rejections.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { startTokenGateway, type TokenGateway } from './token-gateway.js';
import {
  BrowserOpener,
  SCREENSHOT_DIR,
  launchChromium,
  openApp,
  serveRenderer,
  signInAtProvider,
  type AppPage,
  type StaticServer,
} from './harness.js';
import type { CredentialCore } from '../../src/main/core/api.js';

export const OP_NAME = 'Example ID (local OP)';

export interface Desktop {
  op: TestProvider;
  gateway: TokenGateway;
  home: { dir: string; cleanup: () => void };
  core: CredentialCore;
  table: HandlerTable;
  server: StaticServer;
  browser: Browser;
  app: AppPage;
  /** The "system browser": sign-in URLs the app asked to open, in order. */
  opener: BrowserOpener;
  /** What the app put on the clipboard, in order. */
  clipboard: string[];
  /** Where the "save dialog" puts files (the log export): a temp folder, under the proposed name. */
  exportDir: string;
  /** Names the app proposed in the save dialog, in order. */
  saveRequests: string[];
  open(options?: Parameters<typeof openApp>[4]): Promise<AppPage>;
  /**
   * Replaces the vault: a new data folder, core, handler table and page (and opener, clipboard,
   * export folder); the OpenID Provider, the gateway (back to `pass`), the renderer server and
   * Chromium stay. For files whose tests each start from their own empty vault.
   */
  fresh(): Promise<void>;
  /** Every token value the current vault has held (access, refresh and ID tokens), read again now. */
  tokensSeen(): Set<string>;
  close(): Promise<void>;
}

export interface DesktopOptions {
  /** The environment the core reads client registrations from (default: none). */
  env?: NodeJS.ProcessEnv;
  /** The OP offers the device authorization grant (RFC 8628). */
  deviceFlow?: boolean;
}

type VaultParts = Pick<Desktop, 'home' | 'core' | 'table' | 'app' | 'opener' | 'clipboard' | 'exportDir' | 'saveRequests'> & {
  seen: Set<string>;
};

/** Reads every stored token into `seen`. */
function rememberTokens(core: CredentialCore, seen: Set<string>): void {
  const tokens = coreInternals(core).tokens;
  for (const a of tokens.listTokens()) {
    const t = tokens.getToken(a.provider, a.userId);
    for (const v of [t?.accessToken, t?.refreshToken, t?.idToken]) if (v) seen.add(v);
  }
}

async function openVaultParts(
  op: TestProvider,
  gateway: TokenGateway,
  server: StaticServer,
  browser: Browser,
  options: DesktopOptions,
): Promise<VaultParts> {
  const home = makeTmpHome('osmen-e2e-');
  const opener = new BrowserOpener();
  const clipboard: string[] = [];
  const exportDir = mkdtempSync(join(tmpdir(), 'osmen-e2e-export-'));
  const saveRequests: string[] = [];
  const core = await createCredentialCore({
    home: home.dir,
    encryptionKey: EncryptionManager.generateKey(),
    env: options.env ?? {},
    openUrl: opener.open,
    startScheduler: true,
    // Provider calls go out over real HTTP; the token endpoint passes the loopback gateway.
    fetch: gateway.fetch,
  });
  // The loopback OP, registered the way the OAuth tests do (prompt=consent for offline_access).
  coreInternals(core).providers.register({
    id: 'testop',
    displayName: OP_NAME,
    issuer: op.issuer,
    clientId: PUBLIC_CLIENT_ID,
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    extraAuthParams: { prompt: 'consent' },
  });
  // Each token the vault gets (a sign-in, a refresh, a rotation) is remembered as it is saved.
  const seen = new Set<string>();
  const remember = (): void => rememberTokens(core, seen);
  core.events.on('accounts-changed', remember);
  core.events.on('token-refreshed', remember);
  const table = createHandlerTable({
    getCore: () => core,
    vaultError: () => null,
    appInfo: { version: '0.1.0', platform: 'linux' },
    openExternal: () => undefined,
    openSignInPage: opener.open,
    writeClipboard: (text) => {
      clipboard.push(text);
    },
    // The save dialog: the person picks the proposed name in a temp folder.
    chooseSavePath: async (name) => {
      saveRequests.push(name);
      return join(exportDir, name);
    },
    reportRejection: new RejectionReporter(() => core.securityEvents),
  });
  const app = await openApp(browser, server, table, core.events);
  return { home, core, table, app, opener, clipboard, exportDir, saveRequests, seen };
}

async function closeVaultParts(v: VaultParts): Promise<void> {
  await v.app.close();
  await v.table.close(); // SDK endpoints, as the app stops them before the vault closes
  await v.core.close();
  v.home.cleanup();
  rmSync(v.exportDir, { recursive: true, force: true });
}

export async function startDesktop(options: DesktopOptions = {}): Promise<Desktop> {
  const op = await startTestProvider({ accessTokenTtl: 3600, ...(options.deviceFlow ? { deviceFlow: { interval: 1 } } : {}) });
  const gateway = await startTokenGateway(op.issuer);
  const server = await serveRenderer();
  const browser = await launchChromium();
  let vault = await openVaultParts(op, gateway, server, browser, options);
  const d: Desktop = {
    op,
    gateway,
    server,
    browser,
    ...vault,
    open: (o) => openApp(browser, server, d.table, d.core.events, o),
    async fresh() {
      await closeVaultParts(vault);
      gateway.mode = 'pass';
      gateway.revocation = 'pass';
      vault = await openVaultParts(op, gateway, server, browser, options);
      Object.assign(d, vault);
    },
    tokensSeen() {
      rememberTokens(vault.core, vault.seen);
      return new Set(vault.seen);
    },
    async close() {
      await closeVaultParts(vault);
      await browser.close();
      await server.close();
      await gateway.close();
      await op.close();
    },
  };
  return d;
}

/**
 * Where a token value reached the page: its DOM (markup, text and form values), a reply of
 * the handler table, or an event main sent. Empty when none did.
 */
export async function tokensOnPage(app: AppPage, tokens: Iterable<string>): Promise<string[]> {
  const dom = app.page.isClosed()
    ? ''
    : await app.page.evaluate(() =>
        [
          document.documentElement.outerHTML,
          ...Array.from(document.querySelectorAll('input, textarea, select'), (e) => (e as HTMLInputElement).value),
        ].join('\n'),
      );
  const where: Record<string, string> = {
    DOM: dom,
    'IPC replies': JSON.stringify(app.replies),
    'event payloads': JSON.stringify(app.events),
  };
  const found: string[] = [];
  for (const token of tokens) {
    for (const [place, text] of Object.entries(where)) if (text.includes(token)) found.push(`a stored token reached the ${place}`);
  }
  return found;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), animations: 'disabled', caret: 'hide' });
}

/** axe-core on the current view: no serious or critical violations. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${label}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

export async function nav(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name }).click();
  await expect
    .poll(() =>
      page
        .locator('h1')
        .first()
        .evaluate((h) => document.activeElement === h),
    )
    .toBe(true);
}

export function card(page: Page, name: string) {
  return page.getByRole('listitem', { name: new RegExp(`account ${name}$`) });
}

/** Clicks a connect-like button, then signs in at the provider in the "system browser". */
export async function signInVia(
  d: Desktop,
  click: () => Promise<void>,
  login: string,
  beforeSignIn?: (url: string) => Promise<void>,
): Promise<void> {
  await click();
  const url = await d.opener.next();
  expect(new URL(url).origin).toBe(d.op.issuer);
  expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
  await beforeSignIn?.(url);
  const browserTab = await signInAtProvider(d.browser, url, login);
  await browserTab.close();
}

/**
 * Waits until every call the page started before now has reached the handler
 * table: the page makes one more call and the binding delivers calls in order.
 */
export async function settle(app: AppPage): Promise<void> {
  await app.page.evaluate(() => (window as unknown as { osmen: { appStatus(): Promise<unknown> } }).osmen.appStatus());
}

export function countCalls(app: AppPage, channel: string): number {
  return app.calls.filter((c) => c === channel).length;
}

/** Stores an account straight in the real vault (for states a provider can't be asked for on cue). */
export function seedAccount(
  core: CredentialCore,
  userId: string,
  displayName: string,
  opts: { refreshToken?: boolean; needsReauth?: boolean } = {},
): void {
  coreInternals(core).tokens.saveToken(
    'testop',
    userId,
    {
      access_token: `seeded-access-${userId}`,
      ...(opts.refreshToken ? { refresh_token: `seeded-refresh-${userId}` } : {}),
      expires_in: 3600,
      scope: 'openid email',
    },
    { displayName },
  );
  if (opts.needsReauth) coreInternals(core).tokens.setStatus('testop', userId, { status: 'needs_reauth', detail: 'invalid_grant' });
  coreInternals(core).events.emit('accounts-changed');
}
