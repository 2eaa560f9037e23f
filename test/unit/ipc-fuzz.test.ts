/**
 * Fuzz: thousands of random and malformed payloads to every IPC handler of the
 * real core. Each must resolve (never throw) to the typed INVALID_REQUEST
 * error; the token store, settings and provider list must be byte-for-byte
 * unchanged; Object.prototype must not be polluted; the security log records
 * the rejections without being flooded. The generator is seeded, so a failure
 * reproduces.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCore, coreInternals } from '../../src/main/core/credential-core.js';
import { EncryptionManager } from '../../src/main/core/vault/encryption-manager.js';
import { createHandlerTable, type HandlerTable } from '../../src/main/ipc/handlers.js';
import { RejectionReporter } from '../../src/main/ipc/rejections.js';
import { CHANNELS, CHANNEL_NAMES, IpcResultSchema, type Channel } from '../../src/shared/ipc-contract.js';
import { makeTmpHome } from '../helpers/tmp.js';
import type { CredentialCore } from '../../src/main/core/api.js';

/** mulberry32: small, seeded, good enough to pick cases. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A minimal valid payload per channel; the fuzzer breaks each one. */
const VALID: Record<Channel, Record<string, unknown>> = {
  'osmen:app:status': {},
  'osmen:app:retry-open-vault': {},
  'osmen:app:quit': {},
  'osmen:app:copy': { what: 'token-command', providerId: 'google', userId: 'seed@example.test' },
  'osmen:accounts:list': {},
  'osmen:accounts:connect': { providerId: 'google', tenant: 'common' },
  'osmen:accounts:cancel-connect': {},
  'osmen:accounts:sign-in-state': {},
  'osmen:accounts:reopen-sign-in': {},
  'osmen:accounts:disconnect': { providerId: 'google', userId: 'seed@example.test' },
  'osmen:accounts:refresh': { providerId: 'google', userId: 'seed@example.test' },
  'osmen:accounts:refresh-all': { force: true },
  'osmen:providers:list': {},
  'osmen:providers:add-custom': {
    id: 'fuzz',
    displayName: 'Fuzz',
    issuer: 'https://issuer.example',
    clientId: 'client',
    clientSecret: 'secret',
    scopes: ['openid'],
  },
  'osmen:health:report': {},
  'osmen:settings:get': {},
  'osmen:settings:update': {
    refreshWindowMs: 120_000,
    checkIntervalMs: 120_000,
    backgroundRefreshPaused: true,
    startAtLogin: true,
    agentEnabled: true,
  },
  'osmen:scheduler:state': {},
  'osmen:log:read': { limit: 10 },
  'osmen:log:verify': {},
  'osmen:app:open-external': { url: 'https://github.com/' },
  'osmen:providers:config': {},
  'osmen:providers:check-field': { field: 'client-id', provider: 'google', value: 'typed' },
  'osmen:providers:set-builtin': {
    providerId: 'google',
    clientId: '1234-abc.apps.googleusercontent.com',
    clientSecret: { action: 'set', value: 'fuzz-secret' },
  },
  'osmen:providers:clear-builtin': { providerId: 'microsoft' },
  'osmen:providers:set-tenant': { tenant: 'organizations' },
  'osmen:providers:set-option': { providerId: 'microsoft', name: 'tenant', value: 'organizations' },
  'osmen:providers:update-custom': {
    id: 'fuzz',
    displayName: 'Fuzz',
    issuer: 'https://issuer.example',
    clientId: 'client',
    clientSecret: { action: 'keep' },
    scopes: ['openid'],
  },
  'osmen:providers:remove-custom': { id: 'fuzz', disconnectAccounts: true },
  'osmen:providers:device-support': { providerId: 'google' },
  'osmen:accounts:connect-device': { providerId: 'google', tenant: 'common', reconnectUserId: 'seed@example.test' },
  'osmen:accounts:device-state': {},
  'osmen:accounts:open-device-page': {},
  'osmen:log:export': {},
  'osmen:consent:pending': {},
  'osmen:consent:answer': { id: 'c_abcdefgh', answer: 'once' },
  'osmen:programs:list': {},
  'osmen:programs:revoke': { id: 'g_abcdefghij' },
  'osmen:programs:set-mode': { mode: 'same-user' },
  'osmen:programs:dismiss-offer': {},
  'osmen:accounts:programs': { providerId: 'google', userId: 'seed@example.test' },
  'osmen:sdk:list': {},
  'osmen:sdk:start': {
    sdk: 'azure',
    providerId: 'google',
    userId: 'seed@example.test',
    scopes: ['https://management.azure.com/.default'],
    port: 0,
    bind: '127.0.0.1',
    forMs: 3_600_000,
  },
  'osmen:sdk:stop': { id: '0123456789abcdef' },
  'osmen:log:save-shown': { seqs: [1, 2] },
};

