/**
 * The layout rules docs/architecture.md states, checked on the sources: the main process's core
 * runs without Electron, the OAuth engine and the audit log never touch the database, what is
 * particular to a built-in provider (its id, hosts, shapes and codes) lives in that provider's
 * file, and no module grows past what one reader can hold. (Imports and cycles are checked by
 * `npm run lint:deps`.)
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROVIDERS } from '../../src/main/core/oauth/providers/builtins.js';

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
    // Google's and Microsoft's hosts, client id, token and secret shapes, variables and error codes
    // (the secret-pattern table reads the shapes from the provider files).
    const particular =
      /AADSTS\d|googleusercontent\.com|login\.microsoftonline\.com|error_subtype|portal\.azure\.com|console\.cloud\.google\.com|myaccount\.google\.com|myapps\.microsoft\.com|GOCSPX|ya29\\?\.|\b(?:MICROSOFT|GOOGLE)_(?:TENANT|CLIENT_ID|CLIENT_SECRET)\b|api\.github\.com|\bgh[opsur]_|github_pat_|\/login\/oauth\/|bad_refresh_token|\bGITHUB_(?:HOST|CLIENT_ID|CLIENT_SECRET)\b/;
    const offenders = files('src/main', TS).filter((f) => !f.startsWith('src/main/core/oauth/providers/') && particular.test(code(f)));
    expect(offenders).toEqual([]);
  });

  it('a provider id appears in src/ only in its provider file: everything else reads BUILTIN_PROVIDERS', () => {
    // The built-ins' ids, and the ones planned (GitHub, issue 19 §2): written anywhere else, they
    // would be the second place that knows a provider.
    const ids = [...BUILTIN_PROVIDERS.map((b) => b.id), 'github'];
    const literal = new RegExp(`(['"\`])(?:${ids.join('|')})\\1`);
    const cssClass = new RegExp(`[.#][\\w-]*\\b(?:${ids.join('|')})\\b`);
    // sdk-kinds.ts spells the SDK protocols (`--sdk google`: Compute Engine metadata), which share
    // a word with a provider id but name a protocol; every other module takes them from there.
    const ownFile = (f: string) => ids.some((id) => f === `src/main/core/oauth/providers/${id}.ts`) || f === 'src/shared/sdk-kinds.ts';
    const offenders = [
      ...files('src', TS).filter((f) => !ownFile(f) && literal.test(code(f))),
      ...files('src', /\.css$/).filter((f) => cssClass.test(read(f).replace(/\/\*[\s\S]*?\*\//g, ''))),
    ];
    expect(offenders).toEqual([]);
    expect(BUILTIN_PROVIDERS.length).toBeGreaterThan(1);
  });

  it('a provider file depends only on the model: builtin.ts, definition.ts, answers.ts and pure modules of src/shared', () => {
    // The error sanitizer reads every provider's secret shapes: a provider file that reached the
    // error classes, the vault or the network would pull them into the sanitizer's imports.
    const allowed = /^(?:\.\/(?:builtin|definition|answers)\.js|(?:\.\.\/){4}shared\/(?:one-line)\.js)$/;
    const offenders = BUILTIN_PROVIDERS.flatMap((b) => {
      const f = `src/main/core/oauth/providers/${b.id}.ts`;
      return [...code(f).matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g)]
        .map((m) => m[1] ?? m[2]!)
        .filter((spec) => !allowed.test(spec))
        .map((spec) => `${f}: ${spec}`);
    });
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
