/**
 * Hand-off consent on the command line: `allow`, `grants`, `revoke-grant`, `grant-key` and
 * `consent` (the mode). Grants are written to the vault, signed; a running agent sees them at
 * its next request.
 */
import { oneLine } from '../../../shared/one-line.js';
import { CLIENT_KEY_ENV } from '../../core/agent/protocol.js';
import type { AllowSubject, ConsentMode } from '../../core/contracts/consent.js';
import { EXIT } from '../../core/exit-codes.js';
import { CliError } from '../cli-error.js';
import type { CommandSpec } from '../command.js';
import { relative, table } from '../format.js';
import { accountsOf, grantJson, grantLine, grantWho, lifetimeOf, scopesOf, usage } from '../grant-options.js';

const CONSENT_MODES: readonly ConsentMode[] = ['ask', 'same-user'];

export const allow: CommandSpec = {
  name: 'allow',
  vaultMode: 'existing',
  args: [],
  options: {
    account: 'string',
    program: 'string',
    pid: 'string',
    session: 'boolean',
    scopes: 'string',
    for: 'string',
    always: 'boolean',
    once: 'boolean',
    json: 'boolean',
  },
  summary: "allow a program (or this terminal) to get an account's tokens",
  help: `Usage: osmen-cred allow --account <provider>:<user> [--account …]
         [--program PATH | --pid PID | --session] [--scopes "a b"] [--for 8h | --always | --once] [--json]

Grants a program tokens of the named accounts (<provider>:* for all of a
provider's accounts), when hand-off consent is on (handoff.consent = ask, the
default for new vaults). The running agent uses it at the program's next request.

  --program PATH  that executable, pinned by its SHA-256; a script (python3
                  sync.py, a #! file) is pinned by the script's path and hash
                  and may run under any of the known interpreters. Editing the
                  file asks again. The default when neither --pid nor --session.
  --pid PID       the program of that running process (osmen-cred itself is
                  skipped): its executable and script, as pinned above
  --session       this terminal session, until it ends (at most 12 h; 8 h
                  unless --for says less)
  --scopes "a b"  only these scopes (the token is narrowed); default all
  --for 8h        until then (s, m, h, d, w);  --always  until revoked (the
                  default for programs);  --once  for its next request only

Exit codes: 0 granted; 2 no such account, program or process; 64 usage.`,
  async run(ctx) {
    const accounts = accountsOf(ctx);
    const scopes = scopesOf(ctx);
    const kinds = ['program', 'pid', 'session'].filter((k) => ctx.values[k] !== undefined);
    if (kinds.length > 1) throw usage('Give one of --program PATH, --pid PID or --session.');
    let subject: AllowSubject;
    if (ctx.values.pid !== undefined) {
      const raw = String(ctx.values.pid);
      if (!/^\d{1,10}$/.test(raw) || Number(raw) < 1) throw usage('--pid takes a process id.');
      subject = { kind: 'pid', pid: Number(raw) };
    } else if (ctx.values.session) {
      subject = { kind: 'session', pid: process.pid };
    } else {
      const path = typeof ctx.values.program === 'string' ? ctx.values.program.trim() : '';
      if (!path) throw usage('Name what to allow: --program PATH, --pid PID or --session.');
      subject = { kind: 'program', path };
    }
    const lifetime = lifetimeOf(ctx);
    const core = await ctx.open();
    const grant = await core.consent.allow({ subject, accounts, scopes, lifetime, createdBy: 'cli', env: ctx.io.env });
    const view = core.consent.listGrants().find((g) => g.id === grant.id)!;
    ctx.io.out(ctx.values.json ? `${JSON.stringify(grantJson(view), null, 2)}\n` : `Allowed. ${grantLine(view)}\n`);
    if (core.consent.mode().mode === 'same-user' && !ctx.values.json) {
      ctx.io.err(
        'osmen-cred: note: handoff.consent is same-user, so every program of yours gets tokens anyway; `osmen-cred consent ask` makes grants count.\n',
      );
    }
    return EXIT.OK;
  },
};

export const grants: CommandSpec = {
  name: 'grants',
  args: [],
  options: { json: 'boolean' },
  summary: 'list the hand-off grants and client keys (last use, count)',
  help: `Usage: osmen-cred grants [--json]

Lists the grants: which program, terminal session or client key may get which
accounts' tokens, with which scopes, until when, when it was last used and how
often. Rows in the vault that are not signed with the vault's key (written or
edited outside OsMEN) are ignored and listed as such; the exit code is then 1.`,
  async run(ctx) {
    const core = await ctx.open();
    const list = core.consent.listGrants();
    const ignored = core.consent.ignoredGrants();
    const mode = core.consent.mode();
    if (ctx.values.json) {
      ctx.io.out(`${JSON.stringify({ consent: mode.mode, grants: list.map(grantJson), ignored }, null, 2)}\n`);
    } else {
      const now = Date.now();
      const rows = list.map((g) => [
        g.id,
        oneLine(grantWho(g), 80),
        oneLine(g.accounts.join(' '), 60),
        g.scopes ? oneLine(g.scopes.join(' '), 60) : '(all)',
        g.state !== 'active' ? g.state : g.once ? 'once' : g.expiresAt === null ? 'always' : relative(new Date(g.expiresAt), now),
        g.lastUsedAt === null ? 'never' : relative(new Date(g.lastUsedAt), now),
        String(g.useCount),
      ]);
      ctx.io.out(
        `Hand-off consent: ${mode.mode}${mode.problem ? ` (${mode.problem})` : ''}\n` +
          (rows.length ? `${table(['ID', 'WHO', 'ACCOUNTS', 'SCOPES', 'UNTIL', 'LAST USE', 'USES'], rows)}\n` : 'No grants.\n') +
          ignored
            .map(
              (i) =>
                `IGNORED ${oneLine(i.id, 40)}: ${i.reason === 'signature' ? 'not signed with this vault’s key (written or edited outside OsMEN)' : 'malformed'}\n`,
            )
            .join(''),
      );
    }
    return ignored.length > 0 ? EXIT.FAILED : EXIT.OK;
  },
};

