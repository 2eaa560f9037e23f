/**
 * The handler table's promise never rejects and one account never breaks the account list:
 * payloads whose property reads or prototype lookups throw end as a typed INVALID_REQUEST,
 * and an account holding hundreds of scopes, or a very long one, still lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { createHandlerTable, type HandlerTable } from '../../src/main/ipc/handlers.js';
import { AccountDtoSchema } from '../../src/shared/ipc-contract.js';
import { makeTmpHome } from '../helpers/tmp.js';
import type { CredentialCore } from '../../src/main/core/api.js';

let home: { dir: string; cleanup: () => void };
let core: CredentialCore;
let table: HandlerTable;
const rejected: string[] = [];

beforeAll(async () => {
  home = makeTmpHome('osmen-ipc-reject-');
  core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: {} });
  table = createHandlerTable({
    getCore: () => core,
    vaultError: () => null,
    appInfo: { version: 't', platform: 'linux' },
    openExternal: () => undefined,
    reportRejection: { report: (channel: string, reason: string) => void rejected.push(`${channel}:${reason}`) } as never,
  });
});
afterAll(async () => {
  await core.close();
  home.cleanup();
});

describe('invoke never rejects', () => {
  const boom = () => {
    throw new Error('boom');
  };
  const hostile: Array<[string, unknown]> = [
    ['a getter that throws', Object.defineProperty({}, 'providerId', { get: boom, enumerable: true })],
    ['a proxy whose prototype lookup throws', new Proxy({}, { getPrototypeOf: boom })],
    ['a proxy whose every read throws', new Proxy({ providerId: 'google' }, { get: boom, ownKeys: boom, getOwnPropertyDescriptor: boom })],
    [
      'a revoked proxy',
      (() => {
        const p = Proxy.revocable({}, {});
        p.revoke();
        return p.proxy;
      })(),
    ],
  ];
  for (const [name, payload] of hostile) {
    it(`${name} is a typed INVALID_REQUEST`, async () => {
      const result = await table.invoke('osmen:accounts:connect', payload);
      expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    });
  }

  it('a channel value whose conversion throws is refused too', async () => {
    const weird = { toString: boom, [Symbol.toPrimitive]: boom };
    await expect(table.invoke(weird, {})).resolves.toMatchObject({ ok: false });
  });
});

describe('one account does not break the list', () => {
  it('an account with 150 scopes and a 300-character scope still lists, with the count of all scopes', async () => {
    const scopes = [...Array.from({ length: 149 }, (_, i) => `scope.${i}`), `https://example.test/${'x'.repeat(280)}`];
    coreInternals(core).tokens.saveToken('google', 'many@example.test', { access_token: 'a', scopes, expires_in: 3600 });
    coreInternals(core).tokens.saveToken('google', 'plain@example.test', { access_token: 'b', scope: 'openid', expires_in: 3600 });
    const result = await table.invoke('osmen:accounts:list', {});
    expect(result.ok).toBe(true);
    const list = (result as { value: unknown[] }).value.map((a) => AccountDtoSchema.parse(a));
    expect(list.map((a) => a.userId)).toEqual(['many@example.test', 'plain@example.test']);
    expect(list[0]).toMatchObject({ scopeCount: 150 });
    expect(list[0]!.scopes).toHaveLength(100);
    expect(rejected.filter((r) => r.includes('response_rejected'))).toEqual([]);
  });
});
