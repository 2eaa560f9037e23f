/**
 * `npm run lint` for the GitHub Actions workflows: each file in .github/workflows is validated
 * against GitHub's workflow schema (@action-validator/core, the SchemaStore schema compiled to
 * WebAssembly: no download, no network), and every action it uses must be pinned to a full
 * commit SHA (a tag can be moved to other code; a SHA cannot).
 *
 *   node scripts/lint-workflows.mjs [file…]     (default: every .yml/.yaml in .github/workflows)
 *
 * Exit 0 when every file passes, 1 with one line per problem otherwise.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import validator from '@action-validator/core';

const ROOT = join(import.meta.dirname, '..');
const DIR = join(ROOT, '.github', 'workflows');
/** `uses: owner/repo[/path]@<40 hex>`; local actions (./…) and docker:// images are not pinned this way. */
const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;

/** The leaves of a validation error tree: where, and what is wrong there. */
function leaves(error, out = []) {
  if (error.states?.length) for (const state of error.states) for (const e of state.errors) leaves(e, out);
  else {
    const where = error.location ? `line ${error.location.line}` : error.path || '/';
    out.push(`${where}: ${error.detail ?? error.title}`);
  }
  return out;
}

function unpinned(text) {
  const problems = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*['"]?([^'"#\s]+)/.exec(line);
    if (!m) return;
    const ref = m[1];
    if (ref.startsWith('./') || ref.startsWith('docker://')) return;
    if (!PINNED.test(ref)) problems.push(`line ${i + 1}: ${ref} is not pinned to a full commit SHA (owner/repo@<40 hex digits> # vX.Y.Z)`);
  });
  return problems;
}

export function lintWorkflow(text) {
  const { errors } = validator.validateWorkflow(text);
  const schema = [...new Set(errors.flatMap((e) => leaves(e)))];
  return [...schema, ...unpinned(text)];
}

function workflowFiles() {
  try {
    return readdirSync(DIR)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(DIR, f));
  } catch {
    return [];
  }
}

const files = process.argv.length > 2 ? process.argv.slice(2) : workflowFiles();
let failed = 0;
for (const file of files) {
  const problems = lintWorkflow(readFileSync(file, 'utf8'));
  if (problems.length === 0) continue;
  failed++;
  for (const p of problems.slice(0, 20)) process.stderr.write(`${relative(process.cwd(), file)}: ${p}\n`);
}
if (failed > 0) {
  process.stderr.write(`lint-workflows: ${failed} of ${files.length} workflow file(s) do not pass.\n`);
  process.exit(1);
}
process.stdout.write(`lint-workflows: ${files.length} workflow file(s) valid, every action pinned by commit.\n`);
