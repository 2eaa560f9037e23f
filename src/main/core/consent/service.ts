/**
 * Consent for the token hand-off, as one service of the core: the mode, the grants, client
 * keys, the decision for each hand-off (and asking the person when the app can), and the
 * records. The agent and the CLI hand tokens to programs only through handoff().
 */
import type {
  AllowInput,
  ClientKeyInput,
  ConsentAnswer,
  ConsentMode,
  ConsentModeState,
  ConsentRequestView,
  Grant,
  GrantLifetime,
  GrantSubject,
  GrantView,
  HandoffAsk,
  HandoffCall,
  HandoffConsent,
  HandoffRecordJson,
  IgnoredGrant,
  ProgramIdentity,
  ProgramUse,
} from '../contracts/consent.js';
import type { AccessToken, TokenMetadata } from '../contracts/accounts.js';
import type { HealthCheck } from '../contracts/settings.js';
import type { SecurityEventSink, SecurityLogEntry } from '../contracts/security-log.js';
import { errorCodeOf } from '../exit-codes.js';
import { CodedError } from '../errors.js';
import type { CoreEvents } from '../events.js';
import type { TokenStore } from '../vault/token-store.js';
import { allowCommand } from './allow-command.js';
import { clientKeyHash, CLIENT_KEY_RE, newClientKey } from './client-key.js';
import { ConsentBroker, type BrokerHooks } from './consent-broker.js';
import { ConsentError } from './consent-errors.js';
import { consentHealthChecks } from './consent-health.js';
import { ConsentModeStore } from './consent-mode.js';
import { decide, type Decision } from './decide.js';
import { FileHashCache } from './file-hash.js';
import { GrantStore } from './grant-store.js';
import { DEFAULT_KEY_MS, DEFAULT_SESSION_MS, MAX_SESSION_MS, parseAccountPattern } from './grant-types.js';
import { HandoffRecorder, type ProgramRecord } from './handoff-recorder.js';
import { handoffRecords, programsOfAccount } from './handoff-history.js';
import { processSource } from './platform.js';
import { identifyProgram, programFromPath } from './program.js';
import { selfCli } from './self-cli.js';
import { programRecord, subjectOf, subjectOfFile } from './subjects.js';

export interface ConsentDeps {
  tokens: TokenStore;
  log: SecurityEventSink;
  getToken(provider: string, userId: string, opts: { minTtlMs?: number; scopes?: string[] }): Promise<AccessToken>;
  getAccount(provider: string, userId: string): TokenMetadata | null;
  home: string;
  /** The default data folder: the allow command names --home only for another one. */
  defaultHome: string;
  now?: () => number;
  recordIntervalMs?: number;
  /** Where consent requests are announced to the app. */
  events?: CoreEvents;
  /** The security log, for the programs that used an account. */
  readLog?(limit: number): SecurityLogEntry[];
  userHash?(userId: string): string;
}

const OFFER_SEEN = 'consent_switch_offered';

const NOTICE_INTERVAL_MS = 60_000;

export class ConsentService implements HandoffConsent {
  readonly grants: GrantStore;
  readonly recorder: HandoffRecorder;
  readonly broker = new ConsentBroker();
  readonly hashes = new FileHashCache();
  private readonly modes: ConsentModeStore;
  private readonly notices = new Map<string, number>();
  private readonly now: () => number;
  private reportedIgnored = new Set<string>();

  constructor(private readonly deps: ConsentDeps) {
    this.now = deps.now ?? Date.now;
    this.grants = new GrantStore(deps.tokens, this.now);
    this.modes = new ConsentModeStore(deps.tokens);
    this.recorder = new HandoffRecorder(deps.log, { intervalMs: deps.recordIntervalMs, now: this.now });
  }

  mode(): ConsentModeState {
    return this.modes.get();
  }

  setMode(mode: ConsentMode, via: 'cli' | 'app'): void {
    const before = this.modes.get().mode;
    this.modes.set(mode);
    if (before !== mode) this.deps.log.logSecurityEvent('consent_mode_changed', { reason: `${before}->${mode}`, source: via }, 'warn');
  }

  /** The signed grants and their state; unsigned or malformed rows are ignored, and reported once in the log. */
  listGrants(): GrantView[] {
    const list = this.grants.list();
    this.reportIgnored(this.grants.ignored());
    const now = this.now();
    return list.map((g) => ({
      ...g,
      state:
        g.expiresAt !== null && g.expiresAt <= now
          ? 'expired'
          : g.subject.kind === 'session' && !this.sessionAlive(g.subject)
            ? 'ended'
            : 'active',
    }));
  }

