/**
 * `osmen-cred` with the master key in the real OS keychain (Secret Service under
 * dbus-run-session in CI, like test/integration/key-custody.test.ts), under a
 * test-only service name: reading the app's key, rotating it in the keychain,
 * and never inventing a key when the keychain entry is gone.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { type KeyCustody, KEYCHAIN_SERVICE } from '../../../src/main/core/vault/key-custody.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { vaultCustody } from '../../helpers/vault-keychain.js';
import { runCli } from './run-cli.js';

const service = `${KEYCHAIN_SERVICE} (cli keychain test ${randomUUID()})`;
let custody: KeyCustody;
let pendingAccount: string;
let home: ReturnType<typeof makeTmpHome>;
let accessToken: string;
let firstKey: string;

const env = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  OSMEN_HOME: home.dir,
  OSMEN_KEYCHAIN_SERVICE: service,
  DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
  XDG_DATA_HOME: process.env.XDG_DATA_HOME,
  XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR,
});

beforeAll(async () => {
  home = makeTmpHome('osmen-cli-keychain-');
  // The desktop app's first run: the core creates the key in the keychain.
  const core = await createCredentialCore({ home: home.dir, keychainService: service, env: {} });
  // These tests are about the hand-off itself, not consent (test/integration/consent): any program of the user gets tokens.
  core.consent.setMode('same-user', 'cli');
  try {
    expect(core.keySource).toBe('keychain-created');
    accessToken = `kc-at-${randomUUID()}`;
    coreInternals(core).tokens.saveToken('acme', 'dave@example.test', {
      access_token: accessToken,
      refresh_token: `kc-rt-${randomUUID()}`,
      expires_in: 3600,
    });
    pendingAccount = `master-key/${core.vaultId}.pending`;
  } finally {
    await core.close();
  }
  custody = vaultCustody(service, home.dir);
  firstKey = (await custody.readKeychainKey())!;
  expect(firstKey).toBeTruthy();
});

afterAll(async () => {
  await custody?.deleteAll().catch(() => undefined);
  home?.cleanup();
});

describe('osmen-cred with the key in the OS keychain', () => {
  it("serves tokens with the app's keychain key", async () => {
    const r = await runCli(['token', 'acme', 'dave@example.test'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${accessToken}\n`);
  });

  it('rotate-key puts a new key in the keychain and re-encrypts the vault under it', async () => {
    const r = await runCli(['rotate-key', '--json'], env());
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { rotated: number; keyId: string; keySource: string };
    expect(out.keySource).toBe('keychain');
    expect(out.rotated).toBe(1);
    const now = (await custody.readKeychainKey())!;
    expect(now).not.toBe(firstKey);
    expect(new EncryptionManager(now).primaryKeyId).toBe(out.keyId);
    expect(await custody.readKeychainKey(pendingAccount)).toBeNull(); // promoted, not left staged
    expect(r.stdout).not.toContain(now);
    expect(r.stdout).not.toContain(firstKey);
    const t = await runCli(['token', 'acme', 'dave@example.test'], env());
    expect(t.code).toBe(0);
    expect(t.stdout).toBe(`${accessToken}\n`);
  });

  it('exits 78 and creates no key when the keychain entry is gone but the vault exists', async () => {
    await custody.deleteAll();
    const db = join(home.dir, 'tokens.db');
    const before = readFileSync(db);
    const r = await runCli(['list'], env());
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('[KEY_MISSING]');
    expect(await custody.readKeychainKey()).toBeNull();
    expect(readFileSync(db).equals(before)).toBe(true);
  });
});
