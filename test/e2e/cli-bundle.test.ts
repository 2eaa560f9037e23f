/**
 * The packaged app runs the CLI from the built bundle (out/main/osmen-cred.js,
 * with ELECTRON_RUN_AS_NODE=1). The e2e global setup builds it; this checks the
 * bundle itself: stdout carries only what the command prints, exit codes hold, a new vault asks
 * before it hands a token to a program (consent_required until `allow`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/main/core/index.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';

const bundle = join(import.meta.dirname, '..', '..', 'out', 'main', 'osmen-cred.js');

describe('built osmen-cred bundle', () => {
  it('lists accounts as JSON, prints a token alone, and exits 2 for an unknown account', () => {
    const home = makeTmpHome();
    const key = EncryptionManager.generateKey();
    try {
      const tm = new TokenStore({ dbPath: join(home.dir, 'tokens.db'), encryption: new EncryptionManager(key) });
      tm.saveToken('google', 'me@example.com', {
        access_token: 'bundle-access-value',
        refresh_token: 'bundle-refresh-value',
        expires_in: 3600,
      });
      tm.close();
      const env = { ...process.env, OSMEN_HOME: home.dir, OAUTH_ENCRYPTION_KEY: key };
      const run = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { env, encoding: 'utf8' });

      const list = run('list', '--json');
      expect(list.status).toBe(0);
      const accounts = JSON.parse(list.stdout) as Array<{ provider: string; userId: string }>;
      expect(accounts.map((a) => `${a.provider}/${a.userId}`)).toEqual(['google/me@example.com']);
      expect(list.stdout).not.toContain('bundle-refresh-value');

      // A new vault asks (handoff.consent = ask): this test process has no grant yet, and the
      // bundle's refusal names the command that allows it. `allow --pid` pins this process's program.
      const refused = run('token', 'google', 'me@example.com');
      expect(refused.status).toBe(77);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain('[consent_required]');
      expect(refused.stderr).toContain('osmen-cred allow --account google:me@example.com');
      // google:* (every Google account): an account it may ask for but that is not there exits 2.
      const allowed = run('allow', '--account', 'google:*', '--pid', String(process.pid));
      expect(allowed.status, allowed.stderr).toBe(0);

      const token = run('token', 'google', 'me@example.com');
      expect(token.status, token.stderr).toBe(0);
      expect(token.stdout).toBe('bundle-access-value\n');

      const missing = run('token', 'google', 'nobody@example.com');
      expect(missing.status).toBe(2);
      expect(missing.stdout).toBe('');

      const providers = run('provider', 'list', '--json');
      expect(providers.status).toBe(0);
      expect((JSON.parse(providers.stdout) as Array<{ id: string }>).map((p) => p.id)).toEqual(['google', 'microsoft', 'github']);
    } finally {
      home.cleanup();
    }
  });

  it('connect and provider add load their checks on demand, and refuse before creating a vault', () => {
    const home = makeTmpHome();
    try {
      const env = { ...process.env, OSMEN_HOME: home.dir, OAUTH_ENCRYPTION_KEY: EncryptionManager.generateKey() };
      const run = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { env, encoding: 'utf8' });
      const unknown = run('connect', 'nosuch', '--device');
      expect(unknown.status).toBe(78);
      expect(unknown.stderr).toContain('[unknown_provider]');
      // Port 9 (discard) on loopback: nothing listens there.
      const unreachable = run('provider', 'add', 'acme', '--issuer', 'http://127.0.0.1:9', '--client-id', 'x');
      expect(unreachable.status).toBe(75);
      expect(unreachable.stderr).toContain('[discovery_failed]');
      expect(readdirSync(home.dir)).toEqual([]);
    } finally {
      home.cleanup();
    }
  });
});
