/// <reference lib="dom" />
/**
 * Hand-off consent in the app, end to end (built renderer in Chromium, the real core and IPC
 * table, the real token agent on a socket, a real OpenID Provider and a Python program as a
 * separate process): the program without a grant makes the consent dialog appear with the
 * program in plain words, its path, the account and the scopes; "Always allow this program"
 * lets it through and puts it in Settings → Programs (last use, count) and in the account's
 * details; Revoke ends it; Deny refuses (consent_required); an unanswered request times out.
 * Also at 800×600. The Security log words the hand-offs, the refusal and the grant.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTokenAgent, type TokenAgent } from '../../src/main/core/agent/server.js';
import { expectAccessible, nav, OP_NAME, shot, signInVia, startDesktop, tokensOnPage, type Desktop } from './desktop-fixture.js';

const CLIENT = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((json.dumps({"id": 1, "method": "token", "provider": "testop", "user": "alice@example.test"}) + "\\n").encode())
buf = b""
while b"\\n" not in buf:
    chunk = s.recv(65536)
    if not chunk: break
    buf += chunk
print(json.dumps(json.loads(buf)))
`;

let d: Desktop;
let agent: TokenAgent;
let script: string;

/** Runs the Python program; resolves with the agent's answer. */
function askAsProgram(): Promise<{ ok: boolean; accessToken?: string; error?: { code: string } }> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [script, agent.path], { cwd: join(d.home.dir, 'work'), timeout: 90_000 }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout) as { ok: boolean }),
    );
  });
}

const dialog = (page: Page) => page.getByTestId('consent-dialog');

beforeAll(async () => {
  d = await startDesktop();
  mkdirSync(join(d.home.dir, 'work'));
  script = join(d.home.dir, 'work', 'sync.py');
  writeFileSync(script, CLIENT);
  // What the desktop controller does when the vault opens: serve the agent, let the app ask.
  agent = await startTokenAgent(d.core, { home: d.home.dir, socketPath: join(d.home.dir, 'agent.sock') });
  d.core.consent.enablePrompts(true);
});

afterAll(async () => {
  await agent?.close();
  await d?.close();
});

