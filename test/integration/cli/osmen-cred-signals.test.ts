/**
 * Ctrl-C while `osmen-cred token` is refreshing: the provider has already
 * rotated the refresh token, so dying before the save would lose the grant
 * (the next refresh would reuse the old token and the provider revokes it).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../../src/main/core/credential-core.js';
import { ageToken } from '../../helpers/oidc-fixtures.js';
import { startTestProvider, type TestProvider } from '../../helpers/oidc-provider.js';
import { seedVault } from '../../helpers/seed-vault.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';

const launcher = join(import.meta.dirname, '..', '..', '..', 'bin', 'osmen-cred.js');
let op: TestProvider;
let home: { dir: string; cleanup: () => void };
const key = EncryptionManager.generateKey();
const USER = 'erin@example.test';

beforeAll(async () => {
  op = await startTestProvider();
  home = makeTmpHome();
  // The hand-off itself is tested here, not consent (test/integration/consent): any program of the user gets tokens.
  await seedVault(home.dir, key, op, {
    logins: ['erin'],
    handToAnyProgram: true,
    more: (core) => ageToken(coreInternals(core).tokens, 'testop', USER, 30), // inside the refresh window
  });
});

afterAll(async () => {
  await op.close();
  home.cleanup();
});

describe('osmen-cred and signals', () => {
  it('SIGINT during a refresh finishes the save, exits 130, and the grant stays valid', async () => {
    const gate = op.holdTokenRequests();
    const child = spawn(process.execPath, [launcher, 'token', 'testop', USER], {
      env: { ...process.env, OSMEN_HOME: home.dir, OAUTH_ENCRYPTION_KEY: key, OSMEN_CLI_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const acknowledged = new Promise<void>((resolve) =>
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (stderr.includes('SIGINT received')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await gate.arrived; // the refresh request is at the provider
    child.kill('SIGINT');
    await Promise.race([acknowledged, exited]); // a CLI killed by the signal exits instead
    gate.release();
    expect(await exited).toBe(130);

    // The rotated refresh token was stored: a refresh from the vault still works.
    const core = await createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });
    try {
      const before = coreInternals(core).tokens.getToken('testop', USER)!;
      await core.refreshAccount('testop', USER);
      expect(coreInternals(core).tokens.getToken('testop', USER)!.refreshToken).not.toBe(before.refreshToken);
      expect(coreInternals(core).tokens.getMetadata('testop', USER)!.status).toBe('active');
    } finally {
      await core.close();
    }
  });
});
