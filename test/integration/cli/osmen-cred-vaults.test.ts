/**
 * Several vaults on one machine, an old vault's keychain entry, and vaults that are not there:
 * each vault has its own keychain entry (rotating one never touches another), an entry from
 * before vault ids is moved without losing access, read-only commands never make a vault out
 * of an empty file, and the advice for a missing or unreachable key fits an existing vault.
 * Real CLI processes, the real Secret Service.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../../src/main/core/credential-core.js';
import { KeyCustody, KEYCHAIN_SERVICE } from '../../../src/main/core/vault/key-custody.js';
import { peekVault } from '../../../src/main/core/vault/vault-identity.js';
import { vaultKeyAccount } from '../../../src/main/core/vault/open-vault.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { vaultCustody } from '../../helpers/vault-keychain.js';
import { runCli } from './run-cli.js';

const service = `${KEYCHAIN_SERVICE} (vaults test ${randomUUID()})`;
const homes: Array<ReturnType<typeof makeTmpHome>> = [];
const custodies: KeyCustody[] = [];

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  OSMEN_KEYCHAIN_SERVICE: service,
  DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
  XDG_DATA_HOME: process.env.XDG_DATA_HOME,
  XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR,
  ...extra,
});

function newHome(): string {
  const h = makeTmpHome('osmen-vaults-');
  homes.push(h);
  return h.dir;
}

/** A vault made by the app (create mode) with one account. */
async function appVault(home: string, token: string): Promise<void> {
  const core = await createCredentialCore({ home, keychainService: service, env: {} });
  // These tests are about the hand-off itself, not consent (test/integration/consent): any program of the user gets tokens.
  core.consent.setMode('same-user', 'cli');
  try {
    coreInternals(core).tokens.saveToken('acme', 'me@example.test', {
      access_token: token,
      refresh_token: `rt-${token}`,
      expires_in: 3600,
    });
  } finally {
    await core.close();
  }
  custodies.push(vaultCustody(service, home));
}

afterAll(async () => {
  for (const c of custodies) await c.deleteAll().catch(() => undefined);
  await new KeyCustody({ service, env: {} }).deleteAll().catch(() => undefined);
  for (const h of homes) h.cleanup();
});

describe('one keychain entry per vault', () => {
  it('rotating the key of vault B leaves vault A readable', async () => {
    const a = newHome();
    const b = newHome();
    await appVault(a, 'token-of-a');
    await appVault(b, 'token-of-b');
    const keyA = await vaultCustody(service, a).readKeychainKey();
    expect(keyA).toBeTruthy();
    expect(peekVault(join(a, 'tokens.db'))).not.toEqual(peekVault(join(b, 'tokens.db')));

    const rotated = await runCli(['--home', b, 'rotate-key', '--json'], env());
    expect(rotated.stderr).toBe('');
    expect(rotated.code).toBe(0);

    expect(await vaultCustody(service, a).readKeychainKey()).toBe(keyA);
    const tokenA = await runCli(['--home', a, 'token', 'acme', 'me@example.test'], env());
    expect(tokenA).toMatchObject({ code: 0, stdout: 'token-of-a\n' });
    const tokenB = await runCli(['token', 'acme', 'me@example.test'], env({ OSMEN_HOME: b }));
    expect(tokenB).toMatchObject({ code: 0, stdout: 'token-of-b\n' });
    // The health report names each vault's own entry, for backing it up.
    const checkA = JSON.parse((await runCli(['--home', a, 'check', '--json'], env())).stdout) as {
      checks: Array<{ id: string; message: string }>;
    };
    expect(checkA.checks.find((c) => c.id === 'encryption-key')!.message).toContain(
      `master-key/${peekVault(join(a, 'tokens.db')).state === 'vault' ? (peekVault(join(a, 'tokens.db')) as { vaultId: string }).vaultId : ''}`,
    );
  });

  it("an entry from before vault ids keeps working and is moved to the vault's own entry by a writing open", async () => {
    const home = newHome();
    await appVault(home, 'legacy-token');
    // Turn it into a vault of the previous release: no vault id, the key under the single `master-key` entry.
    const own = vaultCustody(service, home);
    const key = (await own.readKeychainKey())!;
    const legacy = new KeyCustody({ service, env: {} });
    await legacy.writeKeychainKey(key);
    await own.deleteAll();
    const db = new Database(join(home, 'tokens.db'));
    db.prepare("DELETE FROM meta WHERE key = 'plain:vault_id'").run();
    db.close();
    expect(peekVault(join(home, 'tokens.db'))).toEqual({ state: 'vault', vaultId: null });

    // A read-only command serves the token from the old entry and migrates nothing.
    const read = await runCli(['--home', home, 'token', 'acme', 'me@example.test'], env());
    expect(read).toMatchObject({ code: 0, stdout: 'legacy-token\n' });
    expect(peekVault(join(home, 'tokens.db'))).toEqual({ state: 'vault', vaultId: null });

    // The app (a writing open) gives the vault an id and its own entry; the old entry stays.
    const core = await createCredentialCore({ home, keychainService: service, env: {} });
    const vaultId = core.vaultId!;
    expect(coreInternals(core).tokens.getToken('acme', 'me@example.test')!.accessToken).toBe('legacy-token');
    await core.close();
    expect(peekVault(join(home, 'tokens.db'))).toEqual({ state: 'vault', vaultId });
    const mine = new KeyCustody({ service, account: vaultKeyAccount(vaultId), env: {} });
    custodies.push(mine);
    expect(await mine.readKeychainKey()).toBe(key);
    expect(await legacy.readKeychainKey()).toBe(key);

    // Rotation now changes only the vault's own entry.
    const rotated = await runCli(['--home', home, 'rotate-key'], env());
    expect(rotated.code).toBe(0);
    expect(await mine.readKeychainKey()).not.toBe(key);
    expect(await legacy.readKeychainKey()).toBe(key);
    expect(await runCli(['--home', home, 'token', 'acme', 'me@example.test'], env())).toMatchObject({ code: 0, stdout: 'legacy-token\n' });
  });
});