describe('consent', () => {
  it('asks in a dialog; "Always allow this program" lets it through and lists it under Settings → Programs', async () => {
    const { page } = d.app;
    await nav(page, 'Connect');
    await signInVia(d, () => page.getByRole('button', { name: `Connect ${OP_NAME}` }).click(), 'alice');
    await page.getByRole('heading', { name: 'Test alice' }).waitFor();
    await nav(page, 'Accounts');
    expect(d.core.consent.mode().mode).toBe('ask');
    const asking = askAsProgram();
    await dialog(page).getByRole('heading', { name: 'python3 sync.py wants a token for alice@example.test' }).waitFor();
    expect(await page.getByTestId('consent-description').textContent()).toMatch(/^python3 sync\.py, started from .+ in .+work$/);
    expect(await page.getByTestId('consent-path').textContent()).toBe(script);
    expect(await page.getByTestId('consent-account').textContent()).toBe('testop: alice@example.test');
    expect(await page.getByTestId('consent-scopes').textContent()).toBe('everything this account allows');
    // No terminal here: the terminal choice is not offered.
    expect(await dialog(page).getByRole('button', { name: 'Allow this terminal for 8 hours' }).count()).toBe(0);
    await expectAccessible(page, 'consent dialog');
    await shot(page, 'consent-dialog');
    await dialog(page).getByRole('button', { name: 'Always allow this program' }).click();
    const answer = await asking;
    expect(answer).toMatchObject({ ok: true });
    await expect.poll(() => dialog(page).isVisible()).toBe(false);

    // Again: no dialog, straight through.
    expect(await askAsProgram()).toMatchObject({ ok: true });
    d.core.consent.flush();

    await nav(page, 'Settings');
    const row = page.getByTestId('grant-row').filter({ hasText: 'sync.py' });
    await row.waitFor();
    expect(await row.textContent()).toContain('testop:alice@example.test');
    expect(await row.textContent()).toContain('until revoked');
    // Both requests used the grant: the one the dialog answered, and the one after.
    await expect.poll(async () => (await row.locator('td').nth(5).textContent())?.trim()).toBe('2');
    await expectAccessible(page, 'Settings → Programs');
    await shot(page, 'settings-programs');

    await nav(page, 'Accounts');
    await page
      .getByRole('button', { name: /details/i })
      .first()
      .click();
    await expect.poll(async () => (await page.getByTestId('account-programs').textContent()) ?? '').toContain('python3 sync.py');

    await nav(page, 'Settings');
    await row.getByRole('button', { name: /^Revoke/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.getByTestId('grant-row').count()).toBe(0);
    expect(await tokensOnPage(d.app, d.tokensSeen())).toEqual([]);
  });

  it('Deny refuses the program (consent_required); at 800×600 the dialog and its buttons fit', async () => {
    const small = await d.open({ viewport: { width: 800, height: 600 } });
    try {
      const asking = askAsProgram();
      const dlg = dialog(small.page);
      await dlg.getByRole('button', { name: 'Deny' }).waitFor();
      for (const name of ['Deny', 'Allow once', 'Always allow this program']) {
        const box = (await dlg.getByRole('button', { name }).boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(800);
        expect(box.y + box.height).toBeLessThanOrEqual(600);
      }
      await shot(small.page, 'consent-dialog-800x600');
      await dlg.getByRole('button', { name: 'Deny' }).click();
      expect(await asking).toMatchObject({ ok: false, error: { code: 'consent_required' } });
      // The main window's dialog went away with the answer too.
      await expect.poll(() => dialog(d.app.page).isVisible()).toBe(false);
    } finally {
      await small.close();
    }
  });

  it('Allow once lets one request through and stores nothing', async () => {
    // A minute after Deny the same program is asked again; a fresh program file is another program.
    writeFileSync(script, `${CLIENT}\n# another version\n`);
    const asking = askAsProgram();
    await dialog(d.app.page).getByRole('button', { name: 'Allow once' }).click();
    expect(await asking).toMatchObject({ ok: true });
    expect(d.core.consent.listGrants()).toEqual([]);
  });

  it('the Security log says in words which program got tokens, which was refused and why, and the grant added and revoked', async () => {
    d.core.consent.flush();
    const { page } = d.app;
    await nav(page, 'Security log');
    await page.getByTestId('log-row').first().waitFor();
    const what = async (event: string) =>
      page
        .getByTestId('log-row')
        .filter({ has: page.getByTestId('log-event').getByText(event, { exact: true }) })
        .locator('.what')
        .allTextContents();
    // The grant's two requests and the one allowed once (another version of the file: another program).
    const handed = await what('token_handoff');
    expect(handed.sort()).toEqual(['Tokens handed to python3 sync.py, 2 times', 'Tokens handed to python3 sync.py, once']);
    expect(await what('handoff_refused')).toEqual([
      'python3 sync.py was refused a token once: it is not allowed for that account or those scopes',
    ]);
    expect(await what('grant_added')).toEqual(['A program was allowed to get tokens: python3 sync.py (in this app)']);
    expect(await what('grant_revoked')).toEqual(['A grant was revoked']);
    const details = await page
      .getByTestId('log-row')
      .filter({ hasText: 'Tokens handed to python3 sync.py, 2 times' })
      .locator('.details')
      .textContent();
    expect(details).toContain(`script ${script}`);
    expect(details).toContain('through the token agent');
    expect(details).toContain('allowed by a grant');
    // The refusal is the program's, never worded as the provider's consent_required.
    const refused = page.getByTestId('log-row').filter({ hasText: 'was refused a token' });
    expect(await refused.textContent()).not.toMatch(/provider|reconnect/i);
    expect((await page.locator('.log-table').textContent()) ?? '').not.toMatch(/programKey|durationMs|via |basis/);
    await expectAccessible(page, 'Security log with hand-offs');
    await shot(page, 'log-handoffs');
  });
});
