/**
 * Who is asking, with real processes on a real unix socket: the kernel's peer credentials
 * (SO_PEERCRED through koffi) name the connecting process and its uid; the program behind it is
 * the Python script it runs (its interpreter and the script, each with its SHA-256, its start
 * time, its parents, its working folder); a second connection of the same program reads no file
 * again; and once the process has exited, its connection is no longer taken for it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerContext } from '../../../src/main/core/agent/peer/peer-context.js';
import { readPeerCredentials } from '../../../src/main/core/agent/peer/peer-credentials.js';
import { FileHashCache } from '../../../src/main/core/consent/file-hash.js';
import { linuxProcesses } from '../../../src/main/core/consent/process-info.js';
import { identifyProgram } from '../../../src/main/core/consent/program.js';
import { selfCli } from '../../../src/main/core/consent/self-cli.js';
import { makeTmpHome } from '../../helpers/tmp.js';

const PYTHON = '/usr/bin/python3';
// Connects, says hello, and stays until the test closes the connection.
const CLIENT = `
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"hello\\n")
s.recv(1)
`;

let home: ReturnType<typeof makeTmpHome>;
let server: Server;
let sockPath: string;
let script: string;
const arrivals: Socket[] = [];
let waiters: Array<(s: Socket) => void> = [];

function nextConnection(): Promise<Socket> {
  const ready = arrivals.shift();
  return ready ? Promise.resolve(ready) : new Promise((r) => waiters.push(r));
}

function startClient(): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn(PYTHON, [script, sockPath], { cwd: home.dir, stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { child, exited };
}

beforeAll(async () => {
  if (process.platform !== 'linux') return;
  home = makeTmpHome('osmen-peer-');
  script = join(home.dir, 'peer.py');
  writeFileSync(script, CLIENT);
  sockPath = join(home.dir, 's.sock');
  server = createServer((s) => {
    const w = waiters.shift();
    if (w) w(s);
    else arrivals.push(s);
  });
  await new Promise<void>((r) => server.listen(sockPath, r));
});

afterAll(async () => {
  if (!server) return;
  for (const s of arrivals) s.destroy();
  waiters = [];
  await new Promise<void>((r) => server.close(() => r()));
  home.cleanup();
});

describe.skipIf(process.platform !== 'linux')('peer credentials and the program behind them (Linux)', () => {
  it('names the connecting process, its uid and the Python script it runs; a second connection reads no file again; an exited peer is not taken for itself', async () => {
    const hashes = new FileHashCache();
    const deps = {
      identify: (pid: number) => identifyProgram(pid, { source: linuxProcesses, self: selfCli(), hashes }),
      source: linuxProcesses,
      uid: process.getuid!(),
    };

    const first = startClient();
    const socket = await nextConnection();
    const creds = readPeerCredentials(socket);
    expect(creds).toEqual({ ok: true, pid: first.child.pid, uid: process.getuid!(), gid: process.getgid!(), pidVersion: null });

    const peer = peerContext(socket, deps);
    expect(peer.foreignUid).toBeNull();
    const program = (await peer.program)!;
    expect(program).toMatchObject({
      pid: first.child.pid,
      interpreter: 'python3',
      exe: {
        path: realpathSync(PYTHON),
        sha256: createHash('sha256')
          .update(readFileSync(realpathSync(PYTHON)))
          .digest('hex'),
      },
      script: { path: script, sha256: createHash('sha256').update(CLIENT).digest('hex') },
      name: 'python3 peer.py',
      cwd: home.dir,
    });
    // /proc/<pid>/stat field 22, the start time that tells a reused pid apart.
    const stat = readFileSync(`/proc/${first.child.pid}/stat`, 'latin1');
    expect(program.startTime).toBe(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    expect(program.parents[0]).toMatch(/^node/); // this test's process started it
    expect(program.description).toMatch(/^python3 peer\.py, started from node.* in /);
    expect(hashes.reads).toBe(2); // the interpreter and the script
    expect(peer.stillThere(program)).toBeNull();

    // The same program again: identified from the cache, no file read.
    const second = startClient();
    const socket2 = await nextConnection();
    const again = (await peerContext(socket2, deps).program)!;
    expect(again.pid).toBe(second.child.pid);
    expect(again.key).toBe(program.key);
    expect(hashes.reads).toBe(2);

    // Another user, as far as the agent is concerned (the real second user is in consent-agent.test.ts).
    expect(peerContext(socket2, { ...deps, uid: deps.uid + 1 }).foreignUid).toBe(deps.uid);

    // The peer exits: its connection is no longer taken for that process.
    socket.destroy();
    await first.exited;
    expect(peer.stillThere(program)).toBe('the process that opened this connection has exited');
    socket2.destroy();
    await second.exited;
  });
  it("watches a process's start time through a file kept open: the same value as /proc/<pid>/stat, null once it has exited", async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    const pid = child.pid!;
    const watch = linuxProcesses.watch!(pid)!;
    expect(watch.startTime()).toBe(linuxProcesses.startTime(pid));
    expect(watch.startTime()).toMatch(/^\d+$/);
    child.kill('SIGKILL');
    await exited; // reaped: the pid is free for another process, and the open file still means this one
    expect(watch.startTime()).toBeNull();
    watch.close();
    expect(watch.startTime()).toBeNull();
    expect(linuxProcesses.watch!(pid)).toBeNull();
  });
});