describe('read-only commands never make a vault', () => {
  it('a zero-length tokens.db stays zero-length: list, token, check and log refuse it with NO_VAULT', async () => {
    const home = newHome();
    const db = join(home, 'tokens.db');
    writeFileSync(db, '', { mode: 0o600 });
    for (const args of [['list'], ['list', '--json'], ['token', 'acme', 'me@example.test'], ['check'], ['log'], ['log', '--verify']]) {
      const r = await runCli(['--home', home, ...args], env());
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('[NO_VAULT]');
      expect(r.stderr).toMatch(/empty/);
    }
    expect(statSync(db).size).toBe(0);
    expect(readdirSync(home).sort()).toEqual(['tokens.db']);
  });

  it('a missing data folder is not created', async () => {
    const home = join(newHome(), 'absent');
    const r = await runCli(['--home', home, 'token', 'acme', 'me@example.test'], env());
    expect(r.code).toBe(2);
    expect(existsSync(home)).toBe(false);
  });
});

describe('advice for a key that cannot be had', () => {
  it('an existing vault with its keychain entry gone: restore the key, never generate one', async () => {
    const home = newHome();
    await appVault(home, 'kept');
    const own = vaultCustody(service, home);
    const key = (await own.readKeychainKey())!;
    await own.deleteAll();
    const before = readFileSync(join(home, 'tokens.db'));
    const r = await runCli(['--home', home, 'list'], env());
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('[KEY_MISSING]');
    expect(r.stderr).toMatch(/Restore the key from your backup/);
    expect(r.stderr).toMatch(/master-key\/[0-9a-f]{32}/); // names the vault's own entry
    expect(r.stderr).not.toMatch(/keygen|Generate one/);
    expect(readFileSync(join(home, 'tokens.db')).equals(before)).toBe(true);
    await own.writeKeychainKey(key);
    expect(await runCli(['--home', home, 'token', 'acme', 'me@example.test'], env())).toMatchObject({ code: 0, stdout: 'kept\n' });
  });

  it('an existing vault with no keychain running: unlock it or use the backed-up key, never a new one', async () => {
    const home = newHome();
    await appVault(home, 'kept');
    const r = await runCli(['--home', home, 'list'], env({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/osmen-test-bus' }));
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('[KEYCHAIN_UNAVAILABLE]');
    expect(r.stderr).toMatch(/exists/);
    expect(r.stderr).toMatch(/Do not generate a new key/);
    expect(r.stderr).not.toMatch(/keygen/);
  });
});
