/**
 * The GitHub Actions workflow cannot run on these machines, so `npm run lint` checks it: against
 * GitHub's workflow schema (@action-validator/core, offline) and for actions pinned by commit.
 * A broken workflow must fail that check; the project's own must pass it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTmpHome } from '../helpers/tmp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const WORKFLOW = join(ROOT, '.github', 'workflows', 'ci.yml');
const tmp = makeTmpHome('osmen-workflows-');
afterAll(() => tmp.cleanup());

function lint(...files: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'lint-workflows.mjs'), ...files], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}
/** The project's workflow with one edit, written to a file of its own. */
function broken(name: string, edit: (text: string) => string): string {
  const text = readFileSync(WORKFLOW, 'utf8');
  const changed = edit(text);
  expect(changed).not.toBe(text);
  const file = join(tmp.dir, `${name}.yml`);
  writeFileSync(file, changed);
  return file;
}

describe('the GitHub Actions workflow', () => {
  it('is part of npm run lint, and passes it', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.lint).toContain('node scripts/lint-workflows.mjs');
    expect(lint()).toEqual({ code: 0, out: 'lint-workflows: 1 workflow file(s) valid, every action pinned by commit.\n' });
  });

  it('runs on Linux, macOS and Windows, tests with the Electron runtime required, and uploads the installers', () => {
    const text = readFileSync(WORKFLOW, 'utf8');
    expect(text).toContain('os: [ubuntu-latest, macos-latest, windows-latest]');
    expect(text).toContain("OSMEN_REQUIRE_ELECTRON: '1'");
    expect(text).toMatch(/xvfb-run -a dbus-run-session/);
    expect(text).toContain('run: npm run dist');
    expect(text).toMatch(/uses: actions\/upload-artifact@[0-9a-f]{40}/);
  });

  it('a broken workflow fails the check, saying where', () => {
    const typo = lint(
      broken('typo', (t) =>
        t.replace(
          '    runs-on: ${{ matrix.os }}\n    timeout-minutes: 45\n    env:\n      # The',
          '    runs_on: ${{ matrix.os }}\n    timeout-minutes: 45\n    env:\n      # The',
        ),
      ),
    );
    expect(typo.code).toBe(1);
    expect(typo.out).toMatch(/typo\.yml: \/jobs\/test: Additional property 'runs_on' is not allowed/);

    const wrongType = lint(broken('wrong-type', (t) => t.replace('timeout-minutes: 45', 'timeout-minutes: [45]')));
    expect(wrongType.code).toBe(1);
    expect(wrongType.out).toMatch(/wrong-type\.yml: \/jobs\/test\/timeout-minutes: /);

    const yaml = lint(broken('yaml', (t) => t.replace('      - run: npm ci\n', '      - run: npm ci: now\n')));
    expect(yaml.code).toBe(1);
    expect(yaml.out).toMatch(/yaml\.yml: line \d+: mapping values are not allowed/);

    const tag = lint(broken('tag', (t) => t.replace(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v7')));
    expect(tag.code).toBe(1);
    expect(tag.out).toContain('tag.yml: line ');
    expect(tag.out).toContain('actions/checkout@v7 is not pinned to a full commit SHA');
    expect(tag.out).toContain('lint-workflows: 1 of 1 workflow file(s) do not pass.');
  });
});
