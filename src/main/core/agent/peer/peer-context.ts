/**
 * What the agent knows of one connection, worked out once at accept: the peer's credentials
 * from the kernel, whether it is another user (refused before anything else), and the program
 * behind it (a promise: hashing a program file the first time takes a moment, and other
 * connections are served meanwhile). Before each answer, stillThere() re-reads the start time of
 * the peer and of the program, so a pid reused by another process is never taken for them
 * (through a ProcessWatch where the platform has one: a /proc file kept open for the
 * connection's life, closed with it).
 */
import type { Socket } from 'node:net';
import type { ProcessSource, ProcessWatch } from '../../consent/process-info.js';
import type { ProgramIdentity } from '../../contracts/consent.js';
import { readPeerCredentials, type PeerCredentials } from './peer-credentials.js';

export interface PeerContext {
  /** The peer's uid when it is not the agent's: every request is answered `forbidden`. */
  readonly foreignUid: number | null;
  readonly program: Promise<ProgramIdentity | null>;
  /** Why there is no program (no peer credentials, a pid the agent cannot see). */
  readonly unidentified: string | undefined;
  /** Null while the peer and the program are the processes they were; else why not. */
  stillThere(program: ProgramIdentity | null): string | null;
}

export interface PeerDeps {
  identify(pid: number): Promise<ProgramIdentity | null>;
  source: ProcessSource;
  uid: number | null;
  /** Tests and odd platforms: credentials from elsewhere. */
  read?(socket: Socket): PeerCredentials;
}

export function peerContext(socket: Socket, deps: PeerDeps): PeerContext {
  const creds = (deps.read ?? readPeerCredentials)(socket);
  if (!creds.ok) {
    return { foreignUid: null, program: Promise.resolve(null), unidentified: creds.reason, stillThere: () => null };
  }
  // root (uid 0) reaches any socket file; it is another user all the same.
  const foreignUid = deps.uid !== null && creds.uid !== deps.uid ? creds.uid : null;
  if (foreignUid !== null || creds.pid === null) {
    return {
      foreignUid,
      program: Promise.resolve(null),
      unidentified: creds.pid === null ? 'the peer process is not visible to the agent' : undefined,
      stillThere: () => null,
    };
  }
  const pid = creds.pid;
  const peerStart = deps.source.startTime(pid);
  const program = peerStart === null ? Promise.resolve(null) : deps.identify(pid);
  const watches = new Map<number, ProcessWatch | null>();
  const startOf = (p: number): string | null => {
    if (!deps.source.watch) return deps.source.startTime(p);
    let w = watches.get(p);
    if (w === undefined) {
      if (socket.destroyed) return deps.source.startTime(p);
      watches.set(p, (w = deps.source.watch(p)));
    }
    return w ? w.startTime() : null;
  };
  socket.once('close', () => {
    for (const w of watches.values()) w?.close();
    watches.clear();
  });
  return {
    foreignUid: null,
    program,
    unidentified: peerStart === null ? 'the peer process exited before it could be identified' : undefined,
    stillThere(p) {
      if (peerStart !== null && startOf(pid) !== peerStart) return 'the process that opened this connection has exited';
      if (p?.pid != null && p.pid !== pid && startOf(p.pid) !== p.startTime) return `${p.name} (pid ${p.pid}) has exited`;
      return null;
    },
  };
}
