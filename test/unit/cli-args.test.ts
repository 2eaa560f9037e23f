import { describe, expect, it } from 'vitest';
import { parse, runCli } from '../../src/main/cli/cli.js';
import { accountsTable, relative, table } from '../../src/main/cli/format.js';
import { EXIT } from '../../src/main/core/exit-codes.js';
import { oneLine } from '../../src/shared/one-line.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), env: {} }, out, err };
}

describe('osmen-cred argument parsing', () => {
  it('finds the command after global options and keeps its arguments', () => {
    const p = parse(['--home', '/tmp/x', 'token', 'google', 'me@example.com']);
    expect(p.command?.name).toBe('token');
    expect(p.positionals).toEqual(['google', 'me@example.com']);
    expect(p.values.home).toBe('/tmp/x');
    expect(parse(['log', '--tail', '5', '--json']).values).toMatchObject({ tail: '5', json: true });
    expect(parse(['refresh', '--all']).values.all).toBe(true);
  });

  it('answers help for the tool and for each command', () => {
    expect(parse([]).help).toBe(true);
    expect(parse(['token', '--help'])).toMatchObject({ help: true, command: { name: 'token' } });
    expect(parse(['help', 'rotate-key'])).toMatchObject({ help: true, command: { name: 'rotate-key' } });
  });

  it('rejects options a command does not take, wrong arity and unknown commands (exit 64)', () => {
    for (const argv of [
      ['token', '--all', 'a', 'b'],
      ['list', 'extra'],
      ['nope'],
      ['help', 'nope'],
      ['token', 'a'],
      ['token', '', 'b'],
      ['--home'],
    ]) {
      expect(() => parse(argv), argv.join(' ')).toThrow(expect.objectContaining({ exitCode: EXIT.USAGE }));
    }
  });

  it('does not echo a long argument back in full (it may be a pasted secret)', () => {
    const secret = 'S'.repeat(80);
    let thrown: unknown;
    try {
      parse([`--${secret}`]);
    } catch (err) {
      thrown = err;
    }
    // Outside the catch: a parser that stopped throwing must fail here, not be swallowed.
    expect(thrown).toMatchObject({ code: 'USAGE', exitCode: EXIT.USAGE });
    const message = (thrown as Error).message;
    expect(message).not.toContain(secret);
    // The clipped option is still named, so the user can tell which argument was wrong.
    expect(message).toContain(`Unknown option '--${'S'.repeat(38)}…'`);
  });

  it('runCli turns failures into one error line and an exit code, and prints help without a vault', async () => {
    const c = capture();
    expect(await runCli(['token', 'only-one'], c.io)).toBe(EXIT.USAGE);
    expect(c.out).toEqual([]);
    expect(c.err).toHaveLength(1);
    expect(c.err[0]).toMatch(/^osmen-cred: error \[USAGE\]: .+\n$/);
    const h = capture();
    expect(await runCli(['--help'], h.io)).toBe(EXIT.OK);
    expect(h.out.join('')).toContain('Exit codes:');
  });
});

describe('osmen-cred output formatting', () => {
  it('aligns columns and strips control characters from provider-supplied text', () => {
    expect(table(['A', 'BB'], [['xxx', 'y']])).toBe('A    BB\nxxx  y');
    expect(oneLine('a\nb\u001b[31mc')).toBe('a b [31mc');
    expect(relative(new Date(10_000 + 90 * 60_000), 10_000)).toBe('in 2h');
    expect(relative(new Date(0), 120_000)).toBe('2m ago');
    expect(accountsTable([])).toBe('No accounts.');
  });
});
