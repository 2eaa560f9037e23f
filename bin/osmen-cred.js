#!/usr/bin/env node
// Launcher for `osmen-cred` (docs/cli.md).
// - In a source checkout it runs src/main/cli/osmen-cred.ts through tsx (a
//   devDependency), in this same process, so exit codes and signals are the CLI's own.
// - In a build without sources it runs the bundled out/main/osmen-cred.js.
// The packaged desktop app runs that bundle with ELECTRON_RUN_AS_NODE=1 so the
// native modules are loaded by the runtime they were installed for.
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

if (existsSync(source)) {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    register = undefined;
  }
  if (register) {
    register();
    await import(pathToFileURL(source).href);
  } else if (existsSync(bundle)) {
    await import(pathToFileURL(bundle).href);
  } else {
    process.stderr.write('osmen-cred: error [NOT_BUILT]: tsx is not installed and there is no build; run `npm install` or `npm run build`.\n');
    process.exit(70);
  }
} else if (existsSync(bundle)) {
  await import(pathToFileURL(bundle).href);
} else {
  process.stderr.write('osmen-cred: error [NOT_BUILT]: no CLI bundle at out/main/osmen-cred.js; run `npm run build`.\n');
  process.exit(70);
}
