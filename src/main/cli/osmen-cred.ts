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

/**
 * Ctrl-C or a polite kill during a refresh must not lose the refresh token the
 * provider is rotating: the first SIGINT/SIGTERM lets the command finish (the
 * provider call is bounded by its timeout) and then exits 128+n; a second one
 * exits at once.
 */
let signalled: NodeJS.Signals | null = null;
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (signalled) process.exit(SIGNAL_EXIT[sig]);
    signalled = sig;
    process.stderr.write(`osmen-cred: ${sig} received; finishing the work in flight so no rotated token is lost (repeat to abort now)\n`);
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
  process.exit(signalled ? SIGNAL_EXIT[signalled]! : code);
}

// A closed pipe on stdout (`osmen-cred list | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

void main();
