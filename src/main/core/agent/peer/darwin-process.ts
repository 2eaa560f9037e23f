/**
 * The process facts of process-info.ts on macOS, through libproc and sysctl (koffi): the
 * executable (proc_pidpath), parent, start time, session and terminal (proc_pidinfo
 * PROC_PIDTBSDINFO, getsid, devname), the working folder (PROC_PIDVNODEPATHINFO) and argv and
 * environment (sysctl KERN_PROCARGS2). Written and type-checked against the documented layouts;
 * this project's tests run on Linux and cannot run it.
 */
import { libcName, loadKoffi } from './native.js';
import type { ProcessInfo, ProcessSource } from '../../consent/process-info.js';

const PROC_PIDTBSDINFO = 3;
const PROC_PIDVNODEPATHINFO = 9;
const BSDINFO_SIZE = 136;
const VNODE_INFO_SIZE = 152;
const MAXPATHLEN = 1024;
const CTL_KERN = 1;
const KERN_PROCARGS2 = 49;
const NODEV = 0xffffffff;
const S_IFCHR = 0o020000;

interface Calls {
  pidpath(pid: number, buf: Buffer, size: number): number;
  pidinfo(pid: number, flavor: number, arg: bigint, buf: Buffer, size: number): number;
  sysctl(mib: number[], n: number, buf: Buffer | null, size: number[], newp: null, newlen: number): number;
  getsid(pid: number): number;
  devname(dev: number, type: number): string | null;
}

let calls: Calls | null | undefined;

function load(): Calls | null {
  if (calls !== undefined) return calls;
  const { koffi } = loadKoffi();
  if (!koffi) return (calls = null);
  try {
    const lib = koffi.load(libcName('darwin')!);
    calls = {
      pidpath: lib.func('int proc_pidpath(int pid, _Out_ uint8_t *buf, uint32_t size)') as Calls['pidpath'],
      pidinfo: lib.func('int proc_pidinfo(int pid, int flavor, uint64_t arg, _Out_ uint8_t *buf, int size)') as Calls['pidinfo'],
      sysctl: lib.func(
        'int sysctl(int *mib, uint32_t n, _Out_ uint8_t *buf, _Inout_ size_t *size, void *newp, size_t newlen)',
      ) as Calls['sysctl'],
      getsid: lib.func('int getsid(int pid)') as Calls['getsid'],
      devname: lib.func('const char *devname(uint32_t dev, uint32_t type)') as Calls['devname'],
    };
  } catch {
    calls = null;
  }
  return calls;
}

function cString(buf: Buffer, start = 0, end = buf.length): string {
  const nul = buf.indexOf(0, start);
  return buf.toString('utf8', start, nul < 0 || nul > end ? end : nul);
}

/** KERN_PROCARGS2: argc, the exec path, padding NULs, argv, then the environment. */
function procArgs(c: Calls, pid: number): { argv: string[]; env: string[] } | null {
  const size = [0];
  if (c.sysctl([CTL_KERN, KERN_PROCARGS2, pid], 3, null, size, null, 0) !== 0 || size[0]! <= 4) return null;
  const buf = Buffer.alloc(size[0]!);
  if (c.sysctl([CTL_KERN, KERN_PROCARGS2, pid], 3, buf, size, null, 0) !== 0) return null;
  const argc = buf.readInt32LE(0);
  let at = buf.indexOf(0, 4);
  while (at < size[0]! && buf[at] === 0) at++;
  const strings: string[] = [];
  while (at < size[0]!) {
    const end = buf.indexOf(0, at);
    if (end < 0) break;
    strings.push(buf.toString('utf8', at, end));
    at = end + 1;
  }
  return { argv: strings.slice(0, argc), env: strings.slice(argc).filter((s) => s.includes('=')) };
}

function bsdInfo(c: Calls, pid: number): Buffer | null {
  const buf = Buffer.alloc(BSDINFO_SIZE);
  return c.pidinfo(pid, PROC_PIDTBSDINFO, 0n, buf, BSDINFO_SIZE) === BSDINFO_SIZE ? buf : null;
}

function startOf(info: Buffer): string {
  return `${info.readBigUInt64LE(120)}.${String(info.readBigUInt64LE(128)).padStart(6, '0')}`;
}

export const darwinProcesses: ProcessSource = {
  info(pid) {
    const c = load();
    if (!c) return null;
    const info = bsdInfo(c, pid);
    if (!info) return null;
    const path = Buffer.alloc(4 * MAXPATHLEN);
    const exeLen = c.pidpath(pid, path, path.length);
    const vnode = Buffer.alloc(2 * (VNODE_INFO_SIZE + MAXPATHLEN));
    const cwdOk = c.pidinfo(pid, PROC_PIDVNODEPATHINFO, 0n, vnode, vnode.length) > 0;
    const tdev = info.readUInt32LE(108);
    const args = procArgs(c, pid);
    return {
      pid,
      ppid: info.readUInt32LE(16),
      startTime: startOf(info),
      comm: cString(info, 48, 64),
      exePath: exeLen > 0 ? path.toString('utf8', 0, exeLen) : null,
      argv: args?.argv ?? [],
      cwd: cwdOk ? cString(vnode, VNODE_INFO_SIZE, VNODE_INFO_SIZE + MAXPATHLEN) || null : null,
      sid: Math.max(0, c.getsid(pid)),
      tty: tdev === NODEV ? null : (c.devname(tdev, S_IFCHR) ?? null),
    };
  },
  startTime(pid) {
    const c = load();
    const info = c ? bsdInfo(c, pid) : null;
    return info ? startOf(info) : null;
  },
  exeReadPath(_pid, exePath) {
    return exePath;
  },
  fileReadPath(_pid, path) {
    return path;
  },
  envVar(pid, name) {
    const c = load();
    const args = c ? procArgs(c, pid) : null;
    const hit = args?.env.find((e) => e.startsWith(`${name}=`));
    return hit === undefined ? null : hit.slice(name.length + 1);
  },
  bootId() {
    return 'darwin-boot';
  },
};

export function darwinProcessInfo(pid: number): ProcessInfo | null {
  return darwinProcesses.info(pid);
}
