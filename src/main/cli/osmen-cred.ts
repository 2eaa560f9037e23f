/**
 * Entry point of `osmen-cred`, the command-line token helper (docs/cli.md).
 *
 * The core runs in plain Node. In development bin/osmen-cred.js runs this file
 * through tsx on Node 22. The packaged app ships no separate Node: it runs the
 * bundled CLI with its own binary as Node (`ELECTRON_RUN_AS_NODE=1 <app>
 * out/main/osmen-cred.js ...`), so better-sqlite3 and @napi-rs/keyring load the
 * same Node-API binaries the app uses and no second runtime has to match them.
 */
import { runCli } from './cli.js';

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (text === '') return resolve();
    stream.write(text, () => resolve());
  });
}

async function main(): Promise<void> {
  const pending: Promise<void>[] = [];
  const code = await runCli(process.argv.slice(2), {
    out: (t) => void pending.push(write(process.stdout, t)),
    err: (t) => void pending.push(write(process.stderr, t)),
    env: process.env,
  });
  await Promise.all(pending);
  // Exit explicitly: a keep-alive socket to a provider must not hold a script waiting.
  process.exit(code);
}

// A closed pipe on stdout (`osmen-cred list | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

void main();
