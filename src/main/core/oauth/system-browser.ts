/**
 * Opens a URL in the user's default browser without Electron (RFC 8252 §8.12:
 * the system browser, never an embedded web view). The URL is passed as one
 * argv element to the platform opener — never through a shell — so nothing in
 * it can be interpreted as a command.
 */
import { spawn } from 'node:child_process';

export type UrlOpener = (url: string) => Promise<void> | void;

export function openerCommand(platform: NodeJS.Platform, url: string): { command: string; args: string[] } {
  switch (platform) {
    case 'darwin':
      return { command: 'open', args: [url] };
    case 'win32':
      // rundll32's URL handler opens the default browser without cmd.exe (`start` is a shell builtin).
      return { command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] };
    default:
      return { command: 'xdg-open', args: [url] };
  }
}

export function openSystemBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<void> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return Promise.reject(new Error(`Refusing to open a ${parsed.protocol} URL in the browser.`));
  }
  const { command, args } = openerCommand(platform, parsed.href);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, shell: false, windowsHide: true });
    child.once('error', (err) =>
      reject(new Error(`Could not start the system browser (${command}): ${(err as NodeJS.ErrnoException).code ?? err.message}`)),
    );
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
