/**
 * Bench child: a cold process opening the vault the way the app and the CLI do.
 * Reports module load, the first keychain read (D-Bus connection included) and
 * the database open (migrations, key check) separately.
 * Env: BENCH_HOME, BENCH_SERVICE (keychain service holding the key; empty = use BENCH_KEY), BENCH_KEY.
 */
export {};
const t0 = process.hrtime.bigint();
const { KeyCustody } = await import('../../src/main/core/vault/key-custody.js');
const { EncryptionManager } = await import('../../src/main/core/vault/encryption-manager.js');
const { TokenStore } = await import('../../src/main/core/vault/token-store.js');
const { join } = await import('node:path');
const t1 = process.hrtime.bigint();
let key = process.env.BENCH_KEY!;
if (process.env.BENCH_SERVICE)
  key = (await new KeyCustody({ service: process.env.BENCH_SERVICE, env: {} }).loadMasterKey({ create: false })).key;
const t2 = process.hrtime.bigint();
const tokens = new TokenStore({ dbPath: join(process.env.BENCH_HOME!, 'tokens.db'), encryption: new EncryptionManager(key) });
tokens.count();
const t3 = process.hrtime.bigint();
tokens.close();
const msOf = (a: bigint, b: bigint) => Number(b - a) / 1e6;
process.send!({ importMs: msOf(t0, t1), keychainMs: msOf(t1, t2), openMs: msOf(t2, t3) }, () => process.exit(0));