  ignoredGrants(): IgnoredGrant[] {
    return this.grants.ignored();
  }

  private reportIgnored(ignored: IgnoredGrant[]): void {
    for (const i of ignored) {
      if (this.reportedIgnored.has(i.id)) continue;
      this.reportedIgnored.add(i.id);
      this.deps.log.logSecurityEvent('grant_ignored', { reason: i.reason, code: i.id }, 'warn');
    }
  }

  identify(pid: number, opts: { lazyInterpreter?: boolean } = {}): Promise<ProgramIdentity | null> {
    return identifyProgram(pid, { source: processSource(), self: selfCli(), hashes: this.hashes, lazyInterpreter: opts.lazyInterpreter });
  }

  private checkAccounts(accounts: string[], scopes: string[] | null): void {
    if (accounts.length === 0) throw new CodedError('USAGE', 'usage', 'Name at least one --account <provider>:<user>.');
    for (const spec of accounts) {
      const { provider, user } = parseAccountPattern(spec);
      if (user === '*') continue;
      const account = this.deps.getAccount(provider, user);
      if (!account)
        throw new CodedError('ACCOUNT_NOT_FOUND', 'not_found', `No account ${spec.slice(0, 200)} in the vault. See \`osmen-cred list\`.`);
      const outside = scopes?.filter((s) => !account.scopes.includes(s)) ?? [];
      if (outside.length > 0) {
        throw new CodedError(
          'SCOPE_NOT_GRANTED',
          'usage',
          `${spec.slice(0, 200)} does not hold ${outside.slice(0, 5).join(' ')}; its scopes are: ${account.scopes.join(' ')}.`,
        );
      }
    }
  }

  /** `osmen-cred allow` (and the app's "Always allow" / "Allow this terminal"). */
  async allow(input: AllowInput): Promise<Grant> {
    this.checkAccounts(input.accounts, input.scopes);
    // The lifetime's rules first: a usage error before any process or file is looked at.
    const { expiresAt, once } = this.lifetime(input.lifetime, input.subject.kind === 'session' ? 'session' : 'program');
    let subject: GrantSubject;
    if (input.subject.kind === 'program') {
      const found = await programFromPath(input.subject.path, { hashes: this.hashes }, input.env);
      if (!found || (!found.exe.sha256 && !found.script?.sha256)) {
        throw new CodedError('PROGRAM_NOT_FOUND', 'not_found', `No readable program file at ${input.subject.path.slice(0, 300)}.`);
      }
      subject = subjectOfFile(found);
    } else if (input.subject.kind === 'pid') {
      const p = await this.identify(input.subject.pid);
      if (!p || !p.exe.sha256)
        throw new CodedError('PROCESS_NOT_FOUND', 'not_found', `No process ${input.subject.pid} that can be identified.`);
      subject = subjectOf(p);
    } else {
      const info = processSource().info(input.subject.pid);
      const leaderStart = info?.sid ? processSource().startTime(info.sid) : null;
      if (!info || !info.tty || !leaderStart) {
        throw new CodedError('NO_TERMINAL_SESSION', 'usage', '--session allows the terminal this command runs in, and it runs in none.');
      }
      subject = {
        kind: 'session',
        name: `terminal ${info.tty}`,
        sid: info.sid,
        leaderStart,
        bootId: processSource().bootId(),
        tty: info.tty,
      };
    }
    const grant = this.grants.add({ subject, accounts: input.accounts, scopes: input.scopes, expiresAt, once, createdBy: input.createdBy });
    this.deps.log.logSecurityEvent('grant_added', { code: grant.id, reason: subject.kind, program: subject.name, source: input.createdBy });
    return grant;
  }

  /**
   * When a grant ends: a program's lasts until revoked unless told otherwise; a terminal
   * session's 8 hours, at most 12 (and it ends with the session); a client key's 30 days.
   */
  private lifetime(lifetime: GrantLifetime, kind: GrantSubject['kind']): { expiresAt: number | null; once: boolean } {
    const now = this.now();
    if (kind === 'session') {
      if (lifetime === 'once' || lifetime === 'always') {
        throw new CodedError('USAGE', 'usage', 'A terminal session is allowed for a time: --for (at most 12h).');
      }
      if (lifetime !== 'default' && lifetime.forMs > MAX_SESSION_MS) {
        throw new CodedError('USAGE', 'usage', 'A terminal session is allowed for at most 12h.');
      }
      return { expiresAt: now + (lifetime === 'default' ? DEFAULT_SESSION_MS : lifetime.forMs), once: false };
    }
    if (lifetime === 'once') {
      if (kind === 'key') throw new CodedError('USAGE', 'usage', 'A client key is not for one use; give --for or --always.');
      return { expiresAt: null, once: true };
    }
    if (lifetime === 'always') return { expiresAt: null, once: false };
    if (lifetime === 'default') return { expiresAt: kind === 'key' ? now + DEFAULT_KEY_MS : null, once: false };
    return { expiresAt: now + lifetime.forMs, once: false };
  }

