import { CliError } from './cli-error.js';
/**
 * Reads a secret from standard input, never from the command line (where `ps` and the shell
 * history would see it). Piped: everything up to end of input, less one final newline. A
 * terminal: one line typed without echo.
 */

export const MAX_SECRET_LENGTH = 4096;

function tooLong(): CliError {
  return new CliError('USAGE', 'usage', `The secret on standard input is longer than ${MAX_SECRET_LENGTH} characters.`);
}

function readPiped(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      size += b.length;
      if (size > MAX_SECRET_LENGTH * 4 + 2) {
        stream.off('data', onData);
        stream.pause();
        reject(tooLong());
        return;
      }
      chunks.push(b);
    };
    stream.on('data', onData);
    stream.once('end', () =>
      resolve(
        Buffer.concat(chunks)
          .toString('utf8')
          .replace(/\r?\n$/, ''),
      ),
    );
    stream.once('error', reject);
  });
}

function readHidden(stream: NodeJS.ReadStream, prompt: (text: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    prompt('Client secret (typing is not shown; Enter to finish): ');
    stream.setRawMode(true);
    stream.setEncoding('utf8');
    const done = (err: CliError | null) => {
      stream.off('data', onData);
      stream.setRawMode(false);
      stream.pause();
      prompt('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (text: string) => {
      for (const ch of text) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null);
        if (ch === '\u0003') return done(new CliError('CANCELLED', 'usage', 'Cancelled; nothing was saved.'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
        if (value.length > MAX_SECRET_LENGTH) return done(tooLong());
      }
    };
    stream.on('data', onData);
    stream.resume();
  });
}

/** The secret from `stream` (default: this process's stdin); a usage error when there is none. */
export async function readSecretFromStdin(
  prompt: (text: string) => void,
  stream: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<string> {
  const tty = stream.isTTY === true && typeof (stream as NodeJS.ReadStream).setRawMode === 'function';
  const value = tty ? await readHidden(stream as NodeJS.ReadStream, prompt) : await readPiped(stream);
  if (value.length > MAX_SECRET_LENGTH) throw tooLong();
  if (value.trim() === '') {
    throw new CliError(
      'USAGE',
      'usage',
      '--client-secret-stdin: no secret on standard input (pipe it in, e.g. `pass show acme/secret | osmen-cred provider add …`).',
    );
  }
  return value;
}
