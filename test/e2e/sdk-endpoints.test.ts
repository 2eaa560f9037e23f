/// <reference lib="dom" />
/**
 * An account's details start and stop SDK endpoints (what `osmen-cred serve` does), end to end:
 * built renderer in Chromium, real core and IPC table, real OpenID Provider. The endpoint the
 * form starts answers Google's metadata protocol with the account's token; "Copy variables" puts
 * them on the clipboard (Azure's secret included), while the secret never reaches the page;
 * Stop closes the port; a non-loopback address is warned about; a bad one is explained.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreInternals } from '../../src/main/core/credential-core.js';
import { OP_NAME, card, expectAccessible, nav, shot, signInVia, startDesktop, tokensOnPage, type Desktop } from './desktop-fixture.js';

let d: Desktop;

beforeAll(async () => {
  d = await startDesktop();
});
afterAll(async () => {
  await d?.close();
});

function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe("an account's SDK endpoints", () => {
  it('starts a Google endpoint that serves the account, copies its variables, stops it', async () => {
    const { page } = d.app;
    await nav(page, 'Connect');
    await signInVia(d, () => page.getByRole('button', { name: `Connect ${OP_NAME}` }).click(), 'alice');
    const alice = card(page, 'Test alice');
    await alice.waitFor();
    await alice.getByRole('button', { name: 'Details Test alice' }).click();
    const section = alice.getByTestId('sdk-endpoints');
    await section.getByRole('heading', { name: 'Google and Azure SDKs' }).waitFor();

    const form = section.getByRole('form', { name: 'Start an SDK endpoint' });
    await form.getByLabel('Project id (optional)').fill('e2e-project');
    await form.getByRole('button', { name: 'Start endpoint' }).click();
    const running = section.getByTestId('sdk-endpoint');
    await running.waitFor();
    const variables = (await running.getByTestId('sdk-variables').textContent()) ?? '';
    const port = Number(/GCE_METADATA_HOST=127\.0\.0\.1:(\d+)/.exec(variables)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(variables).toContain('METADATA_SERVER_DETECTION=assume-present');

    // The endpoint answers with the account's stored token, and the project from the form.
    const flavor = { 'Metadata-Flavor': 'Google' };
    const t = await get(port, '/computeMetadata/v1/instance/service-accounts/default/token', flavor);
    expect(t.status).toBe(200);
    expect(JSON.parse(t.body).access_token).toBe(coreInternals(d.core).tokens.getToken('testop', 'alice@example.test')!.accessToken);
    expect((await get(port, '/computeMetadata/v1/project/project-id', flavor)).body).toBe('e2e-project');

    await running.getByRole('button', { name: 'Copy variables' }).click();
    await section.getByRole('status').filter({ hasText: 'Variables copied.' }).waitFor();
    expect(d.clipboard.at(-1)).toBe(
      `-e GCE_METADATA_HOST=127.0.0.1:${port} -e GCE_METADATA_IP=127.0.0.1:${port} -e GCE_METADATA_ROOT=127.0.0.1:${port} -e METADATA_SERVER_DETECTION=assume-present`,
    );
    await shot(page, 'account-sdk-endpoint');
    await expectAccessible(page, 'account-sdk-endpoint');
    expect(await tokensOnPage(d.app, d.tokensSeen())).toEqual([]);

    await running.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => section.getByTestId('sdk-endpoint').count()).toBe(0);
    expect(await portOpen(port)).toBe(false);
  });

  it("an Azure endpoint's secret is copied by main and never reaches the page", async () => {
    const { page } = d.app;
    const section = card(page, 'Test alice').getByTestId('sdk-endpoints');
    const form = section.getByRole('form', { name: 'Start an SDK endpoint' });
    await form.getByLabel('SDK').selectOption('azure');
    await expect.poll(() => form.getByLabel('Project id (optional)').count()).toBe(0);
    await form.getByRole('button', { name: 'Start endpoint' }).click();
    const running = section.getByTestId('sdk-endpoint');
    await running.waitFor();
    const shown = (await running.getByTestId('sdk-variables').textContent()) ?? '';
    expect(shown).toMatch(/^IDENTITY_ENDPOINT=http:\/\/127\.0\.0\.1:\d+\/msi\/token IDENTITY_HEADER=\(secret: use Copy\)$/);
    await running.getByRole('button', { name: 'Copy variables' }).click();
    await section.getByRole('status').filter({ hasText: 'Variables copied.' }).waitFor();
    const copied = /^-e IDENTITY_ENDPOINT=http:\/\/127\.0\.0\.1:(\d+)\/msi\/token -e IDENTITY_HEADER=([A-Za-z0-9_-]{43})$/.exec(
      d.clipboard.at(-1) ?? '',
    );
    expect(copied).not.toBeNull();
    const [, port, secret] = copied!;
    expect(await tokensOnPage(d.app, [secret!])).toEqual([]);
    // The copied secret is the one the endpoint wants (this provider has no such resource: its 400).
    const path = '/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fmanagement.azure.com';
    expect((await get(Number(port), path, {})).status).toBe(401);
    const refused = await get(Number(port), path, { 'X-IDENTITY-HEADER': secret! });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body).error).toBe('invalid_scope');
    await running.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => section.getByTestId('sdk-endpoint').count()).toBe(0);
  });

  it('warns about an address others can reach, and explains one it cannot listen on', async () => {
    const { page } = d.app;
    const section = card(page, 'Test alice').getByTestId('sdk-endpoints');
    const form = section.getByRole('form', { name: 'Start an SDK endpoint' });
    const bind = form.getByLabel('Listen on');
    await expect.poll(() => form.getByText('This computer only.').count()).toBe(1);
    await bind.fill('0.0.0.0');
    await form.getByText(/Reachable by others/).waitFor();
    await bind.fill('999.1.1.1');
    await form.getByRole('button', { name: 'Start endpoint' }).click();
    await section.getByRole('alert').filter({ hasText: 'That is not an address to listen on.' }).waitFor();
    expect(await section.getByTestId('sdk-endpoint').count()).toBe(0);
    await bind.fill('127.0.0.1');
  });
});
