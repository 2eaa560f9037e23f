/**
 * The one-shot agent clients printed in docs/cli.md (after `<!-- doc-client:python -->` and
 * `<!-- doc-client:node -->`), written to files as a reader would save them, next to the client
 * libraries they import (clients/python, clients/node) installed the way the docs say: the bench
 * times them and a test runs them, so the documentation's code is the code that is measured.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = join(ROOT, 'docs', 'cli.md');

export function docClient(kind: 'python' | 'node', markdown = readFileSync(DOC, 'utf8')): string {
  const marker = `<!-- doc-client:${kind} -->`;
  const at = markdown.indexOf(marker);
  if (at < 0) throw new Error(`docs/cli.md has no ${marker}`);
  const fence = /```[a-z]*\n([\s\S]*?)\n```/.exec(markdown.slice(at));
  if (!fence) throw new Error(`no code block after ${marker}`);
  return `${fence[1]}\n`;
}

export interface DocClients {
  python: string;
  node: string;
  /** Environment for the Python client: the library on PYTHONPATH, its bytecode cache outside the checkout. */
  pythonEnv: Record<string, string>;
}

export function writeDocClients(dir: string): DocClients {
  mkdirSync(join(dir, 'node_modules', '@osmen'), { recursive: true });
  // What `npm install ./clients/node` makes: a link to the package folder.
  symlinkSync(join(ROOT, 'clients', 'node'), join(dir, 'node_modules', '@osmen', 'agent-client'), 'dir');
  const python = join(dir, 'osmen_token.py');
  const node = join(dir, 'osmen-token.mjs');
  writeFileSync(python, docClient('python'));
  writeFileSync(node, docClient('node'));
  return { python, node, pythonEnv: { PYTHONPATH: join(ROOT, 'clients', 'python', 'src'), PYTHONPYCACHEPREFIX: join(dir, 'pycache') } };
}
