/**
 * The shapes of hand-off consent (core/consent/): who asks for a token (the program the agent or
 * the CLI identified, never a name the client sends), the grants that allow it, the person's
 * answer to a consent request, the records of who got what, and HandoffConsent, what the core
 * offers of it (ConsentRole in api.ts).
 */
import type { AccessToken } from './accounts.js';

/** `handoff.consent`: `ask` (a program needs a grant, or the person's answer) or `same-user` (any program of the user). */
export type ConsentMode = 'ask' | 'same-user';

export interface ConsentModeState {
  mode: ConsentMode;
  /** Why the stored value was not used (it then is `ask`). */
  problem: string | null;
}

// ------------------------------------------------------------------ the program

/** The interpreters whose scripts are programs of their own (an executable's base name, version suffixes allowed). */
export type InterpreterFamily =
  'python3' | 'python' | 'nodejs' | 'node' | 'bash' | 'dash' | 'zsh' | 'sh' | 'ruby' | 'perl' | 'deno' | 'bun';

export interface ProgramFile {
  /** As the program sees it. */
  path: string;
  sha256: string | null;
}

/** A terminal session: its leader's pid and start time (a reused sid is another session), and the boot. */
export interface SessionRef {
  sid: number;
  leaderStart: string;
  bootId: string;
  tty: string | null;
}

/** The program behind a connection (or behind `osmen-cred token`), as the core worked it out. */
export interface ProgramIdentity {
  /** The process that is the program; null for `run`'s command (not started yet). */
  pid: number | null;
  startTime: string | null;
  exe: ProgramFile;
  interpreter: InterpreterFamily | null;
  /** The script an interpreter runs. */
  script: ProgramFile | null;
  /** Code that is not a file: `-c`, `-e` (with the code's hash), `-m <module>`, `stdin`. */
  code: { label: string; sha256: string | null } | null;
  /** In plain words: `python3 sync.py`. */
  name: string;
  cwd: string | null;
  /** Nearest first, at most 4. */
  parents: string[];
  session: SessionRef | null;
  /** `run`: the command osmen-cred run starts. */
  viaRun: boolean;
  /** "python3 sync.py, started from bash in ~/work". */
  description: string;
  /** Stable over the program's identity (paths and hashes): what records and refusals are counted by. */
  key: string;
  /**
   * Set when the executable of a script's interpreter was not hashed yet (the one-shot CLI: a
   * 100 MB node binary is hashed only when a grant needs its hash); fills in `exe.sha256`.
   */
  hashExe?(): Promise<string | null>;
}

// ------------------------------------------------------------------ grants

export interface ProgramSubject {
  kind: 'program';
  name: string;
  /** The executable; an empty path with a null hash: any of the known interpreters (a script grant). */
  exePath: string;
  exeSha256: string | null;
  scriptPath: string | null;
  scriptSha256: string | null;
  /** Code that is not a file: `-c` (with its hash), `-m module`, `stdin`. */
  code: { label: string; sha256: string | null } | null;
}

export interface SessionSubject {
  kind: 'session';
  name: string;
  sid: number;
  leaderStart: string;
  bootId: string;
  tty: string | null;
}

export interface KeySubject {
  kind: 'key';
  name: string;
  /** SHA-256 of the client key: the key itself is never stored. */
  keyHash: string;
}

export type GrantSubject = ProgramSubject | SessionSubject | KeySubject;

/** A grant as signed and stored: who, which accounts (`provider:user` or `provider:*`), which scopes, until when. */
export interface GrantBody {
  v: 1;
  id: string;
  subject: GrantSubject;
  accounts: string[];
  /** null: every scope the account holds. */
  scopes: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  once: boolean;
  createdBy: 'cli' | 'app';
}

/** A grant as listed: the signed body and its use statistics. */
export interface Grant extends GrantBody {
  lastUsedAt: number | null;
  useCount: number;
}

/** A grant and its state: `ended` is a terminal session that is over. */
export interface GrantView extends Grant {
  state: 'active' | 'expired' | 'ended';
}

/** A row that is not used, and why (edited or written without the vault's key, or malformed). */
export interface IgnoredGrant {
  id: string;
  reason: 'signature' | 'malformed';
}

/**
 * How long a grant lasts: for a while, until revoked, its next use only, or the default for its
 * kind (a program: until revoked; a terminal session: 8 h, at most 12 h; a client key: 30 days).
 */
export type GrantLifetime = { forMs: number } | 'always' | 'once' | 'default';

export type AllowSubject = { kind: 'program'; path: string } | { kind: 'pid'; pid: number } | { kind: 'session'; pid: number };

export interface AllowInput {
  subject: AllowSubject;
  /** `provider:user` or `provider:*`. */
  accounts: string[];
  /** null: all of the account's scopes. */
  scopes: string[] | null;
  lifetime: GrantLifetime;
  createdBy: 'cli' | 'app';
  /** For `--program NAME`: the PATH a #! line's interpreter is looked up in. */
  env?: NodeJS.ProcessEnv;
}