  /** `osmen-cred grant-key`: the key is returned once and stored only as its hash. */
  createClientKey(input: ClientKeyInput): { key: string; grant: Grant } {
    this.checkAccounts(input.accounts, input.scopes);
    const key = newClientKey();
    const { expiresAt } = this.lifetime(input.lifetime, 'key');
    const grant = this.grants.add({
      subject: { kind: 'key', name: (input.name ?? 'client key').slice(0, 300), keyHash: clientKeyHash(key) },
      accounts: input.accounts,
      scopes: input.scopes,
      expiresAt,
      once: false,
      createdBy: 'cli',
    });
    this.deps.log.logSecurityEvent('grant_added', { code: grant.id, reason: 'key', source: 'cli' });
    return { key, grant };
  }

  revoke(id: string): boolean {
    const done = this.grants.revoke(id);
    if (done) this.deps.log.logSecurityEvent('grant_revoked', { code: id });
    return done;
  }

  private sessionAlive = (s: { sid: number; leaderStart: string; bootId: string }): boolean => {
    const source = processSource();
    return source.bootId() === s.bootId && source.startTime(s.sid) === s.leaderStart;
  };

  decide(call: Pick<HandoffCall, 'program' | 'unidentified' | 'ask' | 'key'>): Decision {
    let key: { grant: Grant | null } | undefined;
    if (call.key !== undefined) key = { grant: CLIENT_KEY_RE.test(call.key) ? this.grants.byKeyHash(clientKeyHash(call.key)) : null };
    return decide({
      mode: this.modes.get().mode,
      program: call.program,
      unidentified: call.unidentified,
      ask: call.ask,
      key,
      grants: this.grants.list(),
      now: this.now(),
      sessionAlive: this.sessionAlive,
    });
  }

  /** The person's answer turned into what it grants; null: refused. */
  private async fromAnswer(answer: ConsentAnswer | null, program: ProgramIdentity, ask: HandoffAsk): Promise<Decision | null> {
    if (answer === null || answer === 'deny') return null;
    const scopes = ask.scopes ? [...ask.scopes] : undefined;
    if (answer === 'once') return { ok: true, scopes, grant: null, basis: 'grant' };
    const accounts = [`${ask.provider}:${ask.user}`];
    const subject: GrantSubject =
      answer === 'session' && program.session?.tty
        ? { kind: 'session', name: `terminal ${program.session.tty}`, ...program.session, tty: program.session.tty }
        : subjectOf(program);
    const expiresAt = subject.kind === 'session' ? this.now() + DEFAULT_SESSION_MS : null;
    const grant = this.grants.add({ subject, accounts, scopes: scopes ?? null, expiresAt, once: false, createdBy: 'app' });
    this.deps.log.logSecurityEvent('grant_added', { code: grant.id, reason: subject.kind, program: subject.name, source: 'app' });
    return { ok: true, scopes, grant, basis: 'grant' };
  }

  private refuse(call: HandoffCall, record: ProgramRecord, code: 'consent_required' | 'forbidden', reason: string): never {
    this.recorder.refusal(record, code);
    if (code === 'forbidden' || !call.program || call.key !== undefined) throw new ConsentError(code, `Refused: ${reason}.`);
    const home = this.deps.home === this.deps.defaultHome ? null : this.deps.home;
    const command = allowCommand(call.program, call.ask, home);
    const account = `${call.ask.provider}:${call.ask.user}`;
    if (call.notice) {
      // One line a minute per program, whatever accounts it names.
      const k = call.program.key;
      if ((this.notices.get(k) ?? 0) <= this.now()) {
        this.notices.set(k, this.now() + NOTICE_INTERVAL_MS);
        if (this.notices.size > 1000) this.notices.delete(this.notices.keys().next().value!);
        call.notice(
          `consent required: ${call.program.description} (${call.program.script?.path ?? call.program.exe.path}) asked for ${account}; to allow it: ${command}`,
        );
      }
    }
    throw new ConsentError('consent_required', `Consent required: ${reason}. To allow it: ${command}`, command);
  }

