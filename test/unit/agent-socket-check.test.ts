/**
 * checkAgentSocket() on real files: what is "no agent", what is safe, and what is refused
 * (the CLI's refusals with another user's socket are in osmen-cred-agent-socket.test.ts).
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAgentSocket } from '../../src/main/core/agent/socket-check.js';
import { makeTmpHome } from '../helpers/tmp.js';

let dir: ReturnType<typeof makeTmpHome>;
let server: Server;
let sock: string;
const uid = process.getuid!();

beforeAll(async () => {
  dir = makeTmpHome('osmen-sockcheck-unit-');
  sock = join(dir.dir, 'agent.sock');
  server = createServer();
  await new Promise<void>((r) => server.listen(sock, r));
  chmodSync(sock, 0o600);
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  dir.cleanup();
});

describe.skipIf(process.platform === 'win32')('checkAgentSocket', () => {
  it('a missing path (or one through a file) is no agent; our 0600 socket in our 0700 folder is safe', () => {
    expect(checkAgentSocket(join(dir.dir, 'none.sock'))).toEqual({ state: 'absent' });
    writeFileSync(join(dir.dir, 'file'), 'x');
    expect(checkAgentSocket(join(dir.dir, 'file', 'agent.sock'))).toEqual({ state: 'absent' });
    expect(checkAgentSocket(sock)).toEqual({ state: 'safe' });
  });

  it('refuses what is not a socket, a link to a socket, and a socket of another uid', () => {
    const reason = (p: string, opts = {}) => {
      const c = checkAgentSocket(p, opts);
      return c.state === 'unsafe' ? c.reason : c.state;
    };
    expect(reason(join(dir.dir, 'file'))).toMatch(/it is a regular file, not a socket/);
    expect(reason(dir.dir)).toMatch(/it is a folder, not a socket/);
    const link = join(dir.dir, 'link.sock');
    symlinkSync(sock, link);
    expect(reason(link)).toMatch(/it is a symbolic link, not a socket/);
    expect(reason(sock, { uid: uid + 4242 })).toMatch(new RegExp(`owned by uid ${uid}, not by you \\(uid ${uid + 4242}\\)`));
    expect(reason(sock)).toBe('safe');
  });

  it('follows a folder link of ours to a private folder, and refuses one to a writable folder', () => {
    const real = join(dir.dir, 'real');
    mkdirSync(real, { mode: 0o700 });
    const s2 = join(real, 'agent.sock');
    const srv = createServer();
    return new Promise<void>((done) =>
      srv.listen(s2, () => {
        chmodSync(s2, 0o600);
        const via = join(dir.dir, 'via');
        symlinkSync(real, via);
        expect(checkAgentSocket(join(via, 'agent.sock'))).toEqual({ state: 'safe' });
        chmodSync(real, 0o733);
        const c = checkAgentSocket(join(via, 'agent.sock'));
        expect(c.state === 'unsafe' && c.reason).toMatch(/\(mode 0733\) is writable by everyone/);
        srv.close(() => done());
      }),
    );
  });
});
