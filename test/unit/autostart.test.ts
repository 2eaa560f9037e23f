/** Start at login on Linux: the XDG autostart entry is written when turned on and removed when turned off. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUTOSTART_FILE, autostartDir, desktopEntry, quoteExecArg, XdgAutostart } from '../../src/main/desktop/autostart.js';
import { makeTmpHome } from '../helpers/tmp.js';

let home: ReturnType<typeof makeTmpHome>;
beforeEach(() => {
  home = makeTmpHome('osmen-autostart-');
});
afterEach(() => home.cleanup());

describe('XDG autostart', () => {
  it('writes ~/.config/autostart/osmen-credential-manager.desktop that starts the app hidden, and removes it', () => {
    const dir = autostartDir({ XDG_CONFIG_HOME: join(home.dir, 'config') });
    expect(dir).toBe(join(home.dir, 'config', 'autostart'));
    const entry = new XdgAutostart(['/opt/OsMEN Credential Manager/osmen', '--hidden'], dir);
    expect(entry.enabled).toBe(false);
    entry.set(true);
    const path = join(dir, AUTOSTART_FILE);
    expect(entry.enabled).toBe(true);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    expect(text).toContain('Exec="/opt/OsMEN Credential Manager/osmen" --hidden\n');
    expect(text).toContain('X-GNOME-Autostart-enabled=true');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    entry.set(true); // idempotent
    entry.set(false);
    expect(existsSync(path)).toBe(false);
    entry.set(false); // removing twice is fine
  });

  it('quotes Exec arguments as the Desktop Entry spec requires', () => {
    expect(quoteExecArg('/usr/bin/osmen')).toBe('/usr/bin/osmen');
    expect(quoteExecArg('a b')).toBe('"a b"');
    expect(quoteExecArg('say "$HOME" `x` \\')).toBe('"say \\"\\$HOME\\" \\`x\\` \\\\"');
    expect(desktopEntry(['/bin/a%b'])).toContain('Exec=/bin/a%%b\n');
    expect(() => desktopEntry(['/bin/a\nb'])).toThrow(/line break/);
  });

  it('ignores a relative XDG_CONFIG_HOME (the spec says to)', () => {
    expect(autostartDir({ XDG_CONFIG_HOME: 'relative/dir' })).toMatch(/\.config\/autostart$/);
  });
});