export interface ClientKeyInput {
  accounts: string[];
  scopes: string[] | null;
  lifetime: Exclude<GrantLifetime, 'once'>;
  name?: string;
}

// ------------------------------------------------------------------ asking the person

export type ConsentAnswer = 'deny' | 'once' | 'session' | 'always';

/** What the dialog shows: the program in plain words and where it is, the account, the scopes. Never a token. */
export interface ConsentRequestView {
  id: string;
  program: {
    description: string;
    name: string;
    exePath: string;
    scriptPath: string | null;
    pid: number | null;
    tty: string | null;
    viaRun: boolean;
  };
  account: { provider: string; userId: string };
  /** null: every scope the account holds. */
  scopes: string[] | null;
  /** Epoch ms when the request stops waiting. */
  expiresAt: number;
  /** The program runs in a terminal session ("Allow this terminal for 8 hours" is offered). */
  sessionAvailable: boolean;
}

// ------------------------------------------------------------------ a hand-off

export interface HandoffAsk {
  provider: string;
  user: string;
  /** A subset to narrow to; absent = what the grant allows. */
  scopes?: string[];
}

export interface HandoffCall {
  program: ProgramIdentity | null;
  /** Why there is no program (no peer credentials…). */
  unidentified?: string;
  /** agent, cli. */
  via: string;
  ask: HandoffAsk;
  /** A client key the caller sent (OSMEN_AGENT_KEY). */
  key?: string;
  minTtlMs?: number;
  /** The app can ask the person (the agent inside the desktop app). */
  canAsk: boolean;
  /** Re-checked right before the token is handed over (the agent: the peer still is the process it was). */
  stillThere?(): string | null;
  /** The headless agent's stderr line for a refused program (at most one a minute per program). */
  notice?(line: string): void;
}

// ------------------------------------------------------------------ records

/** One per-minute record of the security log, as `osmen-cred log --handoffs --json` prints it. */
export interface HandoffRecordJson {
  /** The minute's end; the entry counts what happened in the minute before it. */
  time: string;
  result: 'handed' | 'refused';
  program: string | null;
  programKey: string | null;
  exe: string | null;
  script: string | null;
  via: string | null;
  /** provider:user when the account is in the vault, else the provider and the start of the user's hash. */
  account: string | null;
  scopes: string | null;
  basis: string | null;
  grant: string | null;
  code: string | null;
  count: number;
  seq: number;
}

/** A program that got an account's tokens (an account's details). */
export interface ProgramUse {
  program: string;
  path: string | null;
  via: string | null;
  count: number;
  lastAt: number;
}

// ------------------------------------------------------------------ what the core offers

/** What the core offers of consent (CredentialCore.consent): answers, never the parts. */
export interface HandoffConsent {
  mode(): ConsentModeState;
  setMode(mode: ConsentMode, via: 'cli' | 'app'): void;
  listGrants(): GrantView[];
  ignoredGrants(): IgnoredGrant[];
  /** `osmen-cred allow` (and the app's "Always allow" / "Allow this terminal"). */
  allow(input: AllowInput): Promise<Grant>;
  /** `osmen-cred grant-key`: the key is returned once and stored only as its hash. */
  createClientKey(input: ClientKeyInput): { key: string; grant: Grant };
  revoke(id: string): boolean;
  /** The program behind a pid (the agent's peer, or the CLI's own pid: osmen-cred itself is walked past). */
  identify(pid: number, opts?: { lazyInterpreter?: boolean }): Promise<ProgramIdentity | null>;
  /** The one way a token reaches a program: decided, asked for when the app can ask, narrowed, recorded. */
  handoff(call: HandoffCall): Promise<AccessToken>;
  /** A refusal before a hand-off could be decided (a bad request, another user). */
  recordRefusal(program: ProgramIdentity | null, via: string, code: string, unidentified?: string): void;
  /** The agent writes the records once a minute while it runs. */
  startRecording(): void;
  /** The desktop app asks the person (consent-request / consent-resolved core events); off: nobody to ask. */
  enablePrompts(on: boolean): void;
  /** A vault from before consent (same-user) whose person was not yet offered the switch to ask. */
  offerSwitch(): boolean;
  dismissOffer(): void;
  /** The hand-off records among the last `limit` log entries, oldest first (`osmen-cred log --handoffs`). */
  handoffRecords(limit: number): HandoffRecordJson[];
  /** The programs that got this account's tokens (the security log's hand-off records, newest first). */
  programsOf(provider: string, userId: string): ProgramUse[];
  answer(id: string, answer: ConsentAnswer): boolean;
  pendingRequests(): ConsentRequestView[];
  /** Writes the counted records and grant uses now. */
  flush(): void;
}
