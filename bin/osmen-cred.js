#!/usr/bin/env node
// Launcher for `osmen-cred` (docs/cli.md): runs the built bundle out/main/osmen-cred.js, in this
// same process, so exit codes and signals are the CLI's own. The bundle starts in a fraction of
// the time the TypeScript sources take through tsx.
// - A developer runs the sources with `npm run cli -- …`, or with OSMEN_CLI_SOURCE=1 set.
// - A checkout that was never built runs the sources through tsx (a devDependency) as well.
// The packaged desktop app runs the bundle itself with ELECTRON_RUN_AS_NODE=1 so the native
// modules are loaded by the runtime they were installed for.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'main', 'cli', 'osmen-cred.ts');
const bundle = join(root, 'out', 'main', 'osmen-cred.js');

const [major] = process.versions.node.split('.').map(Number);
if (major < 22 && !process.versions.electron) {
  process.stderr.write(`osmen-cred: error [NODE_TOO_OLD]: Node ${process.versions.node} is too old; Node 22 or newer is required.\n`);
  process.exit(78);
}

async function runSource() {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(
      'osmen-cred: error [NOT_BUILT]: no CLI bundle at out/main/osmen-cred.js and tsx is not installed; run `npm run build`.\n',
    );
    process.exit(70);
  }
  register();
  await import(pathToFileURL(source).href);
}

const wantSource = process.env.OSMEN_CLI_SOURCE === '1';
if (wantSource && existsSync(source)) {
  await runSource();
} else if (existsSync(bundle)) {
  // Cached V8 code for the bundle and its dependencies: a later start skips most compiling. In
  // the user's own cache folder, not the shared temp folder (another user must not plant code).
  const { enableCompileCache } = await import('node:module');
  const { homedir } = await import('node:os');
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  try {
    enableCompileCache?.(join(cacheHome, 'osmen-cred', 'node-compile-cache'));
  } catch {
    // No cache folder available: start uncached.
  }
  await import(pathToFileURL(bundle).href);
} else if (existsSync(source)) {
  await runSource();
} else {
  process.stderr.write('osmen-cred: error [NOT_BUILT]: no CLI bundle at out/main/osmen-cred.js; run `npm run build`.\n');
  process.exit(70);
}
