import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_SECRET_LENGTH, readSecretFromStdin } from '../../src/main/cli/stdin-secret.js';
import { EXIT } from '../../src/main/core/exit-codes.js';

const piped = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c)));
const noPrompt = () => undefined;

describe('--client-secret-stdin', () => {
  it('reads everything piped in, less one final newline', async () => {
    expect(await readSecretFromStdin(noPrompt, piped('s3cr', 'et\n'))).toBe('s3cret');
    expect(await readSecretFromStdin(noPrompt, piped('a b\r\n'))).toBe('a b');
    expect(await readSecretFromStdin(noPrompt, piped('keep\n\n'))).toBe('keep\n');
    expect(await readSecretFromStdin(noPrompt, piped(' spaced '))).toBe(' spaced ');
  });

  it('refuses nothing and too much with a usage error that does not echo the input', async () => {
    await expect(readSecretFromStdin(noPrompt, piped(''))).rejects.toMatchObject({ exitCode: EXIT.USAGE });
    await expect(readSecretFromStdin(noPrompt, piped('\n'))).rejects.toMatchObject({ exitCode: EXIT.USAGE });
    const long = 'x'.repeat(MAX_SECRET_LENGTH + 1);
    const err = await readSecretFromStdin(noPrompt, piped(long)).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: EXIT.USAGE });
    expect((err as Error).message).not.toContain(long.slice(0, 40));
  });
});
