/**
 * The agent clients printed in docs/cli.md (after `<!-- doc-client:python -->` and
 * `<!-- doc-client:node -->`), written to files as a reader would save them: the bench times
 * them and a test runs them, so the documentation's code is the code that is measured.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'cli.md');

export function docClient(kind: 'python' | 'node', markdown = readFileSync(DOC, 'utf8')): string {
  const marker = `<!-- doc-client:${kind} -->`;
  const at = markdown.indexOf(marker);
  if (at < 0) throw new Error(`docs/cli.md has no ${marker}`);
  const fence = /```[a-z]*\n([\s\S]*?)\n```/.exec(markdown.slice(at));
  if (!fence) throw new Error(`no code block after ${marker}`);
  return `${fence[1]}\n`;
}

export function writeDocClients(dir: string): { python: string; node: string } {
  mkdirSync(dir, { recursive: true });
  const python = join(dir, 'osmen_agent.py');
  const node = join(dir, 'osmen-agent.mjs');
  writeFileSync(python, docClient('python'));
  writeFileSync(node, docClient('node'));
  return { python, node };
}
