/**
 * The GitHub stand-in in a child process (./process.ts), and its controls over HTTP: the same
 * operations as StandInControls, each returning a promise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CONTROL_OPS, type AppInfo, type GitHubStandInOptions, type PersonInfo, type StandInControls } from './index.js';
import { routingFetch } from './routing.js';

/** What the child prints when it listens. */
export interface StandInInfo {
  origin: string;
  webUrl: string;
  apiUrl: string;
  controlKey: string;
  githubApp: AppInfo;
  oauthApp: AppInfo;
  people: { octoDev: PersonInfo; quietCat: PersonInfo; shyOwl: PersonInfo };
}

export type RemoteControls = {
  [K in keyof StandInControls]: (...args: Parameters<StandInControls[K]>) => Promise<ReturnType<StandInControls[K]>>;
};

export interface RemoteGitHubStandIn extends RemoteControls, StandInInfo {
  fetch: typeof fetch;
  child: ChildProcess;
  /** Closes the child's stdin and waits for it to exit. */
  close(): Promise<void>;
}

/** Controls for a stand-in reached over HTTP (its control endpoint needs the key it printed). */
export function remoteControls(info: Pick<StandInInfo, 'origin' | 'controlKey'>): RemoteControls {
  const call = async (op: string, args: unknown[]): Promise<unknown> => {
    const res = await fetch(`${info.origin}/_standin/control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-standin-key': info.controlKey },
      body: JSON.stringify({ op, args }),
    });
    const answer = (await res.json()) as { result?: unknown; error?: string };
    if (!res.ok) throw new Error(answer.error ?? `stand-in control ${op}: HTTP ${res.status}`);
    return answer.result ?? undefined;
  };
  return Object.fromEntries(CONTROL_OPS.map((op) => [op, (...args: unknown[]) => call(op, args)])) as unknown as RemoteControls;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./process.ts', import.meta.url));

export async function spawnGitHubStandIn(
  opts: { clockOffsetMs?: number; options?: Omit<GitHubStandInOptions, 'now'> } = {},
): Promise<RemoteGitHubStandIn> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: ROOT,
    env: {
      ...process.env,
      GITHUB_STANDIN_CLOCK_OFFSET_MS: String(opts.clockOffsetMs ?? 0),
      GITHUB_STANDIN_OPTIONS: JSON.stringify(opts.options ?? {}),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const info = await new Promise<StandInInfo>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as StandInInfo);
    });
    child.once('exit', (code) => reject(new Error(`GitHub stand-in process exited (${code})`)));
  });
  return {
    ...remoteControls(info),
    ...info,
    fetch: routingFetch(info.origin, new Set(opts.options?.enterpriseHosts?.map((h) => h.toLowerCase()) ?? [])),
    child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}
