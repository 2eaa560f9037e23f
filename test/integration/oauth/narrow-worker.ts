/**
 * Child process for the narrowed-token tests: opens the shared vault as its own core, waits for
 * "go" on stdin, then asks at once for narrowed tokens of two scope sets, for the account's own
 * token, and forces an ordinary refresh, and prints what it got (tokens as hashes) as one JSON line.
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createCredentialCore } from '../../../src/main/core/credential-core.js';

const { WORKER_HOME, WORKER_KEY, WORKER_USER, WORKER_CALLS } = process.env;
const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
const calls = Number(WORKER_CALLS ?? 10);

const core = await createCredentialCore({ home: WORKER_HOME!, encryptionKey: WORKER_KEY!, env: {}, mode: 'existing' });
process.stdout.write('ready\n');
const rl = createInterface({ input: process.stdin });
rl.once('line', async () => {
  rl.close();
  const user = WORKER_USER!;
  const many = <T>(fn: () => Promise<T>) => Array.from({ length: calls }, fn);
  try {
    const [read, write, full] = await Promise.all([
      Promise.all(many(() => core.getAccessToken('testop', user, { scopes: ['api:read'] }))),
      Promise.all(many(() => core.getAccessToken('testop', user, { scopes: ['api:write', 'openid'] }))),
      Promise.all(many(() => core.getAccessToken('testop', user))),
      core.refreshAccount('testop', user),
    ]);
    const distinct = (ts: Array<{ accessToken: string }>) => [...new Set(ts.map((t) => hash(t.accessToken)))];
    process.stdout.write(
      `${JSON.stringify({ ok: true, read: distinct(read), write: distinct(write), full: distinct(full), readScopes: read[0]!.scopes })}\n`,
    );
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string };
    process.stdout.write(`${JSON.stringify({ ok: false, error: `${e.name}:${e.code}: ${e.message}` })}\n`);
  } finally {
    await core.close();
  }
});
