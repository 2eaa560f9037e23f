/** The process facts of this platform: /proc on Linux, libproc on macOS (koffi, loaded on first use). */
import { darwinProcesses } from '../agent/peer/darwin-process.js';
import { linuxProcesses, type ProcessSource } from './process-info.js';

const none: ProcessSource = {
  info: () => null,
  startTime: () => null,
  exeReadPath: (_pid, p) => p,
  fileReadPath: (_pid, p) => p,
  envVar: () => null,
  bootId: () => 'unknown-boot',
};

export function processSource(platform: NodeJS.Platform = process.platform): ProcessSource {
  if (platform === 'linux') return linuxProcesses;
  if (platform === 'darwin') return darwinProcesses;
  return none;
}
