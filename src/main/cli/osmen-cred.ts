/**
 * Entry point of `osmen-cred`, the command-line token helper (docs/cli.md).
 *
 * The core runs in plain Node. bin/osmen-cred.js runs the bundle built from this file
 * (out/main/osmen-cred.js); `npm run cli` runs the source through tsx. The packaged app ships
 * no separate Node: it runs the bundle with its own binary as Node (`ELECTRON_RUN_AS_NODE=1
 * <app> out/main/osmen-cred.js ...`), so better-sqlite3 and @napi-rs/keyring load the same
 * Node-API binaries the app uses.
 *
 * Start-up is part of the product: `token` and `status` first ask a running agent through
 * agent-first.ts, which loads no vault module. Only when no agent answers is the full CLI (and
 * with it SQLite, openid-client, zod and the keychain) imported.
 */
import { tryAgentFirst } from './agent-first.js';
import { SignalHub } from './signal-hub.js';

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (text === '') return resolve();
    stream.write(text, () => resolve());
  });
}

// A closed pipe on stdout (`osmen-cred list | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const pending: Promise<void>[] = [];
  const io = {
    out: (t: string) => void pending.push(write(process.stdout, t)),
    err: (t: string) => void pending.push(write(process.stderr, t)),
    env: process.env,
  };
  // Ctrl-C here needs no care: the agent does the work (and saves any refresh) on its side.
  const fast = await tryAgentFirst(argv, io);
  if (fast !== null) {
    await Promise.all(pending);
    process.exit(fast);
  }

  const signals = new SignalHub((t) => process.stderr.write(t));
  signals.install();
  const { runCli } = await import('./cli.js');
  const code = await runCli(argv, {
    ...io,
    takeSignals: (list, handler) => signals.take(list, handler),
    signalled: () => signals.signalled,
  });
  await Promise.all(pending);
  // Exit explicitly: a keep-alive socket to a provider must not hold a script waiting.
  process.exit(signals.exitCode(code));
}

void main();