/** Values that are wrong for every field of the contract (no field accepts these). */
function wrongValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * 16);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return Number.NaN;
    case 2:
      return Number.POSITIVE_INFINITY;
    case 3:
      return -1e308;
    case 4:
      return 'x'.repeat(70_000 + Math.floor(r() * 1_000_000)); // huge string
    case 5:
      return '\u0000\u001b[31m\r\nforged';
    case 6:
      return [];
    case 7:
      return [wrongValue(r, depth + 1), wrongValue(r, depth + 1)];
    case 8:
      return JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}');
    case 9:
      return deep(200 + Math.floor(r() * 2000));
    case 10:
      return Symbol.for('fuzz').toString() === '' ? 0 : { toString: 'not-a-function' };
    case 11:
      return -0.5;
    case 12:
      return { length: 1e9 };
    case 13:
      return depth < 3 ? { nested: wrongValue(r, depth + 1) } : {};
    case 14:
      return new Array(10_001).fill('openid'); // too many items
    default:
      return 1.5;
  }
}

function deep(n: number): unknown {
  let v: unknown = {};
  for (let i = 0; i < n; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

/** Field-level values that are the right type but break a bound or a pattern. */
const BAD_FIELD: Record<string, unknown[]> = {
  providerId: ['', 'Google', 'g'.repeat(65), 'a b', '../etc', 'x\u0000y', '__proto__'.toUpperCase()],
  userId: ['', 'u'.repeat(513), 'line\nbreak', '\u0007bell'],
  // An option value is bounded text at the boundary; what a tenant may be is the provider file's
  // rule, applied by the core (test/unit/ipc-provider-channels.test.ts shows it refusing one).
  tenant: ['', 't'.repeat(254), 'line\nbreak', '\u0000', 'tab\there'],
  limit: [0, -1, 5001, 1.5, Number.NaN],
  id: ['', 'UPPER', 'with.dot', 'i'.repeat(41), '-x'],
  displayName: ['', 'd'.repeat(129)],
  issuer: ['', 'not a url', 'javascript:alert(1)', 'data:text/html,x', 'ftp://x.example', 'i'.repeat(2049)],
  clientId: ['', 'c'.repeat(513)],
  clientSecret: ['', 's'.repeat(1025)],
  scopes: [[], ['has space'], ['"quoted"'], new Array(51).fill('openid'), [''], ['s'.repeat(257)]],
  refreshWindowMs: [0, 29_999, 3_600_001, 1.5, -60_000],
  checkIntervalMs: [0, 29_999, 86_400_001, 2.5],
  backgroundRefreshPaused: ['true', 1, null],
  startAtLogin: ['false', 0, null],
  agentEnabled: ['true', 1, null],
  force: ['yes', 1, null],
  url: ['', 'u'.repeat(2049)],
  what: ['', 'sign-in', 'SIGN-IN-LINK', 'token_command', 'clipboard', '__proto__', 'device_user_code'],
  field: ['', 'client_id', 'CLIENT-ID', 'password', '__proto__'],
  provider: ['', 'Google', 'google ', '__proto__', 'p'.repeat(65)],
  value: ['v'.repeat(4097), 'tab\there', 'line\nbreak', '\u0000'],
  disconnectAccounts: ['yes', 1, null],
  reconnectUserId: ['', 'u'.repeat(513), 'line\nbreak'],
  sdk: ['', 'gcp', 'Google', 'aws'],
  port: [-1, 65_536, 1.5],
  bind: ['', 'localhost', 'a b', '1'.repeat(46)],
  forMs: [0, 59_999, 30 * 86_400_000 + 1, 1.5],
  project: ['', 'Bad Project', 'p'.repeat(101)],
};

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'accessToken', 'refresh_token', 'toString', 'x'.repeat(5000), ''];

/** One malformed payload for `channel`, defective by construction. */
function malformed(channel: Channel, r: () => number): unknown {
  const base = VALID[channel];
  const keys = Object.keys(base);
  const mode = Math.floor(r() * 6);
  if (mode === 0) {
    // Not an object at all.
    const v = wrongValue(r);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? [v] : v;
  }
  if (mode === 1 || keys.length === 0) {
    // A valid payload plus a field the contract does not have (prototype-pollution keys included).
    const key = EXTRA_KEYS[Math.floor(r() * EXTRA_KEYS.length)]!;
    const payload = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
    if (key === '__proto__')
      return JSON.parse(`{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(base[k])},`).join('')}"__proto__":{"polluted":"yes"}}`);
    Object.defineProperty(payload, key, { value: wrongValue(r), enumerable: true, configurable: true, writable: true });
    return payload;
  }
  const key = keys[Math.floor(r() * keys.length)]!;
  const payload: Record<string, unknown> = { ...base };
  if (mode === 2) {
    payload[key] = wrongValue(r); // wrong type
  } else if (mode === 3) {
    const bad = BAD_FIELD[key] ?? [null];
    payload[key] = bad[Math.floor(r() * bad.length)]; // right type, out of bounds
  } else if (mode === 4) {
    const optional = CHANNELS[channel].request.safeParse(Object.fromEntries(keys.filter((k) => k !== key).map((k) => [k, base[k]])));
    if (optional.success) {
      // The field is optional: break another way.
      const bad = BAD_FIELD[key] ?? [null];
      payload[key] = bad[Math.floor(r() * bad.length)];
    } else {
      delete payload[key]; // missing required field
    }
  } else {
    // Every field wrong at once.
    for (const k of keys) payload[k] = wrongValue(r);
  }
  return payload;
}

function fileDigest(path: string): string {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'absent';
}

let home: { dir: string; cleanup: () => void };
let core: CredentialCore;
let table: HandlerTable;

beforeAll(async () => {
  home = makeTmpHome('osmen-fuzz-');
  core = await createCredentialCore({ home: home.dir, encryptionKey: EncryptionManager.generateKey(), env: {} });
  coreInternals(core).tokens.saveToken('google', 'seed@example.test', {
    access_token: 'fuzz-access-token',
    refresh_token: 'fuzz-refresh-token',
    expires_in: 3600,
    scope: 'openid email',
  });
  table = createHandlerTable({
    getCore: () => core,
    vaultError: () => null,
    appInfo: { version: 'test', platform: 'linux' },
    openExternal: () => {
      throw new Error('open-external must not run for a malformed payload');
    },
    openSignInPage: () => {
      throw new Error('no sign-in page may open for a malformed payload');
    },
    writeClipboard: () => {
      throw new Error('nothing may be copied for a malformed payload');
    },
    retryOpenVault: () => {
      throw new Error('the vault must not be re-opened for a malformed payload');
    },
    quit: () => {
      throw new Error('the app must not quit for a malformed payload');
    },
    reportRejection: new RejectionReporter(() => coreInternals(core).log, { burst: 20, windowMs: 60_000 }),
  });
});

afterAll(async () => {
  await core?.close();
  home?.cleanup();
});

describe('IPC fuzz', () => {
  it('rejects thousands of malformed payloads on every channel with the typed error, writing nothing', async () => {
    // Every row of the vault except the security log's anchor: each logged rejection moves that
    // anchor (it follows the log, checked below), and nothing else may change.
    const db = coreInternals(core).tokens.database;
    const snapshot = (): string =>
      JSON.stringify({
        accounts: core.listAccounts(),
        settings: core.getSettings(),
        providers: core.listProviders(),
        tokens: db.prepare('SELECT * FROM tokens ORDER BY provider, user_id').all(),
        leases: db.prepare('SELECT * FROM refresh_leases ORDER BY provider, user_id').all(),
        meta: db.prepare("SELECT key, value FROM meta WHERE key <> 'security_log_anchor' ORDER BY key").all(),
        settingsFile: fileDigest(join(home.dir, 'settings.json')),
      });
    const before = snapshot();
    const seqBefore = Math.max(0, ...core.readLog(1000).map((e) => e.seq));

    const r = rng(0x05e1);
    const PER_CHANNEL = 250;
    let total = 0;
    for (const channel of CHANNEL_NAMES) {
      for (let i = 0; i < PER_CHANNEL; i++) {
        const payload = malformed(channel, r);
        const result = await table.invoke(channel, payload);
        total += 1;
        expect(IpcResultSchema.safeParse(result).success).toBe(true);
        if (result.ok) throw new Error(`accepted a malformed payload on ${channel}: ${JSON.stringify(payload)?.slice(0, 300)}`);
        expect(result.error.code).toBe('INVALID_REQUEST');
        expect(result.error.message.length).toBeLessThanOrEqual(600);
        expect(result.error.message).not.toMatch(/x{100}/); // a huge input is never echoed back
        expect(result.error).not.toHaveProperty('stack');
      }
    }
    expect(total).toBe(CHANNEL_NAMES.length * PER_CHANNEL);

    // Unknown channels, including names that exist on every object.
    for (const channel of [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'osmen:',
      'osmen:accounts:list ',
      'OSMEN:ACCOUNTS:LIST',
      '',
      'x'.repeat(100_000),
      42,
      null,
      undefined,
      {},
      ['osmen:accounts:list'],
    ]) {
      const result = await table.invoke(channel, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    }

    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(snapshot()).toBe(before);

    // Rejections are logged, rate-limited: at most the burst, all `ipc_rejected`, chain intact.
    const added = core.readLog(1000).filter((e) => e.seq > seqBefore);
    expect(added.length).toBeGreaterThan(0);
    expect(added.length).toBeLessThanOrEqual(20);
    expect(added.every((e) => e.event === 'ipc_rejected')).toBe(true);
    expect(core.verifyLog()).toMatchObject({ ok: true, rollback: { status: 'ok', anchorSeq: Math.max(...added.map((e) => e.seq)) } });
    const rejected = added;
    for (const e of rejected) expect(String(e.details['channel'] ?? '').length).toBeLessThanOrEqual(64);
  });

  it('still serves valid calls after the storm', async () => {
    const result = await table.invoke('osmen:accounts:list', {});
    expect(result).toMatchObject({ ok: true, value: [{ provider: 'google', userId: 'seed@example.test' }] });
  });
});