export const revokeGrant: CommandSpec = {
  name: 'revoke-grant',
  vaultMode: 'existing',
  args: ['id'],
  options: { json: 'boolean' },
  summary: 'revoke a grant or client key',
  help: `Usage: osmen-cred revoke-grant <ID> [--json]

Deletes the grant (see \`osmen-cred grants\`); the program, session or client
key it named gets consent_required from the next request on. Also removes an
ignored (unsigned) row.`,
  async run(ctx) {
    const [id] = ctx.positionals as [string];
    const core = await ctx.open();
    const done = core.consent.revoke(id);
    if (!done) throw new CliError('GRANT_NOT_FOUND', 'not_found', `No grant ${oneLine(id, 40)}. See \`osmen-cred grants\`.`);
    ctx.io.out(ctx.values.json ? `${JSON.stringify({ id, revoked: true })}\n` : `Revoked ${oneLine(id, 40)}.\n`);
    return EXIT.OK;
  },
};

export const grantKey: CommandSpec = {
  name: 'grant-key',
  vaultMode: 'existing',
  args: [],
  options: { account: 'string', scopes: 'string', for: 'string', always: 'boolean', name: 'string', json: 'boolean' },
  summary: 'make a client key for a caller that is not a local program (ssh -R, a container)',
  help: `Usage: osmen-cred grant-key --account <provider>:<user> [--account …] [--scopes "a b"]
         [--for 30d | --always] [--name TEXT] [--json]

Prints ${CLIENT_KEY_ENV}=<key> once. A program that has it in its environment
(the CLI and the client libraries read it) sends it with each request, and the
agent hands it the named accounts' tokens (narrowed to --scopes) whatever
process it runs in: for callers over \`ssh -R\` or a socket mounted into a
container, whom the agent cannot identify. Only the key's SHA-256 is stored;
it lasts 30 days unless --for or --always says otherwise, and
\`osmen-cred revoke-grant ID\` ends it. Keep it like a password.`,
  async run(ctx) {
    const accounts = accountsOf(ctx);
    const scopes = scopesOf(ctx);
    const lifetime = lifetimeOf(ctx);
    if (lifetime === 'once') throw usage('A client key is not for one use; give --for or --always.');
    const name = typeof ctx.values.name === 'string' ? oneLine(ctx.values.name, 100) : undefined;
    const core = await ctx.open();
    const { key, grant } = core.consent.createClientKey({ accounts, scopes, lifetime, name });
    if (ctx.values.json) {
      ctx.io.out(
        `${JSON.stringify({ env: CLIENT_KEY_ENV, key, id: grant.id, accounts, scopes, expiresAt: grant.expiresAt === null ? null : new Date(grant.expiresAt).toISOString() }, null, 2)}\n`,
      );
    } else {
      ctx.io.out(`${CLIENT_KEY_ENV}=${key}\n`);
      ctx.io.err(
        `osmen-cred: client key ${grant.id} for ${accounts.join(', ')}; it is shown only now. Revoke it with \`osmen-cred revoke-grant ${grant.id}\`.\n`,
      );
    }
    return EXIT.OK;
  },
};

export const consent: CommandSpec = {
  name: 'consent',
  vaultMode: 'existing',
  args: ['mode?'],
  options: { json: 'boolean' },
  summary: 'show or set handoff.consent: ask (programs need a grant) or same-user',
  help: `Usage: osmen-cred consent [ask|same-user] [--json]

handoff.consent decides who gets tokens from the agent and from \`token\`/\`run\`:
  ask        a program needs a grant (\`osmen-cred allow\`, or the app's dialog);
             the default for new vaults
  same-user  any program running as you (the behaviour before consent; vaults
             made before it keep it until changed)
Without an argument, prints the current mode.`,
  async run(ctx) {
    const [wanted] = ctx.positionals;
    if (wanted !== undefined && !(CONSENT_MODES as readonly string[]).includes(wanted)) throw usage('consent takes ask or same-user.');
    const core = await ctx.open();
    if (wanted !== undefined) core.consent.setMode(wanted as ConsentMode, 'cli');
    const mode = core.consent.mode();
    ctx.io.out(ctx.values.json ? `${JSON.stringify({ consent: mode.mode, problem: mode.problem })}\n` : `handoff.consent = ${mode.mode}\n`);
    return EXIT.OK;
  },
};
