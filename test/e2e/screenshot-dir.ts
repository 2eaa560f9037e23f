/**
 * Where the e2e suite saves its screenshots. docs/screenshots holds the tracked
 * pictures the README shows, so a routine run must not rewrite them: they are
 * only replaced with an explicit UPDATE_SCREENSHOTS=1. Otherwise they go to the
 * ignored test/e2e/artifacts/screenshots, to look at after a run.
 */
import { join } from 'node:path';

export function screenshotDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env['UPDATE_SCREENSHOTS'] === '1' ? join(root, 'docs', 'screenshots') : join(root, 'test', 'e2e', 'artifacts', 'screenshots');
}
