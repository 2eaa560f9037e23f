/**
 * createCredentialCore with the master key in the OS keychain (a real Secret Service): created
 * once, shared by processes starting at once, never replaced when missing, rotated crash-safely.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type KeyCustody, TokenStore } from '../../src/main/core/index.js';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { vaultCustody } from '../helpers/vault-keychain.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';

describe('createCredentialCore with the OS keychain', () => {
  const service = `OsMEN Credential Manager (core test ${randomUUID()})`;
  const made: KeyCustody[] = [];
  const custodyOf = (svc: string, home: string): KeyCustody => {
    const c = vaultCustody(svc, home);
    made.push(c);
    return c;
  };

  afterAll(async () => {
    for (const c of made) await c.deleteAll();
  });

  it('creates the master key in the keychain once, reuses it, and rotates it crash-safely', async () => {
    const home = makeTmpHome();
    try {
      const first = await createCredentialCore({ home: home.dir, keychainService: service, env: {} });
      expect(first.keySource).toBe('keychain-created');
      coreInternals(first).tokens.saveToken('google', 'u', { access_token: 'a', refresh_token: 'r' });
      const custody = custodyOf(service, home.dir);
      const pending = `master-key/${first.vaultId}.pending`;
      const oldKey = await custody.readKeychainKey();
      await first.close();

      const second = await createCredentialCore({ home: home.dir, keychainService: service, env: {} });
      expect(second.keySource).toBe('keychain');
      const rotated = await second.rotateKey();
      expect(rotated.rotated).toBe(1);
      const newKey = await custody.readKeychainKey();
      expect(newKey).not.toBe(oldKey);
      expect(await custody.readKeychainKey(pending)).toBeNull();
      expect(second.readLog(10).some((e) => e.event === 'key_rotation')).toBe(true);
      expect(second.verifyLog().ok).toBe(true); // the chain survives the rotation
      await second.close();

      // A rotation that died after staging: the next start finishes it.
      const staged = EncryptionManager.generateKey();
      await custody.stagePendingKey(staged);
      const third = await createCredentialCore({ home: home.dir, keychainService: service, env: {} });
      expect(coreInternals(third).tokens.getToken('google', 'u')).toMatchObject({ accessToken: 'a', refreshToken: 'r' });
      expect(await custody.readKeychainKey()).toBe(staged);
      expect(await custody.readKeychainKey(pending)).toBeNull();
      await third.close();
      const check = new TokenStore({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(staged) });
      expect(check.getToken('google', 'u')!.refreshToken).toBe('r');
      check.close();
    } finally {
      home.cleanup();
    }
  });

  it('processes starting at once on a fresh machine agree on one master key; no vault is sealed with a lost key', async () => {
    const home = makeTmpHome();
    const svc = `${service} (first run)`;
    let shared: KeyCustody | undefined;
    const script = fileURLToPath(new URL('./fixtures/core-opener.ts', import.meta.url));
    const children = Array.from({ length: 4 }, (_, i) =>
      spawn(process.execPath, ['--import', 'tsx', script, home.dir, svc, `user${i}`], {
        cwd: fileURLToPath(new URL('../../', import.meta.url)),
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    try {
      const outputs = children.map((c) => {
        const lines: string[] = [];
        let buf = '';
        const ready = new Promise<void>((resolve) =>
          c.stdout!.on('data', (d: Buffer) => {
            buf += d.toString();
            const parts = buf.split('\n');
            buf = parts.pop()!;
            for (const p of parts) {
              if (p === 'ready') resolve();
              else lines.push(p);
            }
          }),
        );
        return { lines, ready, exited: new Promise<void>((resolve) => c.on('exit', () => resolve())) };
      });
      await Promise.all(outputs.map((o) => o.ready));
      for (const c of children) c.stdin!.write('go\n');
      await Promise.all(outputs.map((o) => o.exited));
      const results = outputs.map((o) => JSON.parse(o.lines[0]!) as { ok: boolean; keyId?: string; code?: string });
      expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
      // Every process used the key that the keychain holds now, so every account stays readable.
      shared = custodyOf(svc, home.dir);
      const key = (await shared.readKeychainKey())!;
      expect(new Set(results.map((r) => r.keyId))).toEqual(new Set([new EncryptionManager(key).primaryKeyId]));
      const check = new TokenStore({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(key) });
      expect(check.listTokens().map((t) => t.userId)).toEqual(['user0', 'user1', 'user2', 'user3']);
      check.close();
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill();
      await shared?.deleteAll();
      home.cleanup();
    }
  });

  it('a vault whose key is missing from the keychain is not given a new key', async () => {
    const home = makeTmpHome();
    const svc = `${service} (lost key)`;
    try {
      const first = await createCredentialCore({ home: home.dir, keychainService: svc, env: {} });
      coreInternals(first).tokens.saveToken('google', 'u', { access_token: 'a', refresh_token: 'r' });
      await first.close();
      const shared = custodyOf(svc, home.dir);
      const original = (await shared.readKeychainKey())!;
      await shared.deleteKeychainKey(); // the keychain lost it, or did not return it this time
      const refused = await createCredentialCore({ home: home.dir, keychainService: svc, env: {} }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'KEY_MISSING' });
      // The advice fits an existing vault: restore the key, don't make a new one.
      expect((refused as Error).message).toMatch(/Restore the key from your backup/);
      expect((refused as Error).message).toMatch(/Do not generate a new key/);
      expect((refused as Error).message).not.toMatch(/keygen/);
      expect(await shared.readKeychainKey()).toBeNull(); // no replacement key was stored
      // Restoring the original key opens the vault with nothing lost.
      await shared.writeKeychainKey(original);
      const again = await createCredentialCore({ home: home.dir, keychainService: svc, env: {} });
      expect(coreInternals(again).tokens.getToken('google', 'u')).toMatchObject({ refreshToken: 'r' });
      await again.close();
    } finally {
      home.cleanup();
    }
  });

  it('an open core keeps reading after another process rotated the key in the keychain', async () => {
    const home = makeTmpHome();
    const svc = `${service} (shared)`;
    try {
      const app = await createCredentialCore({ home: home.dir, keychainService: svc, env: {} });
      const shared = custodyOf(svc, home.dir);
      coreInternals(app).tokens.saveToken('google', 'u', { access_token: 'a1', refresh_token: 'r1' });
      const cli = await createCredentialCore({ home: home.dir, keychainService: svc, env: {} });
      await cli.rotateKey();
      coreInternals(cli).tokens.saveToken('google', 'v', { access_token: 'a2', refresh_token: 'r2' });
      await cli.close();
      // `app` still holds only the old key; the rows now name the new one.
      expect(coreInternals(app).tokens.getToken('google', 'u')).toMatchObject({ accessToken: 'a1', refreshToken: 'r1' });
      expect(coreInternals(app).tokens.getToken('google', 'v')).toMatchObject({ accessToken: 'a2', refreshToken: 'r2' });
      expect(coreInternals(app).tokens.encryptionManager.primaryKeyId).toBe(
        new EncryptionManager((await shared.readKeychainKey())!).primaryKeyId,
      );
      await app.close();
    } finally {
      home.cleanup();
    }
  });

  it('an env-key vault refuses a silent rotation (the caller must keep the new key)', async () => {
    const home = makeTmpHome();
    const key = EncryptionManager.generateKey();
    const core = await createCredentialCore({ home: home.dir, env: { OAUTH_ENCRYPTION_KEY: key } });
    try {
      expect(core.keySource).toBe('env');
      await expect(core.rotateKey()).rejects.toMatchObject({ code: 'KEY_MISSING' });
      const next = EncryptionManager.generateKey();
      await expect(core.rotateKey(next)).resolves.toMatchObject({ keyId: new EncryptionManager(next).primaryKeyId });
    } finally {
      await core.close();
      home.cleanup();
    }
  });

  it('with no keychain and no env key it stores nothing (no plaintext fallback)', () => {
    const home = makeTmpHome();
    const dataDir = join(home.dir, 'never-created');
    const script = `
      import { createCredentialCore } from './src/main/core/credential-core.ts';
      try { await createCredentialCore({ home: ${JSON.stringify(dataDir)}, env: {} }); console.log('UNEXPECTED-OK'); }
      catch (e) { console.log(JSON.stringify({ code: e.code })); }
    `;
    const env = { ...process.env };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.OAUTH_ENCRYPTION_KEY;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8' });
    try {
      expect(JSON.parse(res.stdout.trim().split('\n').pop()!)).toEqual({ code: 'KEYCHAIN_UNAVAILABLE' });
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      home.cleanup();
    }
  });
});
