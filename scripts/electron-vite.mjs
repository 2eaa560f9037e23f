#!/usr/bin/env node
/**
 * `npm start` and `npm run dev`: electron-vite, after making sure the Electron
 * runtime is there (see electron-runtime.mjs for why electron-vite alone
 * cannot). Arguments go to electron-vite unchanged; its exit status comes back
 * unchanged, and SIGINT/SIGTERM/SIGHUP reach it (and so Electron).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EXIT_RUNTIME_UNAVAILABLE, electronPackageDir, ensureRuntime } from './electron-runtime.mjs';

const ROOT = join(import.meta.dirname, '..');
// Commands that launch Electron; `build` and the rest need no runtime.
const LAUNCHING = new Set(['dev', 'preview', 'serve']);

function electronViteBin() {
  const pkg = createRequire(join(ROOT, 'package.json')).resolve('electron-vite/package.json');
  return join(dirname(pkg), 'bin', 'electron-vite.js');
}

async function main() {
  const args = process.argv.slice(2);
  const command = args.find((a) => !a.startsWith('-')) ?? 'dev';
  const infoOnly = args.some((a) => ['-h', '--help', '-v', '--version'].includes(a));
  const env = { ...process.env };
  if (LAUNCHING.has(command) && !infoOnly) {
    let electronDir;
    try {
      electronDir = electronPackageDir(ROOT);
    } catch {
      process.stderr.write('\nCannot start: the electron package is not installed.\nWhat to run:\n  npm install, then npm start again.\n');
      process.exit(EXIT_RUNTIME_UNAVAILABLE);
    }
    const runtime = await ensureRuntime(electronDir, { env });
    if (!runtime.ok) {
      process.stderr.write(`\n${runtime.message}\n`);
      process.exit(EXIT_RUNTIME_UNAVAILABLE);
    }
    // electron-vite honours ELECTRON_EXEC_PATH; it would otherwise re-read path.txt
    // and ignore ELECTRON_OVERRIDE_DIST_PATH.
    env.ELECTRON_EXEC_PATH = runtime.executable;
  }

  const child = spawn(process.execPath, [electronViteBin(), ...args], { stdio: 'inherit', env, cwd: process.cwd() });
  const signals = process.platform === 'win32' ? ['SIGINT', 'SIGTERM'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (err) => {
    process.stderr.write(`Cannot run electron-vite: ${err.message}\n`);
    process.exit(1);
  });
  child.on('close', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal) {
      // Die of the same signal, so the shell (and npm) see what electron-vite saw.
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
