/**
 * The check a client makes before it sends anything to an agent socket (docs/cli.md, "Which
 * socket is trusted"): a socket another user planted where we look (a custom
 * `OSMEN_AGENT_SOCK` in /tmp, a shared folder) would otherwise be told which accounts we want
 * and could answer with tokens of its choosing.
 *
 * On POSIX the socket must be a socket (not a link to one) owned by us, with no group or other
 * permission bits, in a folder owned by us (or root) that group and others cannot write, so
 * nobody else can have put it there or swap it between this check and the connect. A path that
 * does not exist means "no agent". Windows named pipes are not files; they are not checked here.
 *
 * Node built-ins only: the CLI's agent-first path loads it without the vault.
 */
import { lstatSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

export type SocketCheck =
  /** Nothing at that path: no agent there. */
  | { state: 'absent' }
  /** Ours and private: talk to it. */
  | { state: 'safe' }
  /** Refuse without connecting; `reason` says what is wrong (owner uid, mode, folder). */
  | { state: 'unsafe'; reason: string };

export interface SocketCheckOptions {
  /** The caller's uid (default process.getuid()). */
  uid?: number;
  platform?: NodeJS.Platform;
}

/** 0660, 1777: the way ls -l and chmod say it. */
const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');
const quoted = (p: string) => JSON.stringify(p);

function kindOf(s: Stats): string {
  if (s.isSymbolicLink()) return 'a symbolic link';
  if (s.isFile()) return 'a regular file';
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe';
  return 'not a socket';
}

function lstatOrCode(path: string): Stats | string {
  try {
    return lstatSync(path);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
  }
}

/** The folder's owner and mode, following a symbolic link only when the link itself is ours or root's. */
function folderProblem(dir: string, uid: number): string | null {
  const link = lstatOrCode(dir);
  if (typeof link === 'string') return `its folder ${quoted(dir)} cannot be checked (${link})`;
  let folder = link;
  if (link.isSymbolicLink()) {
    if (link.uid !== uid && link.uid !== 0) {
      return `its folder ${quoted(dir)} is a symbolic link owned by uid ${link.uid}, not by you (uid ${uid}) or root`;
    }
    try {
      folder = statSync(dir);
    } catch (err) {
      return `its folder ${quoted(dir)} cannot be checked (${(err as NodeJS.ErrnoException).code ?? 'EUNKNOWN'})`;
    }
  }
  if (!folder.isDirectory()) return `${quoted(dir)} is not a folder`;
  if (folder.uid !== uid && folder.uid !== 0) {
    return `its folder ${quoted(dir)} is owned by uid ${folder.uid}, not by you (uid ${uid}) or root`;
  }
  if ((folder.mode & 0o022) !== 0) {
    return `its folder ${quoted(dir)} (mode ${octal(folder.mode)}) is writable by ${folder.mode & 0o002 ? 'everyone' : 'its group'}, so someone else could have put the socket there`;
  }
  return null;
}

export function checkAgentSocket(path: string, options: SocketCheckOptions = {}): SocketCheck {
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') return { state: 'safe' };
  const uid = options.uid ?? process.getuid?.() ?? -1;
  const s = lstatOrCode(path);
  if (s === 'ENOENT' || s === 'ENOTDIR') return { state: 'absent' };
  const refuse = (what: string): SocketCheck => ({
    state: 'unsafe',
    reason: `Refusing the agent socket ${quoted(path)}: ${what}. Nothing was sent to it.`,
  });
  if (typeof s === 'string') return refuse(`it cannot be checked (${s})`);
  if (!s.isSocket()) return refuse(`it is ${kindOf(s)}, not a socket`);
  if (s.uid !== uid) return refuse(`it is owned by uid ${s.uid}, not by you (uid ${uid}); another user may have planted it`);
  if ((s.mode & 0o077) !== 0) return refuse(`its mode is ${octal(s.mode)}: group or others may use it (it must be 0600)`);
  const folder = folderProblem(dirname(path), uid);
  return folder ? refuse(folder) : { state: 'safe' };
}
