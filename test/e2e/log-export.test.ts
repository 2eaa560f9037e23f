/// <reference lib="dom" />
/**
 * The Security log's export and its re-anchors, end to end (built renderer in Chromium, real
 * core and security log files, real OpenID Provider): Export asks main where to save (the
 * harness's save dialog answers with a temp path), writes the whole chain oldest first, says
 * where and how many entries, and the built `osmen-cred log --verify --file` checks the file
 * with no vault and no key. A newest entry cut off by an interrupted write is explained as such;
 * a log rolled back to an older copy is shown with what to do, and the re-anchor that follows
 * is listed with its entry, time and reason.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityLogPaths } from '../../src/main/core/audit/security-logger.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { OP_NAME, expectAccessible, nav, shot, signInVia, startDesktop, type Desktop } from './desktop-fixture.js';
import { ROOT } from './harness.js';

let d: Desktop;
const logFile = () => join(d.home.dir, 'security.log');
const chainFiles = () => [logFile(), securityLogPaths(logFile()).head];

beforeAll(async () => {
  d = await startDesktop();
});
afterAll(async () => {
  await d?.close();
});

describe('Security log: export and re-anchors', () => {
  it('(setup) alice connects and refreshes', async () => {
    const { page } = d.app;
    await nav(page, 'Connect');
    await signInVia(d, () => page.getByRole('button', { name: `Connect ${OP_NAME}` }).click(), 'alice');
    await page.getByRole('heading', { name: 'Test alice' }).waitFor();
    await d.core.refreshAccount('testop', 'alice@example.test');
  });

  it('exports the whole chain where the person chose; osmen-cred verifies the file elsewhere', async () => {
    const { page } = d.app;
    await nav(page, 'Security log');
    await page.getByTestId('log-row').first().waitFor();
    await page.getByRole('button', { name: 'Export log…' }).click();
    const result = page.getByTestId('log-message');
    await result.waitFor();
    expect(d.saveRequests).toEqual([expect.stringMatching(/^osmen-security-log-\d{4}-\d{2}-\d{2}\.jsonl$/)]);
    const path = join(d.exportDir, d.saveRequests[0]!);
    const entries = d.core.verifyLog().entries;
    expect(await result.textContent()).toBe(
      `Exported ${entries} entries, oldest first, to ${path}. Check it on any computer with osmen-cred log --verify --file ${path}.`,
    );
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(entries + 1); // the header, then every entry oldest first
    expect(lines.slice(1).map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(Array.from({ length: entries }, (_, i) => i + 1));

    // Elsewhere: the built CLI, another data folder, no key.
    const elsewhere = makeTmpHome('osmen-elsewhere-');
    try {
      const run = spawnSync(process.execPath, [join(ROOT, 'out', 'main', 'osmen-cred.js'), 'log', '--verify', '--file', path, '--json'], {
        env: { PATH: process.env['PATH'] ?? '', OSMEN_HOME: elsewhere.dir },
        encoding: 'utf8',
      });
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, entries, firstSeq: 1 });
    } finally {
      elsewhere.cleanup();
    }
    await expectAccessible(page, 'log-export');
  });

  it('explains a newest entry cut off by an interrupted write: not tampering, nothing to do', async () => {
    const { page } = d.app;
    const text = readFileSync(logFile(), 'utf8');
    const lastLine = text.trimEnd().split('\n').at(-1)!;
    // The writer stopped halfway through the newest line (the head record holds it whole).
    writeFileSync(logFile(), text.slice(0, text.length - Math.floor(lastLine.length / 2) - 1));
    await page.getByRole('button', { name: 'Verify again' }).click();
    const notice = page.getByTestId('interrupted-notice');
    await notice.waitFor();
    const seq = (JSON.parse(lastLine) as { seq: number }).seq;
    expect(await notice.locator('strong').textContent()).toBe(`The newest entry (#${seq}) was cut off by an interrupted write`);
    expect(await notice.textContent()).toContain('What to do: nothing. The next entry completes it.');
    await page.screenshot({ path: join(ROOT, 'test', 'e2e', 'artifacts', 'peek', 'log-interrupted.png') });
    expect(await page.getByTestId('chain-badge').textContent()).toMatch(/^✓ Chain intact/);
    expect(await page.getByTestId('tamper-notice').count()).toBe(0);
    // The next entry completes it.
    d.core.securityEvents.logSecurityEvent('key_rotation', { rotated: 0 });
    await expect.poll(() => notice.count()).toBe(0);
    expect(d.core.verifyLog()).toMatchObject({ ok: true });
  });

  it('shows a log rolled back to an older copy with what to do, then lists the re-anchor: entry, time, reason', async () => {
    const { page } = d.app;
    const older = chainFiles().map((f) => readFileSync(f));
    const olderTip = (JSON.parse(older[0]!.toString('utf8').trimEnd().split('\n').at(-1)!) as { seq: number }).seq;
    for (let i = 0; i < 3; i++) d.core.securityEvents.logSecurityEvent('key_rotation', { rotated: 0 });
    await expect.poll(async () => (await page.getByTestId('chain-badge').textContent()) ?? '').toMatch(/^✓ Chain intact/);
    // Someone puts back the older copy of the log and its head record.
    chainFiles().forEach((f, i) => writeFileSync(f, older[i]!));
    await page.getByRole('button', { name: 'Verify again' }).click();
    const rollback = page.getByTestId('rollback-notice');
    await rollback.waitFor();
    expect(await rollback.locator('strong').textContent()).toBe(
      'The log is older than the vault remembers: it was replaced by an older copy, or its newest entries were cut off.',
    );
    expect(await rollback.textContent()).toContain('What to do: If you restored the data folder from a backup yourself, this is expected');
    expect(await page.getByTestId('chain-badge').textContent()).toBe('✗ Rolled back to an older copy');
    // Verify again read the files anew: the list ends where the restored copy ends, and no entry is blamed.
    await expect.poll(() => page.getByTestId('log-row').first().locator('td').first().textContent()).toBe(String(olderTip));
    expect(await page.locator('[data-tampered]').count()).toBe(0);
    expect(await page.getByTestId('reanchors').count()).toBe(0);
    await shot(page, 'log-rollback');
    await expectAccessible(page, 'log-rollback');

    // The next entry re-anchors the chain past the gap; the view lists it.
    d.core.securityEvents.logSecurityEvent('key_rotation', { rotated: 0 });
    const rows = page.getByTestId('reanchor-row');
    await rows.first().waitFor();
    const reanchors = d.core.verifyLog().reanchors ?? [];
    expect(reanchors).toHaveLength(1);
    const [re] = reanchors;
    const cells = await rows.first().locator('td').allTextContents();
    expect(cells[0]).toBe(`#${re!.seq}`);
    expect(cells[2]).toBe(re!.reason);
    expect(cells[2]).toMatch(/removed/);
    expect(await page.getByTestId('reanchors').locator('.badge').textContent()).toBe('1 in the log');
    // The gap stays visible as entries missing before the re-anchor.
    expect(await page.getByTestId('tamper-notice').locator('strong').textContent()).toBe(
      `Entries were removed from the log just before entry #${re!.seq}.`,
    );
    await shot(page, 'log-reanchors');
    await expectAccessible(page, 'log-reanchors');

    const small = await d.open({ viewport: { width: 800, height: 600 }, colorScheme: 'dark' });
    try {
      await nav(small.page, 'Security log');
      await small.page.getByTestId('reanchor-row').first().waitFor();
      expect(await small.page.locator('main.content').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      await shot(small.page, 'log-reanchors-narrow-dark');
      await expectAccessible(small.page, 'log-reanchors-narrow-dark');
      expect(small.problems).toEqual([]);
    } finally {
      await small.close();
    }
    expect(d.app.problems).toEqual([]);
  });
});
