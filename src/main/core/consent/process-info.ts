/**
 * What the agent reads about a process to tell which program it is: Linux's /proc here, macOS
 * through libproc (darwin-process.ts). Everything is read fresh (a pid is an observation, not an
 * identity); the start time is what tells a reused pid apart.
 */
import { closeSync, openSync, readFileSync, readlinkSync, readSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** When the process started (Linux: clock ticks since boot, /proc/<pid>/stat field 22). */
  startTime: string;
  /** The kernel's short name (comm). */
  comm: string;
  /** The running executable as a path (null when it cannot be read). */
  exePath: string | null;
  argv: string[];
  cwd: string | null;
  /** Session id (the session leader's pid); 0 when unknown. */
  sid: number;
  /** The controlling terminal (/dev/pts/3), or null. */
  tty: string | null;
}

export interface ProcessSource {
  info(pid: number): ProcessInfo | null;
  /** Only the start time: the cheap re-check before each answer. */
  startTime(pid: number): string | null;
  /**
   * The start time of one process, re-read as often as asked at less cost than startTime()
   * (Linux: one read on a file kept open, which fails once that process is gone, even when
   * its pid was reused). Null when the platform has none; the caller then uses startTime().
   */
  watch?(pid: number): ProcessWatch | null;
  /** A path from which the running executable's bytes can be read (Linux: /proc/<pid>/exe, even if the file was replaced). */
  exeReadPath(pid: number, exePath: string): string;
  /** A path from which a file can be read as the process sees it (its own root: a container's files). */
  fileReadPath(pid: number, path: string): string;
  /** One variable of the process's environment (run's PATH), or null. */
  envVar(pid: number, name: string): string | null;
  /** Tells this boot from the next (start times restart at each boot). */
  bootId(): string;
}

export interface ProcessWatch {
  /** The watched process's start time, or null once it has exited. */
  startTime(): string | null;
  close(): void;
}

/** Fields of /proc/<pid>/stat after the command name (which may itself hold spaces and parentheses). */
function statFields(text: string): { comm: string; rest: string[] } | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  return { comm: text.slice(open + 1, close), rest: text.slice(close + 2).split(' ') };
}

/** tty_nr (major in bits 8–15 and 20–31, minor in 0–7 and 12–19) as a device name. */
export function ttyName(ttyNr: number): string | null {
  if (!ttyNr) return null;
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `/dev/pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return `/dev/tty${minor}`;
  return `tty ${major}:${minor}`;
}

function readText(path: string, encoding: BufferEncoding = 'latin1'): string | null {
  try {
    return readFileSync(path, encoding);
  } catch {
    return null;
  }
}

/** /proc/<pid>/stat is one line of a few hundred bytes (the name is at most 64). */
const statBuffer = Buffer.alloc(4096);

/**
 * /proc/<pid>/stat kept open: a read costs a few µs where reading the file by name costs ~25
 * (open, fstat, read, close). The open file belongs to that process: once it has exited a read
 * fails (ESRCH), also after its pid went to another process.
 */
function watchStat(pid: number): ProcessWatch | null {
  let fd: number | null;
  try {
    fd = openSync(`/proc/${pid}/stat`, 'r');
  } catch {
    return null;
  }
  return {
    startTime() {
      if (fd === null) return null;
      try {
        const n = readSync(fd, statBuffer, 0, statBuffer.length, 0);
        return statFields(statBuffer.toString('latin1', 0, n))?.rest[19] ?? null;
      } catch {
        return null;
      }
    },
    close() {
      if (fd === null) return;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      fd = null;
    },
  };
}

function link(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

export const linuxProcesses: ProcessSource = {
  info(pid) {
    const stat = readText(`/proc/${pid}/stat`);
    const fields = stat ? statFields(stat) : null;
    if (!fields) return null;
    const { rest } = fields;
    const cmdline = readText(`/proc/${pid}/cmdline`, 'utf8') ?? '';
    const argv = cmdline.split('\0');
    if (argv[argv.length - 1] === '') argv.pop();
    const exe = link(`/proc/${pid}/exe`);
    return {
      pid,
      ppid: Number(rest[1]),
      startTime: rest[19] ?? '',
      comm: fields.comm,
      // A replaced or deleted file reads "<path> (deleted)": the bytes still run, and are hashed.
      exePath: exe === null ? null : exe.replace(/ \(deleted\)$/, ''),
      argv,
      cwd: link(`/proc/${pid}/cwd`),
      sid: Number(rest[3]) || 0,
      tty: ttyName(Number(rest[4])),
    };
  },
  startTime(pid) {
    const stat = readText(`/proc/${pid}/stat`);
    const fields = stat ? statFields(stat) : null;
    return fields?.rest[19] ?? null;
  },
  watch: watchStat,
  exeReadPath(pid) {
    return `/proc/${pid}/exe`;
  },
  fileReadPath(pid, path) {
    return `/proc/${pid}/root${path}`;
  },
  envVar(pid, name) {
    const text = readText(`/proc/${pid}/environ`);
    if (text === null) return null;
    const prefix = `${name}=`;
    const hit = text.split('\0').find((e) => e.startsWith(prefix));
    return hit === undefined ? null : hit.slice(prefix.length);
  },
  bootId() {
    return readText('/proc/sys/kernel/random/boot_id')?.trim() ?? 'unknown-boot';
  },
};
