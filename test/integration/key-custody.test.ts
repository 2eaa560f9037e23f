import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyCustody, KEYCHAIN_SERVICE } from '../../src/main/core/index.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';

// These tests talk to the real OS keychain: on Linux a Secret Service
// (gnome-keyring under dbus-run-session in CI; see .ci/run and the README).
const service = `${KEYCHAIN_SERVICE} (test ${randomUUID()})`;
const custodies: KeyCustody[] = [];
const custody = (env: NodeJS.ProcessEnv = {}) => {
  const c = new KeyCustody({ service, env });
  custodies.push(c);
  return c;
};

afterEach(async () => {
  for (const c of custodies.splice(0)) await c.deleteAll().catch(() => undefined);
});

describe('KeyCustody with the real Secret Service', () => {
  it('creates the master key once, then reads the same key back', async () => {
    const c = custody();
    const first = await c.loadMasterKey();
    expect(first.source).toBe('keychain-created');
    expect(() => new EncryptionManager(first.key)).not.toThrow();
    const second = await custody().loadMasterKey();
    expect(second).toEqual({ key: first.key, source: 'keychain' });
  });

  it('round-trips a key and deletes it', async () => {
    const c = custody();
    const key = EncryptionManager.generateKey();
    await c.writeKeychainKey(key);
    expect(await c.readKeychainKey()).toBe(key);
    expect(await c.deleteKeychainKey()).toBe(true);
    expect(await c.readKeychainKey()).toBeNull();
  });

  it('the secret is visible to other Secret Service clients under our service name', async () => {
    const c = custody();
    const { key } = await c.loadMasterKey();
    // secret-tool is libsecret's CLI: an independent reader proves the key is really in the keychain.
    const hasSecretTool = spawnSync('sh', ['-c', 'command -v secret-tool']).status === 0;
    if (!hasSecretTool) throw new Error('secret-tool (libsecret-tools) is required for this test');
    const out = execFileSync('secret-tool', ['lookup', 'service', service, 'username', 'master-key'], { encoding: 'utf8' });
    expect(out.trim()).toBe(key);
  });

  it('OAUTH_ENCRYPTION_KEY overrides the keychain and writes nothing to it', async () => {
    const envKey = EncryptionManager.generateKey();
    const c = custody({ OAUTH_ENCRYPTION_KEY: envKey });
    expect(await c.loadMasterKey()).toEqual({ key: envKey, source: 'env' });
    expect(await c.readKeychainKey()).toBeNull();
  });

  it('reports a staged key left by an unfinished rotation', async () => {
    const c = custody();
    const { key } = await c.loadMasterKey();
    const next = EncryptionManager.generateKey();
    await c.stagePendingKey(next);
    expect(await custody().loadMasterKey()).toEqual({ key, source: 'keychain', pendingKey: next });
    await c.promotePendingKey(next);
    expect(await custody().loadMasterKey()).toEqual({ key: next, source: 'keychain' });
  });

  it('create:false never invents a key', async () => {
    await expect(custody().loadMasterKey({ create: false })).rejects.toMatchObject({ code: 'KEY_MISSING' });
  });

  it('a corrupt keychain entry is reported, not replaced', async () => {
    const c = custody();
    // write a value that is not a 32-byte key through an independent client
    execFileSync('sh', ['-c', `printf 'not-a-key' | secret-tool store --label=t service "${service}" username master-key`]);
    await expect(c.loadMasterKey()).rejects.toMatchObject({ code: 'KEY_MALFORMED' });
    const out = execFileSync('secret-tool', ['lookup', 'service', service, 'username', 'master-key'], { encoding: 'utf8' });
    expect(out).toBe('not-a-key');
  });
});

describe('KeyCustody without a keychain', () => {
  it('gives KEYCHAIN_UNAVAILABLE with guidance, and no plaintext fallback', () => {
    // A child process with no session bus: the Secret Service cannot be reached.
    // Both reads must fail as "unavailable": an unreachable keychain is not an empty one
    // (create:false would otherwise say KEY_MISSING), and no other store may stand in for it.
    const script = `
      import { KeyCustody } from './src/main/core/vault/key-custody.ts';
      import { KeyCustodyError } from './src/main/core/errors.ts';
      const report = (e) => ({ name: e.name, code: e.code, message: e.message, typed: e instanceof KeyCustodyError });
      const out = {};
      try { await new KeyCustody({ service: 'osmen-no-bus', env: {} }).loadMasterKey(); out.create = 'UNEXPECTED-OK'; }
      catch (e) { out.create = report(e); }
      try { await new KeyCustody({ service: 'osmen-no-bus', env: {} }).loadMasterKey({ create: false }); out.read = 'UNEXPECTED-OK'; }
      catch (e) { out.read = report(e); }
      console.log(JSON.stringify(out));
    `;
    const env = { ...process.env };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.OAUTH_ENCRYPTION_KEY;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env,
      encoding: 'utf8',
      cwd: process.cwd(),
    });
    const line = res.stdout.trim().split('\n').pop()!;
    const out = JSON.parse(line) as Record<'create' | 'read', { name: string; code: string; message: string; typed: boolean }>;
    for (const err of [out.create, out.read]) {
      expect(err).toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE', name: 'KeyCustodyError', typed: true });
      expect(err.message).toMatch(/OAUTH_ENCRYPTION_KEY/);
    }
  });
});
