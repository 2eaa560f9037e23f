/**
 * The layout rules docs/architecture.md states, checked on the sources: the main process's core
 * runs without Electron, the OAuth engine and the audit log never touch the database, what is
 * particular to Google or Microsoft lives in that provider's file, and no module grows past
 * what one reader can hold.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? files(path, ext) : ext.test(name) ? [path] : [];
  });
}
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
/** Code without comments, so that a comment naming a rule does not break it. */
const code = (path: string): string =>
  read(path)
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

const TS = /\.tsx?$/;

describe('layout', () => {
  it('src/main/core imports nothing from Electron', () => {
    const offenders = files('src/main/core', TS).filter((f) =>
      /from ['"]electron['"]|import\(['"]electron['"]\)|require\(['"]electron['"]\)/.test(code(f)),
    );
    expect(offenders).toEqual([]);
  });

  it('the OAuth engine and the audit log run no SQL and see no Database', () => {
    const offenders = [...files('src/main/core/oauth', TS), ...files('src/main/core/audit', TS)].filter((f) =>
      /better-sqlite3|\.prepare\(\s*['"`]|\bSELECT\b[^;]*\bFROM\b|\bINSERT INTO\b|\bDELETE FROM\b/.test(code(f)),
    );
    expect(offenders).toEqual([]);
  });

  it('what is particular to a built-in provider lives in its file', () => {
    // Google's and Microsoft's hosts, client id shapes and error codes. The secret-pattern table
    // knows token shapes by design; the renderer shows examples in its own words.
    const particular =
      /AADSTS\d|googleusercontent\.com|login\.microsoftonline\.com|error_subtype|portal\.azure\.com|console\.cloud\.google\.com|\bMICROSOFT_TENANT\b|\bGOOGLE_CLIENT_SECRET\b/;
    const allowed = new Set(['src/main/core/secret-patterns.ts']);
    const offenders = files('src/main', TS).filter(
      (f) => !f.startsWith('src/main/core/oauth/providers/') && !allowed.has(f) && particular.test(code(f)),
    );
    expect(offenders).toEqual([]);
  });

  it('the renderer takes only types from the zod-backed contract (zod would bring eval into the CSP-bound bundle)', () => {
    const offenders = files('src/renderer/src', TS).filter((f) =>
      /^import (?!type )[^;]*from '[./]*shared\/(ipc-contract|contract-primitives|provider-contract|device-sign-in-contract|sdk-contract)'/m.test(
        code(f),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it('no source file is over 450 lines', () => {
    const long = files('src', /\.(tsx?|css)$/)
      .map((f) => ({ f, lines: read(f).split('\n').length }))
      .filter((x) => x.lines > 450)
      .map((x) => `${relative(ROOT, join(ROOT, x.f))}: ${x.lines}`);
    expect(long).toEqual([]);
  });

  it('the project points at its own documents only', () => {
    const outside = [...files('src', TS), ...files('bench', TS), 'README.md'].filter((f) =>
      /DESIGN\.md|shared\/(seed|reference)\//.test(read(f)),
    );
    expect(outside).toEqual([]);
  });
});
