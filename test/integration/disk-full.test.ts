/**
 * A full disk never loses a refresh token the provider already rotated. The vault lives on a
 * real, small tmpfs that is filled while the token request is on the wire: the save fails with
 * DISK_FULL (CLI exit 74), the issued tokens are kept in memory and served, the stale refresh
 * token is never sent again, and once there is room the rotated token is written and the grant
 * still works at the provider (oidc-provider revokes the grant on reuse).
 *
 * Needs `mount -t tmpfs` (root, or a container allowed to mount); skipped with the reason where not.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { TokenStore } from '../../src/main/core/vault/token-store.js';
import { browseAuthorization, PUBLIC_CLIENT_ID, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { ageToken, TEST_SCOPES, testRegistry } from '../helpers/oidc-fixtures.js';
import { connectAccount } from '../../src/main/core/oauth/connect-flow.js';
import { TokenRefresher } from '../../src/main/core/oauth/token-refresher.js';
import { exitCodeFor } from '../../src/main/core/exit-codes.js';

const BIN = fileURLToPath(new URL('../../bin/osmen-cred.js', import.meta.url));
let mountPoint: string | null = null;
let skipReason = '';
let op: TestProvider;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'osmen-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    mountPoint = dir;
  } catch (err) {
    skipReason = `mounting a tmpfs is not permitted here (${(err as Error).message.split('\n')[0]})`;
    rmSync(dir, { recursive: true, force: true });
  }
  op = await startTestProvider();
});

const fillers: string[] = [];
afterEach(() => {
  for (const f of fillers.splice(0)) rmSync(f, { force: true });
});

afterAll(async () => {
  await op?.close();
  if (mountPoint) {
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  }
});

/** Fills the filesystem completely; returns the filler's path (delete it to free the space). */
function fillDisk(dir: string): string {
  const filler = join(dir, 'filler');
  fillers.push(filler);
  const fd = openSync(filler, 'w');
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

/** Empties the WAL, so the next write must grow a file (an old, longer WAL would be reused in place). */
function truncateWal(dbPath: string): void {
  const db = new Database(dbPath);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

describe('a full disk', () => {
  it('keeps the rotated refresh token in memory, serves it, and saves it when there is room', async (ctx) => {
    if (!mountPoint) return ctx.skip(skipReason);
    const home = join(mountPoint, 'core');
    mkdirSync(home);
    const key = EncryptionManager.generateKey();
    const dbPath = join(home, 'tokens.db');
    const tokens = new TokenStore({ dbPath, encryption: new EncryptionManager(key) });
    try {
      const meta = await connectAccount({ tokens, providers: testRegistry(op.issuer) }, 'testop', {
        openUrl: async (url) => void (await browseAuthorization(url, { login: 'diskfull' })),
      });
      const user = meta.userId;
      ageToken(tokens, 'testop', user, 0);
      const oldRefresh = tokens.getToken('testop', user)!.refreshToken!;
      truncateWal(dbPath);
      op.resetCounts();
      const refresher = new TokenRefresher({ tokens, providers: testRegistry(op.issuer) });
      const hold = op.holdTokenRequests();
      const first = refresher.getValidAccessToken('testop', user).catch((e: unknown) => e);
      await hold.arrived;
      const filler = fillDisk(mountPoint);
      hold.release();
      const err = await first;
      expect(err).toMatchObject({ code: 'DISK_FULL' });
      expect(exitCodeFor(err)).toBe(74);
      expect(refresher.unsavedWrites).toBeGreaterThan(0);
      // The issued token is served from memory; the stale stored refresh token is never sent.
      const served = await refresher.getValidAccessToken('testop', user);
      await expect(refresher.refreshIfDue('testop', user)).resolves.toMatchObject({ kind: 'failed', error: { code: 'DISK_FULL' } });
      expect(op.count('refresh_token')).toBe(1);
      expect(tokens.getToken('testop', user)!.refreshToken).toBe(oldRefresh);

      unlinkSync(filler);
      await vi.waitFor(() => expect(tokens.getToken('testop', user)!.refreshToken).not.toBe(oldRefresh), { timeout: 20_000, interval: 50 });
      expect(tokens.getToken('testop', user)!.accessToken).toBe(served);
      expect(refresher.unsavedWrites).toBe(0);
      // The grant survived: the rotated refresh token works at the provider.
      await refresher.refreshNow('testop', user);
      expect(op.tokenRequests.filter((t) => t.grantType === 'refresh_token').map((t) => t.status)).toEqual([200, 200]);
      await refresher.close();
    } finally {
      tokens.close();
    }
  });

  it('a narrowed mint keeps its rotated refresh token (and the lease) in memory, and saves it when there is room', async (ctx) => {
    if (!mountPoint) return ctx.skip(skipReason);
    const home = join(mountPoint, 'narrowed');
    mkdirSync(home);
    const key = EncryptionManager.generateKey();
    const core = await createCredentialCore({ home, encryptionKey: key, env: {} });
    try {
      await core.createCustomProvider({ id: 'testop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: TEST_SCOPES });
      const { userId } = await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'disknarrow' }) });
      const { tokens } = coreInternals(core);
      const before = tokens.getToken('testop', userId)!;
      truncateWal(join(home, 'tokens.db'));
      op.resetCounts();
      const hold = op.holdTokenRequests();
      const first = core.getAccessToken('testop', userId, { scopes: ['openid'] }).catch((e: unknown) => e);
      await hold.arrived;
      const filler = fillDisk(mountPoint);
      hold.release();
      const err = await first;
      expect(err).toMatchObject({ code: 'DISK_FULL' });
      expect(exitCodeFor(err)).toBe(74);
      // The stale stored refresh token is never sent meanwhile: another narrowed mint is refused
      // here, and the lease stays taken, so no refresher (in any process) sends it either.
      await expect(core.getAccessToken('testop', userId, { scopes: ['email'] })).rejects.toMatchObject({ code: 'DISK_FULL' });
      expect(op.count('refresh_token')).toBe(1);
      const leases = () => tokens.database.prepare('SELECT holder FROM refresh_leases').all() as Array<{ holder: string }>;
      expect(leases()).toEqual([{ holder: expect.stringMatching(/:narrow-[0-9a-f]{8}$/) }]);
      expect(tokens.getToken('testop', userId)!.refreshToken).toBe(before.refreshToken);

      unlinkSync(filler);
      await vi.waitFor(() => expect(tokens.getToken('testop', userId)!.refreshToken).not.toBe(before.refreshToken), {
        timeout: 20_000,
        interval: 50,
      });
      expect(leases()).toEqual([]);
      expect(tokens.getToken('testop', userId)!.accessToken).toBe(before.accessToken);
      // The grant survived: the rotated refresh token works at the provider.
      await core.refreshAccount('testop', userId);
      expect(op.tokenRequests.filter((t) => t.grantType === 'refresh_token').map((t) => t.status)).toEqual([200, 200]);
    } finally {
      await core.close();
    }
  });

  it('osmen-cred token: space returns while it retries the save → the rotated token is saved, printed, exit 0 with a warning', async (ctx) => {
    if (!mountPoint) return ctx.skip(skipReason);
    const home = join(mountPoint, 'cli');
    mkdirSync(home);
    const key = EncryptionManager.generateKey();
    const core = await createCredentialCore({ home, encryptionKey: key, env: {} });
    // A full disk is tested here, not consent (test/integration/consent): any program of the user gets tokens.
    core.consent.setMode('same-user', 'cli');
    await core.createCustomProvider({ id: 'testop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: TEST_SCOPES });
    const meta = await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'diskcli' }) });
    ageToken(coreInternals(core).tokens, 'testop', meta.userId, 0);
    const oldRefresh = coreInternals(core).tokens.getToken('testop', meta.userId)!.refreshToken!;
    await core.close();
    truncateWal(join(home, 'tokens.db'));
    op.resetCounts();

    const hold = op.holdTokenRequests();
    const child = spawn(process.execPath, [BIN, 'token', 'testop', meta.userId], {
      env: { PATH: process.env.PATH, HOME: home, OSMEN_HOME: home, OAUTH_ENCRYPTION_KEY: key, OSMEN_CLI_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const reported = new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('[DISK_FULL]')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await hold.arrived;
    const filler = fillDisk(mountPoint);
    hold.release();
    await reported;
    // The command has said why it waits; the process is still trying to save. Make room.
    unlinkSync(filler);
    // The final state is "saved": exit 0, the token on stdout, and on stderr only the warnings.
    expect(await exited).toBe(0);
    const lines = stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^osmen-cred: warning \[DISK_FULL\]: The disk holding .* is full.* Retrying the save for up to a minute before exiting\.$/,
    );
    expect(lines[1]).toBe('osmen-cred: warning: there was room again; the new tokens were saved.');

    const check = new TokenStore({ dbPath: join(home, 'tokens.db'), encryption: new EncryptionManager(key) });
    try {
      const saved = check.getToken('testop', meta.userId)!;
      expect(saved.refreshToken).not.toBe(oldRefresh);
      expect(stdout).toBe(`${saved.accessToken}\n`);
    } finally {
      check.close();
    }
    const after = await createCredentialCore({ home, encryptionKey: key, env: {} });
    try {
      await after.refreshAccount('testop', meta.userId);
    } finally {
      await after.close();
    }
    expect(op.tokenRequests.filter((t) => t.grantType === 'refresh_token').map((t) => t.status)).toEqual([200, 200]);
  });

  it('a full disk at open is DISK_FULL (exit 74) saying so, not DB_OPEN_FAILED (SQLITE_IOERR_SHMSIZE)', async (ctx) => {
    if (!mountPoint) return ctx.skip(skipReason);
    const home = join(mountPoint, 'open');
    mkdirSync(home);
    const key = EncryptionManager.generateKey();
    const tokens = new TokenStore({ dbPath: join(home, 'tokens.db'), encryption: new EncryptionManager(key) });
    tokens.saveToken('testop', 'someone@example.test', { access_token: 'at-open', refresh_token: 'rt-open', expires_in: 3600 });
    tokens.close();
    const filler = fillDisk(mountPoint);
    const env = { PATH: process.env.PATH, HOME: home, OSMEN_HOME: home, OAUTH_ENCRYPTION_KEY: key, OSMEN_CLI_SOURCE: '1' };
    // Nothing free, then 24 KiB free (less than SQLite's 32 KiB shared-memory file).
    for (const leave of [0, 24 * 1024]) {
      if (leave) truncateSync(filler, statSync(filler).size - leave);
      for (const args of [['token', 'testop', 'someone@example.test'], ['refresh', 'testop', 'someone@example.test'], ['list']]) {
        const r = await runCliIn(args, env);
        expect(r.code, `${args.join(' ')} with ${leave} bytes free: ${r.stderr}`).toBe(74);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(
          /^osmen-cred: error \[DISK_FULL\]: The disk holding .*tokens\.db is full \(\d+ KiB free\), so the token database cannot be opened/,
        );
        expect(r.stderr).not.toMatch(/DB_OPEN_FAILED|SQLITE_IOERR/);
      }
    }
  });

  it('refresh with the database held by another process and almost no space: saved, exit 0, without a minute of lease-release retries', async (ctx) => {
    if (!mountPoint) return ctx.skip(skipReason);
    // How much room lets the save through but not the lease's release depends on SQLite's page
    // use, so each round starts from a fresh vault and leaves one page (4 KiB) less.
    let found = false;
    for (let leave = 40 * 1024; leave >= 28 * 1024 && !found; leave -= 4096) {
      const home = join(mountPoint, `held-${leave}`);
      mkdirSync(home);
      const key = EncryptionManager.generateKey();
      const dbPath = join(home, 'tokens.db');
      const core = await createCredentialCore({ home, encryptionKey: key, env: {} });
      await core.createCustomProvider({ id: 'testop', issuer: op.issuer, clientId: PUBLIC_CLIENT_ID, scopes: TEST_SCOPES });
      const meta = await core.connectAccount('testop', { openUrl: (url) => void browseAuthorization(url, { login: 'heldapp' }) });
      ageToken(coreInternals(core).tokens, 'testop', meta.userId, 0);
      const before = coreInternals(core).tokens.getToken('testop', meta.userId)!.refreshToken;
      await core.close();
      // This test process holds the database open, as the desktop app does.
      const holder = new Database(dbPath);
      try {
        holder.pragma('wal_checkpoint(TRUNCATE)');
        const filler = fillDisk(mountPoint);
        truncateSync(filler, statSync(filler).size - leave);
        const env = { PATH: process.env.PATH, HOME: home, OSMEN_HOME: home, OAUTH_ENCRYPTION_KEY: key, OSMEN_CLI_SOURCE: '1' };
        // A liveness bound, not a timing claim: the old code retried the release for 60 s.
        const r = await runCliIn(['refresh', 'testop', meta.userId], env, 30_000);
        rmSync(filler);
        expect(r.code, `${leave} bytes free: ${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(/^Refreshed testop\//);
        const row = holder.prepare('SELECT holder FROM refresh_leases').get() as { holder: string } | undefined;
        const check = new TokenStore({ dbPath, encryption: new EncryptionManager(key) });
        try {
          expect(check.getToken('testop', meta.userId)!.refreshToken).not.toBe(before);
        } finally {
          check.close();
        }
        if (row) {
          // The release failed on the full disk: the CLI gave up on it and exited 0. The lease is
          // left behind, held by a process that is gone, so the next refresh takes it over at once.
          found = true;
          const next = await runCliIn(['refresh', 'testop', meta.userId], env, 30_000);
          expect(next.code, next.stderr).toBe(0);
          expect(holder.prepare('SELECT holder FROM refresh_leases').get()).toBeUndefined();
        }
      } finally {
        holder.close();
        rmSync(home, { recursive: true, force: true });
      }
    }
    expect(found, 'no amount of free space made the lease release fail after a save').toBe(true);
  });
});

/** Runs the CLI (sources) to the end; killed (and failed) after `limitMs`. */
function runCliIn(args: string[], env: NodeJS.ProcessEnv, limitMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`osmen-cred ${args[0]} still running after ${limitMs} ms; stderr: ${stderr}`));
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
