/**
 * What a grant pins (its subject) and what a record counts (the program record), made from an
 * identified program or from a file named on the command line.
 */
import { UNIDENTIFIED_PROGRAM, type ProgramRecord } from './handoff-recorder.js';
import type { GrantSubject, ProgramFile, ProgramIdentity } from '../contracts/consent.js';

/** A running program as the agent saw it: its executable, script or inline code, all pinned by hash. */
export function subjectOf(p: ProgramIdentity): GrantSubject {
  return {
    kind: 'program',
    name: p.name.slice(0, 300),
    exePath: p.exe.path,
    exeSha256: p.exe.sha256,
    scriptPath: p.script?.path ?? null,
    scriptSha256: p.script?.sha256 ?? null,
    code: p.code ? { label: p.code.label.slice(0, 300), sha256: p.code.sha256 } : null,
  };
}

/**
 * `allow --program PATH`: a script is pinned by its own path and hash (under any known
 * interpreter: no executable hash), a binary by its path and hash.
 */
export function subjectOfFile(found: { name: string; exe: ProgramFile; script: ProgramFile | null }): GrantSubject {
  return found.script
    ? {
        kind: 'program',
        name: found.name,
        exePath: '',
        exeSha256: null,
        scriptPath: found.script.path,
        scriptSha256: found.script.sha256,
        code: null,
      }
    : {
        kind: 'program',
        name: found.name,
        exePath: found.exe.path,
        exeSha256: found.exe.sha256,
        scriptPath: null,
        scriptSha256: null,
        code: null,
      };
}

export function programRecord(p: ProgramIdentity | null, via: string, unidentified?: string): ProgramRecord {
  if (!p) return UNIDENTIFIED_PROGRAM(unidentified ?? 'no peer credentials');
  return { key: p.key, name: p.name, exe: p.exe.path || null, script: p.script?.path ?? null, via: p.viaRun ? 'run' : via };
}
