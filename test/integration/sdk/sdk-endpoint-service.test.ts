/**
 * The app's SDK endpoints (core/sdk/endpoint-service.ts) on a real core: a time limit ends an
 * endpoint and closes its port, listeners hear every change, a disconnected account's endpoint
 * is stopped, the number running is bounded, a port in use is ADDRESS_UNAVAILABLE, and close()
 * stops them all and writes the hand-offs as "serve on port P".
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CredentialCore } from '../../../src/main/core/credential-core.js';
import { MAX_APP_ENDPOINTS, SdkEndpointService } from '../../../src/main/core/sdk/endpoint-service.js';
import type { TestProvider } from '../../helpers/oidc-provider.js';
import { ALICE, get, probePort, sdkVault, startSdkProvider, type SdkVault } from './sdk-fixture.js';

let op: TestProvider;
let vault: SdkVault;
let core: CredentialCore;

beforeAll(async () => {
  op = await startSdkProvider();
  vault = await sdkVault(op);
  core = await vault.open();
});
afterAll(async () => {
  await core.close();
  vault.cleanup();
  await op.close();
});

const FLAVOR = { 'Metadata-Flavor': 'Google' };
const TOKEN = '/computeMetadata/v1/instance/service-accounts/default/token';

describe('the app’s SDK endpoints', () => {
  it('a time limit ends the endpoint and closes its port; listeners hear each change; close() writes the hand-offs', async () => {
    const service = new SdkEndpointService(() => core);
    const changes = vi.fn();
    service.subscribe(changes);
    const ep = await service.start({ sdk: 'google', provider: 'testop', userId: ALICE, forMs: 1_000 });
    expect(ep).toMatchObject({ sdk: 'google', host: '127.0.0.1', scopes: null, endsAt: ep.startedAt + 1_000 });
    expect((await get(ep.port, TOKEN, FLAVOR)).status).toBe(200);
    expect(service.list().map((e) => e.id)).toEqual([ep.id]);
    await vi.waitFor(() => expect(service.list()).toEqual([]), { timeout: 10_000, interval: 50 });
    expect(await probePort(ep.port)).toBe('ECONNREFUSED');
    expect(changes).toHaveBeenCalledTimes(2);
    await service.close();
    const lines = core.readLog(20).filter((e) => e.details.program === `serve on port ${ep.port}`);
    expect(lines.map((e) => [e.event, e.details.count])).toEqual([['token_handoff', 1]]);
  });

  it('bounds the endpoints running, refuses a port in use, and stops what is left on close()', async () => {
    const service = new SdkEndpointService(() => core);
    const started = [];
    for (let i = 0; i < MAX_APP_ENDPOINTS; i++) started.push(await service.start({ sdk: 'azure', provider: 'testop', userId: ALICE }));
    await expect(service.start({ sdk: 'google', provider: 'testop', userId: ALICE })).rejects.toMatchObject({ code: 'TOO_MANY_ENDPOINTS' });
    await service.stop(started[0]!.id);
    await expect(service.start({ sdk: 'google', provider: 'testop', userId: ALICE, port: started[1]!.port })).rejects.toMatchObject({
      code: 'ADDRESS_UNAVAILABLE',
      category: 'transient',
    });
    expect(service.dockerArgs(started[1]!.id)).toMatch(
      /^-e IDENTITY_ENDPOINT=http:\/\/127\.0\.0\.1:\d+\/msi\/token -e IDENTITY_HEADER=\S{43}$/,
    );
    await service.close();
    expect(service.list()).toEqual([]);
    for (const e of started) expect(await probePort(e.port)).toBe('ECONNREFUSED');
  });

  it('refuses what serve refuses, and stops the endpoint of an account that was disconnected', async () => {
    const service = new SdkEndpointService(() => core);
    const bad = (req: Partial<Parameters<SdkEndpointService['start']>[0]>) =>
      service.start({ sdk: 'google', provider: 'testop', userId: ALICE, ...req });
    await expect(bad({ bind: 'example.com' })).rejects.toMatchObject({ code: 'INVALID_ADDRESS' });
    await expect(bad({ forMs: 500 })).rejects.toMatchObject({ code: 'INVALID_DURATION' });
    await expect(bad({ sdk: 'azure', project: 'p' })).rejects.toMatchObject({ code: 'INVALID_PROJECT' });
    await expect(bad({ userId: 'nobody@example.test' })).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    await expect(bad({ scopes: ['api:admin'] })).rejects.toMatchObject({ code: 'invalid_scope' });
    expect(service.list()).toEqual([]);

    const ep = await service.start({ sdk: 'google', provider: 'testop', userId: ALICE });
    await core.disconnectAccount('testop', ALICE);
    expect((await get(ep.port, TOKEN, FLAVOR)).status).toBe(403); // the endpoint itself refuses at once
    service.stopOrphans();
    await vi.waitFor(async () => expect(await probePort(ep.port)).toBe('ECONNREFUSED'));
    expect(service.list()).toEqual([]);
    await service.close();
  });
});
