/**
 * A private folder per test for SecurityLogger tests, with the loggers they open closed
 * afterwards, and the small file helpers those tests share.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { SecurityLogger } from '../../src/main/core/audit/security-logger.js';
import { makeTmpHome } from './tmp.js';

export const KEY = Buffer.alloc(32, 0x42);

export interface LogHome {
  /** The test's folder, and the log file inside it (its folder is not created yet). */
  readonly dir: string;
  readonly logFile: string;
  /** A logger on the test's log with KEY (closed after the test). */
  open(opts?: Partial<ConstructorParameters<typeof SecurityLogger>[0]>): SecurityLogger;
  /** Closes this logger after the test too. */
  track(logger: SecurityLogger): SecurityLogger;
}

/** Registers the per-test folder (beforeEach) and its cleanup (afterEach). */
export function useLogHome(): LogHome {
  let home: { dir: string; cleanup: () => void } | undefined;
  const loggers: SecurityLogger[] = [];
  beforeEach(() => {
    home = makeTmpHome('osmen-seclog-');
  });
  afterEach(() => {
    for (const l of loggers.splice(0)) l.close();
    home?.cleanup();
  });
  const h: LogHome = {
    get dir() {
      return home!.dir;
    },
    get logFile() {
      return join(home!.dir, 'osmen', 'security.log');
    },
    open: (opts = {}) => h.track(new SecurityLogger({ logFile: h.logFile, hmacKey: KEY, ...opts })),
    track(logger) {
      loggers.push(logger);
      return logger;
    },
  };
  return h;
}

export const readLines = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
export const writeLines = (file: string, ls: string[]): void => writeFileSync(file, ls.map((l) => `${l}\n`).join(''));

/** n simple entries: seq i is an oauth event for user-i. */
export function fill(log: SecurityLogger, n: number, from = 1): void {
  for (let i = from; i < from + n; i++)
    log.logOAuthEvent('refresh', 'google', `user-${i}@example.com`, i % 3 !== 0, { attempt: i, reason: 'scheduled' });
}
