/**
 * Start at login on Linux: an XDG autostart entry (`$XDG_CONFIG_HOME/autostart/*.desktop`,
 * Desktop Entry spec 1.5), written when the setting is turned on and removed when it is turned
 * off. Electron's login-item API covers only macOS and Windows. Electron-free: plain files.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const AUTOSTART_FILE = 'osmen-credential-manager.desktop';

/** The autostart folder: $XDG_CONFIG_HOME/autostart, else ~/.config/autostart. */
export function autostartDir(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME?.trim();
  return join(config && config.startsWith('/') ? config : join(homedir(), '.config'), 'autostart');
}

/** Quotes one Exec argument as the Desktop Entry spec requires (reserved characters, then escapes). */
export function quoteExecArg(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
}

export function desktopEntry(command: readonly string[], name = 'OsMEN Credential Manager'): string {
  // A literal % in Exec must be doubled (field codes); a newline would end the key.
  const exec = command.map((a) => quoteExecArg(a).replace(/%/g, '%%')).join(' ');
  if (/[\r\n]/.test(exec)) throw new Error('The command for the autostart entry contains a line break.');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.5',
    `Name=${name}`,
    'Comment=Keeps your OAuth tokens fresh in the background',
    `Exec=${exec}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export class XdgAutostart {
  readonly path: string;

  /** `command`: the program and its arguments, ending with the flag that starts it hidden. */
  constructor(
    private readonly command: readonly string[],
    dir = autostartDir(),
  ) {
    this.path = join(dir, AUTOSTART_FILE);
  }

  set(enabled: boolean): void {
    if (!enabled) {
      rmSync(this.path, { force: true });
      return;
    }
    mkdirSync(join(this.path, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, desktopEntry(this.command), { mode: 0o644 });
    renameSync(tmp, this.path);
  }

  get enabled(): boolean {
    return existsSync(this.path);
  }
}
