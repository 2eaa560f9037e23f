/**
 * Runs the GitHub stand-in in its own process, for a test whose client runs elsewhere or that
 * needs the stand-in's clock shifted (GITHUB_STANDIN_CLOCK_OFFSET_MS). Options come as JSON in
 * GITHUB_STANDIN_OPTIONS. Prints one JSON line (StandInInfo) when listening; exits when stdin
 * closes. Tests start it with spawnGitHubStandIn (./remote.ts).
 */
import { startGitHubStandIn, type GitHubStandInOptions } from './index.js';
import type { StandInInfo } from './remote.js';

const offset = Number(process.env.GITHUB_STANDIN_CLOCK_OFFSET_MS ?? 0);
const options = JSON.parse(process.env.GITHUB_STANDIN_OPTIONS ?? '{}') as Omit<GitHubStandInOptions, 'now'>;
const standIn = await startGitHubStandIn({ ...options, now: () => Date.now() + offset });
const info: StandInInfo = {
  origin: standIn.origin,
  webUrl: standIn.webUrl,
  apiUrl: standIn.apiUrl,
  controlKey: standIn.controlKey,
  githubApp: standIn.githubApp,
  oauthApp: standIn.oauthApp,
  people: standIn.people,
};
process.stdout.write(`${JSON.stringify(info)}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void standIn.close().then(() => process.exit(0));
});
