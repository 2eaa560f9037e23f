/**
 * Stand-ins for the Electron runtime, which cannot be downloaded here:
 * - an `electron` executable (a POSIX shell script) that records how it was
 *   launched and carries Electron's fuse wire in a comment line, so
 *   @electron/fuses can read and flip it like on the real binary;
 * - a runtime zip in the layout of Electron's release zips (store method, Unix
 *   modes kept), with the SHASUMS256.txt line @electron/get checks it against;
 * - a loopback "mirror" serving them under ELECTRON_MIRROR's layout;
 * - a copy of node_modules/electron in a temporary project, so tests install
 *   into the copy and never into the worktree's package.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export const ROOT = join(import.meta.dirname, '..', '..');
/** Electron's fuse sentinel (@electron/fuses constants). */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron 45's shipped fuse defaults, one ASCII digit per fuse. */
export const SHIPPED_FUSES = '101100101';

/**
 * The stand-in executable. When launched it appends "argv: <args>" and "cwd:
 * <dir>" to $STANDIN_LOG (if set), then exits with $STANDIN_EXIT (default 0).
 * With STANDIN_WAIT=1 it writes "ready" and waits for SIGTERM/SIGINT, which it
 * records before exiting 143/130.
 */
export function standInElectron(fuses = SHIPPED_FUSES): Buffer {
  const head = [
    '#!/bin/sh',
    '# osmen test stand-in for the Electron runtime',
    'log() { [ -n "$STANDIN_LOG" ] && printf "%s\\n" "$*" >> "$STANDIN_LOG"; return 0; }',
    'log "argv: $*"',
    'log "cwd: $(pwd)"',
    'if [ "$STANDIN_WAIT" = 1 ]; then',
    '  trap \'log "signal: TERM"; exit 143\' TERM',
    '  trap \'log "signal: INT"; exit 130\' INT',
    '  log ready',
    '  while :; do sleep 1; done',
    'fi',
    'exit "${STANDIN_EXIT:-0}"',
    '# fuse wire: ',
  ].join('\n');
  return Buffer.concat([
    Buffer.from(head),
    Buffer.from(FUSE_SENTINEL),
    Buffer.from([1, fuses.length]),
    Buffer.from(fuses),
    Buffer.from('\n'),
  ]);
}

interface ZipEntry {
  name: string;
  data: Buffer;
  mode: number;
}

/** A zip archive with stored (uncompressed) entries and Unix permissions. */
export function storeZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(((0o100000 | entry.mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.data);
    centrals.push(central, name);
    offset += local.length + name.length + entry.data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** The release zip for this platform: the stand-in executable and the `version` file. */
export function standInRuntimeZip(version: string): Buffer {
  return storeZip([
    { name: 'electron', data: standInElectron(), mode: 0o755 },
    { name: 'version', data: Buffer.from(version), mode: 0o644 },
  ]);
}

export interface Mirror {
  /** ELECTRON_MIRROR value (ends in /). */
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `files` (path → body) on 127.0.0.1; anything else is a 404. */
export async function startMirror(files: Record<string, Buffer | string>): Promise<Mirror> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    requests.push(path);
    const body = files[path];
    if (body === undefined) {
      res.writeHead(404).end('not here');
      return;
    }
    res.writeHead(200, { 'Content-Length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What a mirror holds for Electron `version` on this platform/arch: the zip and its checksum line. */
export function mirrorFilesFor(version: string, zip: Buffer): Record<string, Buffer | string> {
  const name = `electron-v${version}-${process.platform}-${process.arch}.zip`;
  const sha = createHash('sha256').update(zip).digest('hex');
  return {
    [`/v${version}/${name}`]: zip,
    [`/v${version}/SHASUMS256.txt`]: `${sha} *${name}\n`,
  };
}

/**
 * A project folder with the start scripts, a copy of node_modules/electron (no
 * dist/, no path.txt: a fresh install), and links to the other packages it needs.
 */
export function makeStartProject(dir: string): { root: string; electronDir: string } {
  const root = join(dir, 'project');
  mkdirSync(join(root, 'node_modules'), { recursive: true });
  mkdirSync(join(root, 'scripts'));
  for (const file of ['electron-vite.mjs', 'electron-runtime.mjs', 'electron-runtime-diagnostics.cjs']) {
    cpSync(join(ROOT, 'scripts', file), join(root, 'scripts', file));
  }
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'standin-app', version: '1.0.0', type: 'module', main: 'main.js' }));
  writeFileSync(join(root, 'main.js'), '');
  const electronDir = join(root, 'node_modules', 'electron');
  cpSync(join(ROOT, 'node_modules', 'electron'), electronDir, {
    recursive: true,
    filter: (src) => !/[/\\]electron[/\\](dist|path\.txt)$/.test(src),
  });
  // Electron's installer and electron-vite resolve these from the project.
  for (const name of ['@electron', '@electron-internal', 'electron-vite']) {
    symlinkSync(join(ROOT, 'node_modules', name), join(root, 'node_modules', name), 'junction');
  }
  return { root, electronDir };
}
