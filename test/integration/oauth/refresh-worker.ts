/**
 * Child process for the cross-process single-flight test: opens the shared vault,
 * waits for "go" on stdin, then fires CALLS concurrent getValidAccessToken calls
 * and prints the distinct tokens it got (as hashes) as one JSON line.
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { TokenStore } from '../../../src/main/core/vault/token-store.js';
import { TokenRefresher } from '../../../src/main/core/oauth/token-refresher.js';
import { testRegistry } from '../../helpers/oidc-fixtures.js';

const { WORKER_DB, WORKER_KEY, WORKER_ISSUER, WORKER_USER, WORKER_CALLS } = process.env;
const tokens = new TokenStore({ dbPath: WORKER_DB!, encryption: new EncryptionManager(WORKER_KEY!) });
const refresher = new TokenRefresher({ tokens, providers: testRegistry(WORKER_ISSUER!) });
const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

process.stdout.write('ready\n');
const rl = createInterface({ input: process.stdin });
rl.once('line', async () => {
  rl.close();
  try {
    const results = await Promise.all(
      Array.from({ length: Number(WORKER_CALLS ?? 50) }, () => refresher.getValidAccessToken('testop', WORKER_USER!)),
    );
    process.stdout.write(`${JSON.stringify({ ok: true, distinct: [...new Set(results.map(hash))] })}\n`);
  } catch (err) {
    const e = err as { name?: string; code?: string };
    process.stdout.write(`${JSON.stringify({ ok: false, error: `${e.name}:${e.code}` })}\n`);
  } finally {
    tokens.close();
  }
});