  /** A token for a program: decided, asked for when the app can ask, narrowed, and recorded. */
  async handoff(call: HandoffCall): Promise<AccessToken> {
    const record = programRecord(call.program, call.key !== undefined ? 'key' : call.via, call.unidentified);
    // The interpreter's hash, when it was left out, only if a grant could need it.
    if (call.program?.hashExe && call.program.exe.sha256 === null && this.modes.get().mode === 'ask') {
      if (this.grants.list().some((g) => g.subject.kind === 'program' && g.subject.exeSha256 !== null)) await call.program.hashExe();
    }
    let decision = this.decide(call);
    if (
      !decision.ok &&
      decision.code === 'consent_required' &&
      call.canAsk &&
      call.program &&
      call.key === undefined &&
      this.broker.available
    ) {
      const answer = await this.broker.ask(call.program, call.ask);
      const granted = await this.fromAnswer(answer, call.program, call.ask);
      if (granted) decision = granted;
      else
        decision = {
          ok: false,
          code: 'consent_required',
          reason: answer === 'deny' ? 'the person denied it' : 'nobody answered the consent request in time',
        };
    }
    if (!decision.ok) this.refuse(call, record, decision.code, decision.reason);
    if (decision.grant?.once && !this.grants.consume(decision.grant.id)) return this.handoff(call);
    const gone = call.stillThere?.();
    if (gone) this.refuse(call, record, 'forbidden', gone);
    let token: AccessToken;
    try {
      token = await this.deps.getToken(call.ask.provider, call.ask.user, { minTtlMs: call.minTtlMs, scopes: decision.scopes });
    } catch (err) {
      this.recorder.refusal(record, errorCodeOf(err));
      throw err;
    }
    if (decision.scopes && token.scopes.some((s) => !decision.scopes!.includes(s))) {
      // Never hand out more than was granted, even if the token could not be narrowed.
      this.recorder.refusal(record, 'not_narrowed');
      throw new CodedError('NOT_NARROWED', 'internal', 'The token could not be narrowed to the granted scopes; it was not handed out.');
    }
    const basis = decision.basis === 'grant' && !decision.grant ? 'answer' : decision.basis;
    this.recorder.handoff(record, call.ask.provider, call.ask.user, decision.scopes, basis, decision.grant?.id ?? null);
    if (decision.grant && !decision.grant.once) this.grants.noteUse(decision.grant.id);
    return token;
  }

  /** A refusal that happened before a hand-off could be decided (bad request, another user). */
  recordRefusal(program: ProgramIdentity | null, via: string, code: string, unidentified?: string): void {
    this.recorder.refusal(programRecord(program, via, unidentified), code);
  }

  attachPrompt(hooks: BrokerHooks | null): void {
    this.broker.attach(hooks);
  }

  enablePrompts(on: boolean): void {
    const events = this.deps.events;
    this.broker.attach(
      on && events
        ? {
            onRequest: (view) => events.emit('consent-request', view),
            onResolved: (id, answer) => events.emit('consent-resolved', { id, answer }),
          }
        : null,
    );
  }

  offerSwitch(): boolean {
    return this.modes.get().mode === 'same-user' && this.deps.tokens.readMeta(OFFER_SEEN) === null;
  }

  dismissOffer(): void {
    this.deps.tokens.adoptMeta(OFFER_SEEN, String(this.now()));
  }

  handoffRecords(limit: number): HandoffRecordJson[] {
    if (!this.deps.readLog || !this.deps.userHash) return [];
    return handoffRecords(this.deps.readLog(limit), this.deps.tokens.listTokens(), this.deps.userHash);
  }

  programsOf(provider: string, userId: string): ProgramUse[] {
    if (!this.deps.readLog || !this.deps.userHash) return [];
    const records = handoffRecords(this.deps.readLog(10_000), [{ provider, userId }], this.deps.userHash);
    return programsOfAccount(records, `${provider}:${userId}`);
  }

  answer(id: string, answer: ConsentAnswer): boolean {
    return this.broker.answer(id, answer);
  }

  pendingRequests(): ConsentRequestView[] {
    return this.broker.pending();
  }

  healthChecks(): HealthCheck[] {
    return consentHealthChecks(this.modes.get(), this.grants.ignored());
  }

  startRecording(): void {
    this.recorder.start();
  }

  /** Writes the counted records and grant uses (the agent's minute, the CLI's exit). */
  flush(): void {
    this.recorder.flush();
    this.grants.flushUses();
  }

  close(): void {
    this.broker.close();
    this.recorder.stop();
    this.grants.flushUses();
  }
}
