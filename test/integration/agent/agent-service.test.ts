/**
 * The desktop app's side of the agent (AgentService, driven by the agentEnabled setting): on by
 * default, started and stopped with the setting, and leaving an `osmen-cred agent` that already
 * serves the socket alone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentClient } from '../../../src/main/core/agent/client.js';
import { AgentService } from '../../../src/main/core/agent/service.js';
import { createCredentialCore, coreInternals } from '../../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../../src/main/core/vault/encryption-manager.js';
import { makeTmpHome } from '../../helpers/tmp.js';
import { startAgent } from './agent-harness.js';
import type { CredentialCore } from '../../../src/main/core/api.js';

let home: ReturnType<typeof makeTmpHome>;
let core: CredentialCore;
const key = EncryptionManager.generateKey();

beforeEach(async () => {
  home = makeTmpHome('osmen-agent-service-');
  core = await createCredentialCore({ home: home.dir, encryptionKey: key, env: {} });
  // The service's switching is tested here, not consent (test/integration/consent): any program of the user gets tokens.
  core.consent.setMode('same-user', 'app');
  coreInternals(core).tokens.saveToken('p', 'u@example.test', { access_token: 'service-access', refresh_token: 'rt', expires_in: 3600 });
});

afterEach(async () => {
  await core.close();
  home.cleanup();
});

const ask = async (path: string) => {
  const c = await AgentClient.connect(path);
  try {
    return await c.request({ method: 'token', provider: 'p', user: 'u@example.test' });
  } finally {
    c.close();
  }
};

describe('AgentService (the app serving the socket)', () => {
  it('is on by default and follows the setting', async () => {
    expect(core.getSettings().agentEnabled).toBe(true);
    const states: Array<{ running: boolean; error?: { code: string } }> = [];
    const service = new AgentService(core, { home: core.home, onState: (s) => states.push(s) });
    await service.setEnabled(core.getSettings().agentEnabled);
    const path = join(home.dir, 'agent.sock');
    expect(service.path).toBe(path);
    expect(await ask(path)).toMatchObject({ ok: true, accessToken: 'service-access' });

    expect(core.updateSettings({ agentEnabled: false }).agentEnabled).toBe(false);
    await service.setEnabled(false);
    expect(existsSync(path)).toBe(false);
    await expect(ask(path)).rejects.toMatchObject({ code: 'ENOENT' });
    await service.setEnabled(true);
    expect(await ask(path)).toMatchObject({ ok: true });
    await service.close();
    expect(states.map((s) => s.running)).toEqual([true, false, true, false]);
  });

  it('leaves a running `osmen-cred agent` serving, and says why it did not start', async () => {
    const cli = await startAgent({ PATH: process.env.PATH, HOME: home.dir, OSMEN_HOME: home.dir, OAUTH_ENCRYPTION_KEY: key });
    try {
      const states: Array<{ running: boolean; error?: { code: string } }> = [];
      const service = new AgentService(core, { home: core.home, onState: (s) => states.push(s) });
      await service.setEnabled(true);
      expect(service.running).toBe(false);
      expect(states).toEqual([{ running: false, path: null, error: expect.objectContaining({ code: 'AGENT_RUNNING' }) }]);
      expect(await ask(cli.path)).toMatchObject({ ok: true, accessToken: 'service-access' });
      await service.close();
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  });
});
