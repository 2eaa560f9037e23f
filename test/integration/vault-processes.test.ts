import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/main/core/index.js';
import { makeTmpHome } from '../helpers/tmp.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';

const writer = join(import.meta.dirname, 'fixtures', 'vault-writer.ts');
const key = EncryptionManager.generateKey();
let home: { dir: string; cleanup: () => void };
beforeEach(() => {
  home = makeTmpHome();
});
afterEach(() => home.cleanup());

function startWriter(dbPath: string, name: string, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dbPath, name, String(count)], {
    env: { ...process.env, OAUTH_ENCRYPTION_KEY: key },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let lines = 0;
  let stderr = '';
  const listeners: Array<() => void> = [];
  child.stdout.on('data', (b: Buffer) => {
    lines += b.toString().split('\n').filter(Boolean).length;
    listeners.forEach((l) => l());
  });
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    get lines() {
      return lines;
    },
    get stderr() {
      return stderr;
    },
    /** Resolves once the child has reported `n` committed writes. */
    reached(n: number) {
      return new Promise<void>((resolve) => {
        const check = () => lines >= n && resolve();
        listeners.push(check);
        check();
      });
    },
  };
}

describe('vault shared by several processes', () => {
  it('two processes writing one database lose nothing', async () => {
    const dbPath = join(home.dir, 'tokens.db');
    // Seed the shared account's refresh token; neither writer sends one.
    const seed = new TokenStore({ dbPath, encryption: new EncryptionManager(key) });
    seed.saveToken('google', 'shared', { access_token: 'seed', refresh_token: 'shared-refresh-keep' });
    seed.close();
    const a = startWriter(dbPath, 'a', 150);
    const b = startWriter(dbPath, 'b', 150);
    const [ca, cb] = await Promise.all([a.exited, b.exited]);
    expect([ca, cb, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    const tm = new TokenStore({ dbPath, encryption: new EncryptionManager(key) });
    expect(tm.count()).toBe(301);
    for (const n of ['a', 'b']) {
      for (const i of [0, 77, 149]) {
        expect(tm.getToken('google', `${n}-${i}`)).toMatchObject({ accessToken: `access-${n}-${i}`, refreshToken: `refresh-${n}-${i}` });
      }
    }
    expect(tm.getToken('google', 'shared')!.refreshToken).toBe('shared-refresh-keep');
    const created = tm.listTokens().find((t) => t.userId === 'shared')!;
    expect(created.createdAt.getTime()).toBeLessThanOrEqual(created.updatedAt.getTime());
    tm.close();
  });

  it('a process killed mid-write leaves a consistent, readable vault', async () => {
    const dbPath = join(home.dir, 'tokens.db');
    new TokenStore({ dbPath, encryption: new EncryptionManager(key) }).close();
    const w = startWriter(dbPath, 'k', 100_000);
    await w.reached(200);
    w.child.kill('SIGKILL');
    expect(await w.exited).toBeNull();
    const committed = w.lines;
    const db = new Database(dbPath);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const tm = new TokenStore({ dbPath, encryption: new EncryptionManager(key) });
    const rows = tm.listTokens().filter((t) => t.userId.startsWith('k-'));
    // Every write the child reported as done is there, and every stored row decrypts.
    expect(rows.length).toBeGreaterThanOrEqual(committed);
    for (const r of rows) expect(tm.getToken('google', r.userId)!.accessToken).toBe(`access-${r.userId}`);
    tm.close();
  });
});
