/**
 * `osmen-cred log` as a real process: export of the whole chain and its verification elsewhere
 * (without the vault or the key), and `--verify` reporting a rollback found through the vault
 * anchor. The master key comes from OAUTH_ENCRYPTION_KEY, so no keychain is involved.
 */
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { runCli } from './run-cli.js';
import { startRogueIssuer, type RogueIssuer } from '../../helpers/rogue-issuer.js';

// A loopback issuer with a discovery document: adding a provider fetches and checks it.
let idp: RogueIssuer;
beforeAll(async () => {
  idp = await startRogueIssuer();
});
afterAll(async () => {
  await idp.close();
});

const KEY = EncryptionManager.generateKey();
let home: ReturnType<typeof makeTmpHome>;
let elsewhere: ReturnType<typeof makeTmpHome>;

const env = (dir = home.dir): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: dir,
  OSMEN_HOME: dir,
  OAUTH_ENCRYPTION_KEY: KEY,
  OSMEN_KEYCHAIN_SERVICE: 'osmen cli log test (unused)',
});

beforeEach(async () => {
  home = makeTmpHome('osmen-clilog-');
  elsewhere = makeTmpHome('osmen-clilog-elsewhere-');
  const core = await createCredentialCore({ home: home.dir, encryptionKey: KEY, env: {} });
  try {
    await core.createCustomProvider({ id: 'corp', issuer: idp.issuer, clientId: 'abc', scopes: ['openid'] });
    for (let i = 0; i < 5; i++) coreInternals(core).log.logOAuthEvent('refresh', 'corp', `user${i}@example.com`, i !== 2, { attempt: i });
  } finally {
    await core.close();
  }
});
afterEach(() => {
  home.cleanup();
  elsewhere.cleanup();
});

describe('osmen-cred log --export / --verify --file', () => {
  it('exports the chain and verifies it on another machine without vault or key', async () => {
    const out = join(home.dir, 'export.jsonl');
    const exp = await runCli(['log', '--export', out], env());
    expect(exp.stderr).toBe('');
    expect(exp.code).toBe(0);
    expect(exp.stdout).toBe(`Exported 6 entries, oldest first, to ${out}.\n`);
    expect(statSync(out).mode & 0o777).toBe(0o600);

    // "Another machine": a data folder with no vault and no log key.
    const copy = join(elsewhere.dir, 'export.jsonl');
    copyFileSync(out, copy);
    const ok = await runCli(['log', '--verify', '--file', copy], env(elsewhere.dir));
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`${copy}: the chain links of 6 entries (seq 1–6) verify.`);
    expect(ok.stdout).toMatch(/Checked:\n {2}- every entry matches its own hash/);
    expect(ok.stdout).toMatch(/Not checked without the vault and the log key:\n {2}- that nobody rewrote the whole file/);

    const json = await runCli(['log', '--verify', '--file', copy, '--json'], env(elsewhere.dir));
    expect(JSON.parse(json.stdout)).toMatchObject({ file: copy, ok: true, entries: 6, firstSeq: 1, lastSeq: 6, header: true });

    // An edited entry: exit 1, named.
    const lines = readFileSync(copy, 'utf8').split('\n');
    lines[3] = lines[3]!.replace('"attempt":1', '"attempt":7');
    writeFileSync(copy, lines.join('\n'));
    const bad = await runCli(['log', '--verify', '--file', copy], env(elsewhere.dir));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('does NOT verify');
    expect(bad.stdout).toContain('entry 3 (line 4): edited');
  });

  it('usage errors and a missing file have their own exit codes', async () => {
    expect((await runCli(['log', '--file', 'x.jsonl'], env())).code).toBe(64);
    expect((await runCli(['log', '--export', 'x.jsonl', '--verify'], env())).code).toBe(64);
    expect((await runCli(['log', '--export', join(home.dir, 'no', 'such', 'dir', 'x.jsonl')], env())).code).toBe(64);
    expect((await runCli(['log', '--export', join(home.dir, 'security.log')], env())).code).toBe(64);
    const missing = await runCli(['log', '--verify', '--file', join(elsewhere.dir, 'none.jsonl')], env(elsewhere.dir));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^osmen-cred: error \[FILE_NOT_FOUND\]: No file at /);
  });
});

describe('osmen-cred log --verify and the vault anchor', () => {
  it('reports a log restored from an older copy (exit 1), and lists the re-anchor after the next entry', async () => {
    const logFile = join(home.dir, 'security.log');
    const older = [readFileSync(logFile), readFileSync(`${logFile}.head`)];
    const core = await createCredentialCore({ home: home.dir, encryptionKey: KEY, env: {} });
    try {
      coreInternals(core).log.logSecurityEvent('key_rotation', { rotated: 1 });
      coreInternals(core).log.logSecurityEvent('key_rotation', { rotated: 1 });
    } finally {
      await core.close();
    }
    const intact = await runCli(['log', '--verify'], env());
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain('Rollback check [ok]: The log ends at the entry the vault anchors (seq 8).');

    writeFileSync(logFile, older[0]!);
    writeFileSync(`${logFile}.head`, older[1]!);
    const rolled = await runCli(['log', '--verify'], env());
    expect(rolled.code).toBe(1);
    expect(rolled.stdout).toContain('does NOT verify');
    expect(rolled.stdout).toContain('Rollback check [rolled_back]: The vault anchors seq 8, but the log ends at seq 6');

    const again = await createCredentialCore({ home: home.dir, encryptionKey: KEY, env: {} });
    try {
      coreInternals(again).log.logTokenEvent('token_saved', 'corp', 'user0@example.com');
    } finally {
      await again.close();
    }
    const after = await runCli(['log', '--verify', '--json'], env());
    expect(after.code).toBe(1); // the removed entries stay a visible gap
    const v = JSON.parse(after.stdout);
    expect(v.firstBad).toMatchObject({ seq: 9, problem: 'missing' });
    expect(v.reanchors).toEqual([{ seq: 9, ts: expect.any(String), reason: expect.stringContaining('seq 7–8 removed') }]);
    const text = await runCli(['log', '--verify'], env());
    expect(text.stdout).toMatch(/Re-anchored 1 time\(s\):\n {2}#9 {2}\S+ {2}the vault anchors seq 8/);
  });

  it('an older log and head restored and the plain anchor row deleted from tokens.db: exit 1, not "chain intact"', async () => {
    const logFile = join(home.dir, 'security.log');
    const older = [readFileSync(logFile), readFileSync(`${logFile}.head`)];
    const core = await createCredentialCore({ home: home.dir, encryptionKey: KEY, env: {} });
    try {
      coreInternals(core).log.logSecurityEvent('key_rotation', { rotated: 1 });
    } finally {
      await core.close();
    }
    writeFileSync(logFile, older[0]!);
    writeFileSync(`${logFile}.head`, older[1]!);
    // No key needed for this: the anchor is one plain row.
    const db = new Database(join(home.dir, 'tokens.db'));
    expect(db.prepare("DELETE FROM meta WHERE key = 'security_log_anchor'").run().changes).toBe(1);
    db.close();
    const r = await runCli(['log', '--verify'], env());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('does NOT verify');
    expect(r.stdout).toContain('Rollback check [rolled_back]: The signed head record says the vault has anchored this log since seq 1');
  });
});
