/**
 * The SDK endpoints' protocols, byte for byte, over real HTTP against a real core and the real
 * OpenID Provider: every route of Google's metadata protocol and Azure's managed-identity
 * protocol, the headers the libraries check, the refusals (flavor, Host, proxy, web page, secret,
 * another identity), narrowing by scope as the provider sees it (introspection), the five-minute
 * floor, the hand-off records, and the port closing with the endpoint.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coreInternals, type CredentialCore } from '../../../src/main/core/credential-core.js';
import { SdkAccountTokens } from '../../../src/main/core/sdk/account-tokens.js';
import { startSdkEndpoint, type SdkEndpoint } from '../../../src/main/core/sdk/sdk-endpoint.js';
import { PUBLIC_CLIENT_ID, type TestProvider } from '../../helpers/oidc-provider.js';
import { ageToken } from '../../helpers/oidc-fixtures.js';
import {
  ACCOUNT_SCOPES,
  ALICE,
  ARM,
  get,
  KEY_VAULT,
  probePort,
  RecordingRecorder,
  sdkVault,
  startSdkProvider,
  storedToken,
  type SdkVault,
} from './sdk-fixture.js';

let op: TestProvider;
let vault: SdkVault;
let core: CredentialCore;
let recorder: RecordingRecorder;
let endpoint: SdkEndpoint | null = null;

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
beforeEach(() => {
  recorder = new RecordingRecorder();
  op.resetCounts();
});
afterEach(async () => {
  await endpoint?.close();
  endpoint = null;
});

async function google(options: { scopes?: string[]; project?: string | null } = {}): Promise<SdkEndpoint> {
  const tokens = new SdkAccountTokens(core, {
    provider: 'testop',
    userId: ALICE,
    scopes: options.scopes,
    unlisted: 'account',
    program: 'run: test',
    recorder,
  });
  endpoint = await startSdkEndpoint({ sdk: 'google', tokens, project: options.project === undefined ? 'my-project' : options.project });
  return endpoint;
}

async function azure(options: { scopes?: string[] } = {}): Promise<SdkEndpoint> {
  const tokens = new SdkAccountTokens(core, {
    provider: 'testop',
    userId: ALICE,
    scopes: options.scopes,
    unlisted: 'any',
    program: 'serve on port 1',
    recorder,
  });
  endpoint = await startSdkEndpoint({ sdk: 'azure', tokens, clientId: PUBLIC_CLIENT_ID });
  return endpoint;
}

const FLAVOR = { 'Metadata-Flavor': 'Google' };
const V1 = '/computeMetadata/v1';
const TOKEN = `${V1}/instance/service-accounts/default/token`;

describe('Google metadata endpoint', () => {
  it('answers the routes the libraries use, each with Metadata-Flavor: Google and exact content types', async () => {
    const { bound } = await google();
    const info = { aliases: ['default'], email: ALICE, scopes: ACCOUNT_SCOPES };
    const root = await get(bound.port, '/', FLAVOR);
    expect(root).toMatchObject({ status: 200, body: 'computeMetadata/\n' });
    for (const path of ['/instance', '/instance/']) expect((await get(bound.port, `${V1}${path}`, FLAVOR)).status).toBe(200);
    const t = await get(bound.port, TOKEN, FLAVOR);
    expect(t.status).toBe(200);
    expect(t.headers['content-type']).toBe('application/json');
    expect(t.headers['metadata-flavor']).toBe('Google');
    const body = t.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body).toMatchObject({ access_token: storedToken(core).accessToken, token_type: 'Bearer' });
    expect(body.expires_in).toBeGreaterThan(3000);
    // The e-mail works wherever `default` does (Python asks by e-mail after its first refresh).
    expect((await get(bound.port, `${V1}/instance/service-accounts/${ALICE}/token`, FLAVOR)).json().access_token).toBe(body.access_token);
    for (const path of ['default/?recursive=true', 'default?recursive=true', `${ALICE}/?recursive=true`]) {
      const r = await get(bound.port, `${V1}/instance/service-accounts/${path}`, FLAVOR);
      expect(r.headers['content-type'], path).toBe('application/json');
      expect(r.json(), path).toEqual(info);
    }
    expect((await get(bound.port, `${V1}/instance/service-accounts/?recursive=true`, FLAVOR)).json()).toEqual({
      default: info,
      [ALICE]: info,
    });
    for (const who of ['default', ALICE]) {
      expect(await get(bound.port, `${V1}/instance/service-accounts/${who}/email`, FLAVOR)).toMatchObject({ status: 200, body: ALICE });
    }
    expect(await get(bound.port, `${V1}/project/project-id`, FLAVOR)).toMatchObject({ status: 200, body: 'my-project' });
    // Everything else is 404, with the flavor header too.
    for (const path of [
      `${V1}/instance/service-accounts/bob@example.test/token`,
      `${V1}/instance/service-accounts/default/identity?audience=x`,
      `${V1}/instance/service-accounts/default/`,
      `${V1}/instance/service-accounts/`,
      `${V1}/project/numeric-project-id`,
      `${V1}/universe/universe-domain`,
      '/computeMetadata/v2/instance',
    ]) {
      const r = await get(bound.port, path, FLAVOR);
      expect(r.status, path).toBe(404);
      expect(r.headers['metadata-flavor'], path).toBe('Google');
    }
    expect(op.count()).toBe(0);
    expect(recorder.handoffs).toEqual([
      { provider: 'testop', userId: ALICE, program: 'run: test', scopes: ACCOUNT_SCOPES, ok: true },
      { provider: 'testop', userId: ALICE, program: 'run: test', scopes: ACCOUNT_SCOPES, ok: true },
    ]);
  });

  it('without --project, project/project-id is 404 with a clear body', async () => {
    const { bound } = await google({ project: null });
    expect(await get(bound.port, `${V1}/project/project-id`, FLAVOR)).toMatchObject({
      status: 404,
      body: 'No project id: start the endpoint with --project ID.\n',
    });
  });

  it('refuses a missing or wrong Metadata-Flavor, another Host, a proxy, a web page, and methods other than GET', async () => {
    const { bound } = await google();
    const refused = async (headers: Record<string, string>, status = 403, method = 'GET') => {
      const r = await get(bound.port, TOKEN, headers, method);
      expect(r.status, JSON.stringify(headers)).toBe(status);
      expect(r.headers['metadata-flavor']).toBe('Google');
      expect(r.body).not.toContain(storedToken(core).accessToken);
      return r.body;
    };
    expect(await refused({})).toBe('Missing Metadata-Flavor: Google header.\n');
    expect(await refused({ 'Metadata-Flavor': 'google' })).toBe('Missing Metadata-Flavor: Google header.\n');
    expect(await refused({ ...FLAVOR, Host: 'evil.example' })).toMatch(/^Host "evil\.example" is not this endpoint's address\.\n$/);
    await refused({ ...FLAVOR, Host: `127.0.0.1.nip.io:${bound.port}` });
    await refused({ ...FLAVOR, Host: '10.0.0.1' });
    expect(await refused({ ...FLAVOR, 'X-Forwarded-For': '10.1.2.3' })).toContain('X-Forwarded-For');
    expect(await refused({ ...FLAVOR, Origin: 'http://evil.example' })).toContain('Origin');
    await refused(FLAVOR, 405, 'POST');
    expect((await get(bound.port, '/', {})).status).toBe(403); // detection needs the header too
    // Names that are this endpoint: its address on any port (ssh -R, docker -p), localhost, metadata.google.internal.
    for (const host of [
      `127.0.0.1:${bound.port}`,
      '127.0.0.1:8080',
      'localhost:9',
      'metadata.google.internal',
      'METADATA.GOOGLE.INTERNAL.:80',
    ]) {
      expect((await get(bound.port, TOKEN, { ...FLAVOR, Host: host })).status, host).toBe(200);
    }
    expect(recorder.handoffs.every((h) => h.ok)).toBe(true); // refusals before routing are not hand-offs
    expect(op.count()).toBe(0);
  });

  it('narrows with ?scopes= (as the provider sees it); a list covering the account is no narrowing; others are refused', async () => {
    const { bound } = await google();
    const narrowed = (await get(bound.port, `${TOKEN}?scopes=api:read`, FLAVOR)).json();
    expect(narrowed.access_token).not.toBe(storedToken(core).accessToken);
    expect(await op.introspect(narrowed.access_token)).toMatchObject({ active: true, sub: 'alice', scope: 'api:read' });
    expect(op.count('refresh_token')).toBe(1);
    // Again: from the core's memory.
    expect((await get(bound.port, `${TOKEN}?scopes=api:read`, FLAVOR)).json().access_token).toBe(narrowed.access_token);
    // Python's google-auth sends every scope the account reports: the account's own token.
    const all = await get(bound.port, `${TOKEN}?scopes=${ACCOUNT_SCOPES.join(',')}`, FLAVOR);
    expect(all.json().access_token).toBe(storedToken(core).accessToken);
    const outside = await get(bound.port, `${TOKEN}?scopes=api:read,api:admin`, FLAVOR);
    expect(outside.status).toBe(403);
    expect(outside.body).toMatch(/^SCOPE_NOT_ALLOWED: .*not api:admin\.\n$/);
    expect(op.count('refresh_token')).toBe(1);
    expect(recorder.handoffs.map((h) => [h.scopes, h.ok])).toEqual([
      [['api:read'], true],
      [['api:read'], true],
      [ACCOUNT_SCOPES, true],
      [['api:admin', 'api:read'], false],
    ]);
  });

  it('with --scopes, hands out only those: by default, in the service account info, and refuses the rest', async () => {
    const { bound } = await google({ scopes: ['api:read'] });
    expect((await get(bound.port, `${V1}/instance/service-accounts/default/?recursive=true`, FLAVOR)).json().scopes).toEqual(['api:read']);
    const t = (await get(bound.port, TOKEN, FLAVOR)).json();
    expect((await op.introspect(t.access_token)).scope).toBe('api:read');
    expect((await get(bound.port, `${TOKEN}?scopes=api:read`, FLAVOR)).json().access_token).toBe(t.access_token);
    expect((await get(bound.port, `${TOKEN}?scopes=openid`, FLAVOR)).status).toBe(403);
  });

  it('never hands out a token with less than five minutes left', async () => {
    const { bound } = await google();
    ageToken(coreInternals(core).tokens, 'testop', ALICE, 290); // 4 min 50 s: outside the refresh window, under the floor
    const before = storedToken(core).accessToken;
    const t = (await get(bound.port, TOKEN, FLAVOR)).json();
    expect(t.access_token).not.toBe(before);
    expect(t.expires_in).toBeGreaterThan(3000);
    expect(op.count('refresh_token')).toBe(1);
    expect(t.access_token).toBe(storedToken(core).accessToken);
  });

  it('closing it closes the port and the kept-alive connections', async () => {
    const { bound } = await google();
    expect(await probePort(bound.port)).toBe('connected');
    await endpoint!.close();
    expect(await probePort(bound.port)).toBe('ECONNREFUSED');
  });
});

describe('Azure managed-identity endpoint', () => {
  const path = (query: string) => `/msi/token?${query}`;
  const arm = `api-version=2019-08-01&resource=${encodeURIComponent(ARM)}`;

  it('mints for R/.default with the secret, and answers the App Service shape', async () => {
    const ep = await azure();
    const r = await get(ep.bound.port, path(arm), { 'X-IDENTITY-HEADER': ep.secret! });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const body = r.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'client_id', 'expires_on', 'resource', 'token_type']);
    expect(body).toMatchObject({ resource: ARM, token_type: 'Bearer', client_id: PUBLIC_CLIENT_ID });
    expect(body.expires_on).toMatch(/^\d{10}$/);
    expect(Number(body.expires_on) * 1000).toBeGreaterThan(Date.now() + 3_000_000);
    expect(await op.introspect(body.access_token)).toMatchObject({ active: true, sub: 'alice', scope: `${ARM}/.default` });
    // The identity may be named, when it is this one.
    for (const q of [`client_id=${PUBLIC_CLIENT_ID.toUpperCase()}`, `principal_id=${ALICE}`, `object_id=${ALICE}`]) {
      const again = await get(ep.bound.port, path(`${arm}&${q}`), { 'X-IDENTITY-HEADER': ep.secret! });
      expect(again.json().access_token, q).toBe(body.access_token);
    }
    expect(op.count('refresh_token')).toBe(1);
    expect(recorder.handoffs[0]).toEqual({
      provider: 'testop',
      userId: ALICE,
      program: 'serve on port 1',
      scopes: [`${ARM}/.default`],
      ok: true,
    });
  });

  it('refuses a missing or wrong secret (401), other api-versions, identities and resource ids (400)', async () => {
    const ep = await azure();
    const ask = (query: string, headers: Record<string, string> = { 'X-IDENTITY-HEADER': ep.secret! }) =>
      get(ep.bound.port, path(query), headers);
    for (const headers of [{} as Record<string, string>, { 'X-IDENTITY-HEADER': 'wrong' }, { 'X-IDENTITY-HEADER': `${ep.secret!}x` }]) {
      const r = await ask(arm, headers);
      expect(r.status).toBe(401);
      expect(r.json()).toEqual({ error: 'unauthorized', error_description: 'The X-IDENTITY-HEADER header is missing or wrong.' });
    }
    const bad = async (query: string, error: string) => {
      const r = await ask(query);
      expect(r.status, query).toBe(400);
      expect(r.json(), query).toMatchObject({ error, error_description: expect.any(String) });
      return r.json().error_description as string;
    };
    await bad(`api-version=2017-09-01&resource=${ARM}`, 'invalid_request');
    await bad('api-version=2019-08-01', 'invalid_request');
    expect(await bad(`${arm}&client_id=00000000-0000-0000-0000-000000000000`, 'invalid_request')).toContain('client_id');
    expect(await bad(`${arm}&principal_id=bob@example.test`, 'invalid_request')).toContain('principal_id');
    expect(await bad(`${arm}&mi_res_id=/subscriptions/x`, 'invalid_request')).toContain('mi_res_id');
    expect((await get(ep.bound.port, '/metadata/identity/oauth2/token', { 'X-IDENTITY-HEADER': ep.secret! })).status).toBe(404);
    expect((await get(ep.bound.port, path(arm), { 'X-IDENTITY-HEADER': ep.secret!, Origin: 'http://evil.example' })).status).toBe(403);
    expect(op.count()).toBe(0);
  });

  it("a resource never consented to is the provider's 400 with error and error_description", async () => {
    const ep = await azure();
    const r = await get(ep.bound.port, path(`api-version=2019-08-01&resource=${encodeURIComponent(KEY_VAULT)}`), {
      'X-IDENTITY-HEADER': ep.secret!,
    });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({
      error: 'invalid_scope',
      error_description: 'testop: invalid_scope — refresh token missing requested scope',
    });
    expect(op.count('refresh_token')).toBe(1);
    expect(recorder.handoffs).toEqual([
      { provider: 'testop', userId: ALICE, program: 'serve on port 1', scopes: [`${KEY_VAULT}/.default`], ok: false },
    ]);
  });

  it('with --scopes, other resources are refused without asking the provider', async () => {
    const ep = await azure({ scopes: [`${ARM}/.default`] });
    const ok = await get(ep.bound.port, path(arm), { 'X-IDENTITY-HEADER': ep.secret! });
    expect(ok.status).toBe(200);
    const before = op.count();
    const other = await get(ep.bound.port, path('api-version=2019-08-01&resource=api:read'), { 'X-IDENTITY-HEADER': ep.secret! });
    expect(other.status).toBe(400);
    expect(other.json().error).toBe('SCOPE_NOT_ALLOWED');
    expect(op.count()).toBe(before);
  });
});
