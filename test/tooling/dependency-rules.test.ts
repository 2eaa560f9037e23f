/**
 * `npm run lint` checks the dependency rule and "no import cycles" (.dependency-cruiser.cjs, run as
 * `npm run lint:deps`). Here that same command runs on a copy of src/: clean, it passes; with a
 * planted cycle and one breach of each layer rule, it fails and names every one of them.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

let work: string;

/** A copy of what the lint step reads: the sources (and the images they import), its configuration, the tsconfigs, the installed tools. */
function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'osmen-deps-'));
  for (const d of ['src', 'resources']) cpSync(join(ROOT, d), join(dir, d), { recursive: true });
  for (const f of ['.dependency-cruiser.cjs', 'tsconfig.node.json', 'tsconfig.base.json', 'package.json'])
    cpSync(join(ROOT, f), join(dir, f));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function plant(dir: string, path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}

/** Runs the project's own lint:deps script in `dir`, as `npm run lint:deps` would. */
function lintDeps(dir: string): { code: number | null; out: string } {
  const r = spawnSync('sh', ['-c', scripts['lint:deps']!], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${join(dir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  work = copyProject();
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('npm run lint: the dependency rule', () => {
  it('lint runs lint:deps, which runs dependency-cruiser with the project configuration', () => {
    expect(scripts.lint).toContain('npm run lint:deps');
    expect(scripts['lint:deps']).toBe('depcruise src --config .dependency-cruiser.cjs');
  });

  it('passes on the sources as they are, and fails on a planted cycle and on every kind of layer breach', () => {
    const clean = lintDeps(work);
    expect(clean.out).toContain('no dependency violations found');
    expect(clean.code).toBe(0);

    // A cycle between two core modules (type-only imports count too).
    plant(work, 'src/main/core/planted-a.ts', "import { b } from './planted-b.js';\nexport const a = (): number => b() + 1;\n");
    plant(
      work,
      'src/main/core/planted-b.ts',
      "import type { a } from './planted-a.js';\nexport const b = (): number => 1;\nexport type A = typeof a;\n",
    );
    // The IPC layer reaching a part of the core instead of its interface.
    plant(
      work,
      'src/main/ipc/planted-part.ts',
      "import type { TokenStore } from '../core/vault/token-store.js';\nexport type T = TokenStore;\n",
    );
    // The core importing a layer above it.
    plant(work, 'src/main/core/planted-up.ts', "import { mainHelp } from '../cli/cli.js';\nexport const help = mainHelp;\n");
    // Electron outside the shell.
    plant(work, 'src/main/desktop/planted-electron.ts', "import { app } from 'electron';\nexport const name = app.getName();\n");
    // The renderer reaching into the main process.
    plant(work, 'src/renderer/src/planted-main.ts', "import { EXIT } from '../../main/core/exit-codes.js';\nexport const ok = EXIT.OK;\n");
    // The CLI importing the desktop controller.
    plant(
      work,
      'src/main/cli/planted-desktop.ts',
      "import type { DesktopController } from '../desktop/controller.js';\nexport type D = DesktopController;\n",
    );

    const broken = lintDeps(work);
    expect(broken.code).not.toBe(0);
    const found = (rule: string, file: string) =>
      broken.out.split('\n').some((line) => line.includes(`error ${rule}:`) && line.includes(file));
    expect(found('no-circular', 'planted-')).toBe(true);
    expect(found('outside-the-core-through-its-interface', 'src/main/ipc/planted-part.ts')).toBe(true);
    expect(found('core-at-the-bottom', 'src/main/core/planted-up.ts')).toBe(true);
    expect(found('electron-only-in-the-shell', 'src/main/desktop/planted-electron.ts')).toBe(true);
    expect(found('renderer-through-window-osmen', 'src/renderer/src/planted-main.ts')).toBe(true);
    expect(found('cli-stands-alone', 'src/main/cli/planted-desktop.ts')).toBe(true);
  });
});
