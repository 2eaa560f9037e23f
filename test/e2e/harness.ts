/// <reference lib="dom" />
/**
 * The e2e harness: the BUILT renderer (out/renderer) served from a loopback
 * HTTP server with the production security headers, the BUILT preload
 * (out/preload/index.cjs) evaluated in the page, and the real IPC handler
 * table + real core in Node. Only the transport differs from the packaged
 * app: the preload's `require('electron')` gets an ipcRenderer whose invoke
 * goes over page.exposeBinding to the handler table, and whose events come
 * back through page.evaluate. Calls go through the app's own IPC registration
 * (register.ts) and its sender check, with the calling frame described as
 * Electron describes it.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import { securityHeaders } from '../../src/main/app/csp.js';
import { mimeTypeOf, resolveStaticPath } from '../../src/main/app/static-files.js';
import type { CoreEventBus } from '../../src/main/core/contracts/events.js';
import { forwardCoreEvents } from '../../src/main/ipc/events-bridge.js';
import type { HandlerTable } from '../../src/main/ipc/handlers.js';
import { registerIpc, type InvokeEvent } from '../../src/main/ipc/register.js';
import { RejectionReporter } from '../../src/main/ipc/rejections.js';
import { defaultChromiumLookup, findChromium } from './chromium-path.js';
import { screenshotDir } from './screenshot-dir.js';

export const ROOT = join(import.meta.dirname, '..', '..');
/** The one window the harness plays. */
const PAGE_WEBCONTENTS_ID = 1;
export const RENDERER_DIR = join(ROOT, 'out', 'renderer');
export const PRELOAD_FILE = join(ROOT, 'out', 'preload', 'index.cjs');
/** docs/screenshots with UPDATE_SCREENSHOTS=1, else the ignored test/e2e/artifacts/screenshots. */
export const SCREENSHOT_DIR = screenshotDir(ROOT);
mkdirSync(SCREENSHOT_DIR, { recursive: true });

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves out/renderer like the app:// handler does: same path check, same headers. */
export async function serveRenderer(dir = RENDERER_DIR): Promise<StaticServer> {
  const headers = securityHeaders();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = req.method === 'GET' ? resolveStaticPath(dir, url.pathname) : null;
    if (!file) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { ...headers, 'Content-Type': mimeTypeOf(file) }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/index.html`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(defaultChromiumLookup(() => chromium.executablePath())),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * The init script: a stand-in for Electron's sandboxed preload environment.
 * It provides `require('electron')` with contextBridge + ipcRenderer, then runs
 * the built preload bundle unchanged.
 */
function preloadInitScript(): string {
  const preload = readFileSync(PRELOAD_FILE, 'utf8');
  return `(() => {
  const listeners = new Map();
  const invoke = window.__osmenInvoke;
  const emit = (channel, payload) => {
    // Electron passes an IpcRendererEvent first; the preload must strip it.
    const fakeEvent = { sender: { invoke, note: 'IpcRendererEvent stand-in' }, ports: [] };
    for (const l of [...(listeners.get(channel) || [])]) l(fakeEvent, payload);
  };
  Object.defineProperty(window, '__osmenEmit', { value: emit });
  const ipcRenderer = {
    invoke: (channel, payload) => invoke(channel, payload),
    on: (channel, l) => { if (!listeners.has(channel)) listeners.set(channel, new Set()); listeners.get(channel).add(l); return ipcRenderer; },
    removeListener: (channel, l) => { listeners.get(channel)?.delete(l); return ipcRenderer; },
  };
  const contextBridge = {
    exposeInMainWorld: (key, api) => Object.defineProperty(window, key, { value: api, enumerable: true }),
  };
  const require = (name) => {
    if (name === 'electron') return { contextBridge, ipcRenderer };
    throw new Error('a sandboxed preload can only require electron, not ' + name);
  };
  const module = { exports: {} };
  (function (module, exports, require) {
${preload}
  })(module, module.exports, require);
})();`;
}

export interface AppPage {
  page: Page;
  context: BrowserContext;
  /** Calls that reached the handler table, in order (channel only). */
  calls: string[];
  /** Every reply the handler table sent to the page. */
  replies: unknown[];
  /** Every event main sent to the page (core events and the table's own), with its payload. */
  events: Array<{ channel: string; payload: unknown }>;
  /** CSP violations and page errors seen in the renderer. */
  problems: string[];
  close(): Promise<void>;
}

export async function openApp(
  browser: Browser,
  server: StaticServer,
  table: HandlerTable,
  events: CoreEventBus | null,
  options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<AppPage> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  // The OP's dev pages @import a web font; there is no internet here and none is needed.
  await context.route(/fonts\.googleapis\.com/, (route) => route.abort());
  const page = await context.newPage();
  const calls: string[] = [];
  const replies: unknown[] = [];
  const delivered: Array<{ channel: string; payload: unknown }> = [];
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));

  // The app's own IPC registration (src/main/ipc/register.ts) with its sender check, on an
  // ipcMain stand-in: each call arrives as Electron's invoke event would, naming the calling frame.
  const ipc = new Map<string, (event: InvokeEvent, payload: unknown) => Promise<unknown>>();
  const unregister = registerIpc(
    { handle: (channel, listener) => void ipc.set(channel, listener), removeHandler: (channel) => void ipc.delete(channel) },
    table,
    { allowedOrigins: [new URL(server.url).origin], trustedWebContents: () => new Set([PAGE_WEBCONTENTS_ID]) },
    new RejectionReporter(() => null),
  );
  const mainFrameRef = { url: '', parent: null };
  await page.exposeBinding('__osmenInvoke', async (source, channel: unknown, payload: unknown) => {
    const handler = typeof channel === 'string' ? ipc.get(channel) : undefined;
    if (!handler) return table.invoke(channel, payload); // unknown channels: the table's own typed refusal
    const isMain = source.frame === source.page.mainFrame();
    mainFrameRef.url = source.page.mainFrame().url();
    const senderFrame = isMain ? mainFrameRef : { url: source.frame.url(), parent: mainFrameRef };
    if (isMain) calls.push(String(channel));
    const reply = await handler({ sender: { id: PAGE_WEBCONTENTS_ID, mainFrame: mainFrameRef }, senderFrame }, payload);
    if (isMain) replies.push(reply);
    return reply;
  });
  await page.addInitScript({ content: preloadInitScript() });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });

  const deliver = (channel: string, payload: unknown): void => {
    if (page.isClosed()) return;
    delivered.push({ channel, payload });
    page
      .evaluate(([c, p]) => (window as unknown as { __osmenEmit(c: string, p: unknown): void }).__osmenEmit(c, p), [
        channel,
        payload,
      ] as const)
      .catch(() => undefined);
  };
  // Core events and the table's own (the sign-in state), as src/main/index.ts forwards them.
  const offCore = events ? forwardCoreEvents(events, deliver) : () => undefined;
  const offTable = table.subscribe(deliver);
  const unsubscribe = (): void => {
    offCore();
    offTable();
    unregister();
  };

  await page.goto(server.url);
  return {
    page,
    context,
    calls,
    replies,
    events: delivered,
    problems,
    async close() {
      unsubscribe();
      await context.close();
    },
  };
}

/**
 * The "system browser": a separate browser context (its own cookies, like a real
 * browser next to the app) that drives oidc-provider's real login and consent
 * pages until the app's loopback page says "Signed in".
 */
export async function signInAtProvider(browser: Browser, authUrl: string, login: string): Promise<{ page: Page; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  await context.route(/fonts\.googleapis\.com/, (route) => route.abort());
  const page = await context.newPage();
  await page.goto(authUrl, { waitUntil: 'domcontentloaded' });
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
  await page
    .getByText(/Signed in/i)
    .first()
    .waitFor();
  return { page, close: () => context.close() };
}

/** A queue of authorization URLs the core asked to open ("the system browser"). */
export class BrowserOpener {
  private readonly waiting: Array<(url: string) => void> = [];
  private readonly pending: string[] = [];
  readonly open = (url: string): void => {
    const next = this.waiting.shift();
    if (next) next(url);
    else this.pending.push(url);
  };
  next(): Promise<string> {
    const ready = this.pending.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/** Seconds in an "in 59m 58s" / "in 45s" / "in 1h 05m" countdown. */
export function countdownSeconds(text: string): number {
  const m = /in\s+(?:(\d+)d\s*)?(?:(\d+)h\s*)?(?:(\d+)m\s*)?(?:(\d+)s)?/.exec(text);
  if (!m) throw new Error(`not a countdown: ${text}`);
  const [, d = '0', h = '0', min = '0', s = '0'] = m;
  return Number(d) * 86_400 + Number(h) * 3600 + Number(min) * 60 + Number(s);
}
