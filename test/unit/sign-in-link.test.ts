/**
 * The sign-in waiting in the system browser, as main keeps it for "copy link" and "open again":
 * a newer sign-in replaces the older one's link, the older one ending leaves the newer link in
 * place, and every change reaches the window as a state snapshot.
 */
import { describe, expect, it } from 'vitest';
import { SignInLinks } from '../../src/main/ipc/sign-in-link.js';

describe('SignInLinks', () => {
  it('keeps the newest link, re-opens it with its own opener, and forgets it when that sign-in ends', async () => {
    const links = new SignInLinks(() => 1_000);
    const states: unknown[] = [];
    links.subscribe((s) => states.push(s));
    const opened: string[] = [];
    const first = links.begin('google', (url) => void opened.push(`first ${url}`));
    const second = links.begin('microsoft', (url) => void opened.push(`second ${url}`));
    await first.openUrl('https://accounts.example/one');
    await second.openUrl('https://login.example/two');
    expect(links.link()).toBe('https://login.example/two');

    first.end(); // superseded: must not clear the newer link
    expect(links.state()).toEqual({ active: true, providerId: 'microsoft', url: 'https://login.example/two', startedAt: 1_000 });
    expect(await links.reopen()).toBe(true);
    expect(opened.at(-1)).toBe('second https://login.example/two');

    second.end();
    expect(links.state()).toEqual({ active: false });
    expect(links.link()).toBeNull();
    expect(await links.reopen()).toBe(false);
    expect(states).toEqual([
      { active: true, providerId: 'google', url: 'https://accounts.example/one', startedAt: 1_000 },
      { active: true, providerId: 'microsoft', url: 'https://login.example/two', startedAt: 1_000 },
      { active: false },
    ]);
  });
});
