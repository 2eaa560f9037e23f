/**
 * Who is at the other end of an agent connection, as the kernel says (never as the client says):
 * - Linux: getsockopt(fd, SOL_SOCKET, SO_PEERCRED) → pid, uid, gid at connect().
 * - macOS: getsockopt(fd, SOL_LOCAL, LOCAL_PEERCRED) → uid; LOCAL_PEERPID → pid;
 *   LOCAL_PEERTOKEN → the audit token (its pid version tells a reused pid apart). Written and
 *   type-checked; not run by this project's tests (they run on Linux).
 * - FreeBSD: getpeereid() → uid and gid only (no pid: the program cannot be identified).
 * - Windows: Node does not expose a named pipe's HANDLE, so GetNamedPipeClientProcessId cannot
 *   be called on a pipe that net.Server owns: no credentials, only client keys (docs/cli.md).
 *
 * The file descriptor comes from the socket's libuv handle (`socket._handle.fd`), which Node
 * does not document but has kept for every Unix release.
 */
import type { Socket } from 'node:net';
import { libcName, loadKoffi, type Koffi } from './native.js';

export type PeerCredentials =
  { ok: true; pid: number | null; uid: number; gid: number; pidVersion: number | null } | { ok: false; reason: string };

type Reader = (fd: number) => PeerCredentials;

const SOL_SOCKET_LINUX = 1;
const SO_PEERCRED_LINUX = 17;
const SOL_LOCAL_DARWIN = 0;
const LOCAL_PEERCRED_DARWIN = 0x001;
const LOCAL_PEERPID_DARWIN = 0x002;
const LOCAL_PEERTOKEN_DARWIN = 0x006;
const XUCRED_VERSION = 0;

let reader: { read: Reader | null; reason: string | null } | null = null;

type Getsockopt = (fd: number, level: number, option: number, out: unknown, len: number[]) => number;

/** getsockopt(fd, level, option, *out, *len) with `out` typed as the option's answer. */
function getsockoptReturning(koffi: Koffi, lib: ReturnType<Koffi['load']>, answer: Parameters<Koffi['out']>[0]): Getsockopt {
  return lib.func('getsockopt', 'int', ['int', 'int', 'int', koffi.out(koffi.pointer(answer)), koffi.inout(koffi.pointer('uint32'))]);
}

function linuxReader(koffi: Koffi): Reader {
  const lib = koffi.load(libcName('linux')!);
  const ucred = koffi.struct('osmen_ucred', { pid: 'int32', uid: 'uint32', gid: 'uint32' });
  const getsockopt = getsockoptReturning(koffi, lib, ucred);
  return (fd) => {
    const out: { pid?: number; uid?: number; gid?: number } = {};
    const len = [ucred.size];
    if (getsockopt(fd, SOL_SOCKET_LINUX, SO_PEERCRED_LINUX, out, len) !== 0) {
      return { ok: false, reason: `getsockopt(SO_PEERCRED) failed (errno ${koffi.errno()})` };
    }
    // pid 0: the peer is in a pid namespace we cannot see into (no pid to identify).
    return { ok: true, pid: out.pid && out.pid > 0 ? out.pid : null, uid: out.uid!, gid: out.gid!, pidVersion: null };
  };
}

function darwinReader(koffi: Koffi): Reader {
  const lib = koffi.load(libcName('darwin')!);
  const xucred = koffi.struct('osmen_xucred', {
    cr_version: 'uint32',
    cr_uid: 'uint32',
    cr_ngroups: 'int16',
    cr_groups: koffi.array('uint32', 16),
  });
  const auditToken = koffi.struct('osmen_audit_token', { val: koffi.array('uint32', 8) });
  const getCred = getsockoptReturning(koffi, lib, xucred);
  const getPid = getsockoptReturning(koffi, lib, 'int32');
  const getToken = getsockoptReturning(koffi, lib, auditToken);
  return (fd) => {
    const cred: { cr_version?: number; cr_uid?: number; cr_groups?: number[] } = {};
    if (getCred(fd, SOL_LOCAL_DARWIN, LOCAL_PEERCRED_DARWIN, cred, [xucred.size]) !== 0 || cred.cr_version !== XUCRED_VERSION) {
      return { ok: false, reason: `getsockopt(LOCAL_PEERCRED) failed (errno ${koffi.errno()})` };
    }
    const pid = [0];
    const pidOk = getPid(fd, SOL_LOCAL_DARWIN, LOCAL_PEERPID_DARWIN, pid, [4]) === 0 && pid[0]! > 0;
    // audit_token_t: val[5] is the pid, val[7] its version (a reused pid has another version).
    const token: { val?: number[] } = {};
    const tokenOk = getToken(fd, SOL_LOCAL_DARWIN, LOCAL_PEERTOKEN_DARWIN, token, [auditToken.size]) === 0;
    const tokenPid = tokenOk ? (token.val?.[5] ?? null) : null;
    return {
      ok: true,
      pid: tokenPid ?? (pidOk ? pid[0]! : null),
      uid: cred.cr_uid!,
      gid: cred.cr_groups?.[0] ?? 0,
      pidVersion: tokenOk ? (token.val?.[7] ?? null) : null,
    };
  };
}

function freebsdReader(koffi: Koffi): Reader {
  const lib = koffi.load(libcName('freebsd')!);
  const getpeereid = lib.func('getpeereid', 'int', ['int', koffi.out(koffi.pointer('uint32')), koffi.out(koffi.pointer('uint32'))]);
  return (fd) => {
    const uid = [0];
    const gid = [0];
    if (getpeereid(fd, uid, gid) !== 0) return { ok: false, reason: `getpeereid failed (errno ${koffi.errno()})` };
    return { ok: true, pid: null, uid: uid[0]!, gid: gid[0]!, pidVersion: null };
  };
}

/** The reader for this platform, built once; null with the reason when there is none. */
export function peerCredentialReader(platform: NodeJS.Platform = process.platform): { read: Reader | null; reason: string | null } {
  if (reader) return reader;
  if (platform === 'win32') {
    reader = { read: null, reason: 'Windows named pipes do not give the agent the calling process' };
    return reader;
  }
  const make = platform === 'linux' ? linuxReader : platform === 'darwin' ? darwinReader : platform === 'freebsd' ? freebsdReader : null;
  if (!make) {
    reader = { read: null, reason: `peer credentials are not supported on ${platform}` };
    return reader;
  }
  const { koffi, error } = loadKoffi();
  if (!koffi) {
    reader = { read: null, reason: error };
    return reader;
  }
  try {
    reader = { read: make(koffi), reason: null };
  } catch (err) {
    reader = { read: null, reason: `the C library could not be used (${(err as Error).message?.split('\n')[0]})` };
  }
  return reader;
}

/** The socket's file descriptor (libuv handle), or null when Node has none to give (Windows pipes). */
export function socketFd(socket: Socket): number | null {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

/** The peer's credentials; never throws. */
export function readPeerCredentials(socket: Socket): PeerCredentials {
  const { read, reason } = peerCredentialReader();
  if (!read) return { ok: false, reason: reason ?? 'no peer credentials' };
  const fd = socketFd(socket);
  if (fd === null) return { ok: false, reason: 'the socket has no file descriptor' };
  try {
    return read(fd);
  } catch (err) {
    return { ok: false, reason: `reading peer credentials failed (${(err as Error).message?.split('\n')[0]})` };
  }
}
