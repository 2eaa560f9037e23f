/**
 * What the GitHub stand-in knows: registered apps, people, authorizations (grants), and the
 * codes and tokens it issued, with the lifetimes and rules GitHub documents (./index.ts names
 * the sources). No HTTP here: the surfaces (oauth-surface.ts, api-surface.ts) ask this model.
 */
import { accessTokenValue, hex, randomBase62, refreshTokenValue, userCodeValue } from './wire.js';

export type AppKind = 'github-app' | 'oauth-app';

export interface AppRecord {
  kind: AppKind;
  clientId: string;
  clientSecret: string;
  /** Registered callback URLs; the first is used when a request names none. */
  callbackUrls: string[];
  /** "Enable Device Flow" in the app's settings. */
  deviceFlow: boolean;
  /** GitHub App only: "User-to-server token expiration" (on unless the app opted out). */
  expiringTokens: boolean;
  /** GitHub App only: the "Email addresses" (read) account permission, which /user/emails needs. */
  emailPermission: boolean;
}

export interface EmailRecord {
  email: string;
  primary: boolean;
  verified: boolean;
  visibility: 'public' | 'private' | null;
}

export interface UserRecord {
  id: number;
  login: string;
  name: string | null;
  /** The public profile e-mail: what GET /user shows, null when the person keeps it private. */
  email: string | null;
  emails: EmailRecord[];
  createdAt: string;
}

export interface AccessTokenRecord {
  value: string;
  clientId: string;
  userId: number;
  scopes: string[];
  issuedAt: number;
  expiresAt: number | null;
  revoked: boolean;
  viaDevice: boolean;
}

export interface RefreshTokenRecord {
  value: string;
  clientId: string;
  userId: number;
  accessToken: string;
  expiresAt: number;
  used: boolean;
  revoked: boolean;
  viaDevice: boolean;
}

export interface CodeRecord {
  code: string;
  clientId: string;
  userId: number;
  scopes: string[];
  /** The redirect_uri named in the authorization request (null: none named). */
  redirectUri: string | null;
  codeChallenge: string | null;
  expiresAt: number;
  used: boolean;
}

export interface DeviceRecord {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  interval: number;
  /** When the code was issued or last polled: polls closer than `interval` get slow_down. */
  lastRequestAt: number;
  status: 'pending' | 'approved' | 'denied' | 'exchanged';
  userId?: number;
}

/** GitHub's documented lifetimes, in seconds. */
export const LIFETIME = {
  /** User access tokens of a GitHub App ("always 28800 (8 hours)"). */
  userAccessToken: 28_800,
  /** Their refresh tokens ("always 15897600 (6 months)"). */
  refreshToken: 15_897_600,
  /** Authorization codes ("will expire after 10 minutes"). */
  code: 600,
  /** Device and user codes (default 900). */
  deviceCode: 900,
} as const;

/** Tokens kept per user/application/scope combination; an eleventh revokes the oldest. */
export const TOKENS_PER_SCOPE_SET = 10;

/** Scopes that include others ("Normalized scopes" in GitHub's scope list). */
const IMPLIED: Record<string, readonly string[]> = {
  repo: ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events'],
  'admin:repo_hook': ['write:repo_hook', 'read:repo_hook'],
  'write:repo_hook': ['read:repo_hook'],
  'admin:org': ['write:org', 'read:org'],
  'write:org': ['read:org'],
  'admin:public_key': ['write:public_key', 'read:public_key'],
  'write:public_key': ['read:public_key'],
  'admin:gpg_key': ['write:gpg_key', 'read:gpg_key'],
  'write:gpg_key': ['read:gpg_key'],
  user: ['read:user', 'user:email', 'user:follow'],
  project: ['read:project'],
  'write:packages': ['read:packages'],
};

/** A scope parameter (space-delimited; commas tolerated) as a normalized list. */
export function normalizeScopes(scopes: Iterable<string>): string[] {
  const list = [...new Set([...scopes].flatMap((s) => s.split(/[\s,]+/)).filter(Boolean))];
  return list.filter((s) => !list.some((other) => other !== s && IMPLIED[other]?.includes(s)));
}

export function hasScope(granted: readonly string[], needed: string): boolean {
  return granted.some((g) => g === needed || IMPLIED[g]?.includes(needed));
}

export type TokenStatus = 'valid' | 'expired' | 'revoked' | 'used' | 'unknown';

export class GitHubModel {
  readonly apps = new Map<string, AppRecord>();
  readonly users = new Map<number, UserRecord>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly codes = new Map<string, CodeRecord>();
  readonly devices = new Map<string, DeviceRecord>();
  /** Scopes a person has authorized an OAuth app for, by `${clientId} ${userId}`. */
  readonly grants = new Map<string, Set<string>>();
  private nextUserId = 9_000_001;

  constructor(readonly now: () => number) {}

  addApp(kind: AppKind, options: Partial<Omit<AppRecord, 'kind'>> = {}): AppRecord {
    const app: AppRecord = {
      kind,
      // Client ids as GitHub issues them today: `Iv23li…` for GitHub Apps, `Ov23li…` for OAuth apps.
      clientId: options.clientId ?? `${kind === 'github-app' ? 'Iv23li' : 'Ov23li'}${randomBase62(14)}`,
      clientSecret: options.clientSecret ?? hex(20),
      callbackUrls: options.callbackUrls ?? ['http://127.0.0.1/callback'],
      deviceFlow: options.deviceFlow ?? true,
      expiringTokens: kind === 'github-app' && (options.expiringTokens ?? true),
      emailPermission: options.emailPermission ?? true,
    };
    this.apps.set(app.clientId, app);
    return app;
  }

  addUser(user: { login: string; id?: number; name?: string | null; email?: string | null; emails?: EmailRecord[] }): UserRecord {
    if (this.userByLogin(user.login)) throw new Error(`stand-in: a user ${user.login} exists already`);
    const id = user.id ?? this.nextUserId++;
    const record: UserRecord = {
      id,
      login: user.login,
      name: user.name ?? null,
      email: user.email ?? null,
      emails: user.emails ?? [],
      createdAt: new Date(this.now() - 86_400_000 * 400).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    this.users.set(id, record);
    return record;
  }

  /** Logins are case-insensitive on GitHub. */
  userByLogin(login: string): UserRecord | undefined {
    const wanted = login.toLowerCase();
    return [...this.users.values()].find((u) => u.login.toLowerCase() === wanted);
  }

  requireUser(login: string): UserRecord {
    const user = this.userByLogin(login);
    if (!user) throw new Error(`stand-in: no user ${login}`);
    return user;
  }

  requireApp(clientId: string): AppRecord {
    const app = this.apps.get(clientId);
    if (!app) throw new Error(`stand-in: no app ${clientId}`);
    return app;
  }

  grantedScopes(clientId: string, userId: number): string[] {
    return [...(this.grants.get(`${clientId} ${userId}`) ?? [])];
  }

  issueCode(app: AppRecord, user: UserRecord, scopes: string[], redirectUri: string | null, codeChallenge: string | null): string {
    const code = hex(10);
    this.codes.set(code, {
      code,
      clientId: app.clientId,
      userId: user.id,
      scopes,
      redirectUri,
      codeChallenge,
      expiresAt: this.now() + LIFETIME.code * 1000,
      used: false,
    });
    return code;
  }

  issueDeviceCode(app: AppRecord, scopes: string[], ttlSec: number, interval: number): DeviceRecord {
    let userCode = userCodeValue();
    while ([...this.devices.values()].some((d) => d.userCode === userCode)) userCode = userCodeValue();
    const record: DeviceRecord = {
      deviceCode: hex(20),
      userCode,
      clientId: app.clientId,
      scopes,
      expiresAt: this.now() + ttlSec * 1000,
      interval,
      lastRequestAt: this.now(),
      status: 'pending',
    };
    this.devices.set(record.deviceCode, record);
    return record;
  }

  deviceByUserCode(userCode: string): DeviceRecord | undefined {
    const wanted = userCode.trim().toUpperCase();
    return [...this.devices.values()].find((d) => d.userCode === wanted);
  }

  /** The token answer for `user` authorizing `app` (OAuth app: `gho_`; GitHub App: `ghu_`, `ghr_`). */
  issueTokens(app: AppRecord, user: UserRecord, requestedScopes: string[], viaDevice: boolean): Record<string, string | number> {
    const now = this.now();
    if (app.kind === 'oauth-app') {
      const scopes = normalizeScopes(requestedScopes);
      const key = `${app.clientId} ${user.id}`;
      this.grants.set(key, new Set(normalizeScopes([...(this.grants.get(key) ?? []), ...scopes])));
      const token: AccessTokenRecord = {
        value: accessTokenValue('gho'),
        clientId: app.clientId,
        userId: user.id,
        scopes,
        issuedAt: now,
        expiresAt: null,
        revoked: false,
        viaDevice,
      };
      this.accessTokens.set(token.value, token);
      this.enforceTokenLimit(token);
      return { access_token: token.value, token_type: 'bearer', scope: scopes.join(',') };
    }
    this.grants.set(`${app.clientId} ${user.id}`, new Set());
    const token: AccessTokenRecord = {
      value: accessTokenValue('ghu'),
      clientId: app.clientId,
      userId: user.id,
      scopes: [],
      issuedAt: now,
      expiresAt: app.expiringTokens ? now + LIFETIME.userAccessToken * 1000 : null,
      revoked: false,
      viaDevice,
    };
    this.accessTokens.set(token.value, token);
    if (!app.expiringTokens) return { access_token: token.value, scope: '', token_type: 'bearer' };
    const refresh: RefreshTokenRecord = {
      value: refreshTokenValue(),
      clientId: app.clientId,
      userId: user.id,
      accessToken: token.value,
      expiresAt: now + LIFETIME.refreshToken * 1000,
      used: false,
      revoked: false,
      viaDevice,
    };
    this.refreshTokens.set(refresh.value, refresh);
    return {
      access_token: token.value,
      expires_in: LIFETIME.userAccessToken,
      refresh_token: refresh.value,
      refresh_token_expires_in: LIFETIME.refreshToken,
      scope: '',
      token_type: 'bearer',
    };
  }

  /** "Once you use a refresh token, that refresh token and the old user access token will no longer work." */
  rotate(refresh: RefreshTokenRecord): Record<string, string | number> {
    refresh.used = true;
    const old = this.accessTokens.get(refresh.accessToken);
    if (old) old.revoked = true;
    const app = this.requireApp(refresh.clientId);
    const user = this.users.get(refresh.userId)!;
    return this.issueTokens(app, user, [], refresh.viaDevice);
  }

  /** An OAuth app keeps ten tokens per user/application/scope combination; more revoke the oldest. */
  private enforceTokenLimit(latest: AccessTokenRecord): void {
    const key = [...latest.scopes].sort().join(' ');
    const same = [...this.accessTokens.values()]
      .filter((t) => !t.revoked && t.clientId === latest.clientId && t.userId === latest.userId && [...t.scopes].sort().join(' ') === key)
      .sort((a, b) => a.issuedAt - b.issuedAt);
    for (const t of same.slice(0, Math.max(0, same.length - TOKENS_PER_SCOPE_SET))) t.revoked = true;
  }

  /** Deleting an authorization revokes every token the app holds for that person. */
  revokeGrant(clientId: string, userId: number): void {
    this.grants.delete(`${clientId} ${userId}`);
    for (const t of this.accessTokens.values()) if (t.clientId === clientId && t.userId === userId) t.revoked = true;
    for (const r of this.refreshTokens.values()) if (r.clientId === clientId && r.userId === userId) r.revoked = true;
  }

  accessTokenStatus(t: AccessTokenRecord | undefined): TokenStatus {
    if (!t) return 'unknown';
    if (t.revoked) return 'revoked';
    if (t.expiresAt !== null && this.now() >= t.expiresAt) return 'expired';
    return 'valid';
  }

  refreshTokenStatus(r: RefreshTokenRecord | undefined): TokenStatus {
    if (!r) return 'unknown';
    if (r.used) return 'used';
    if (r.revoked) return 'revoked';
    if (this.now() >= r.expiresAt) return 'expired';
    return 'valid';
  }

  /** A token the API accepts (not revoked, not expired), with its owner. */
  validAccessToken(value: string): { token: AccessTokenRecord; user: UserRecord } | undefined {
    const token = this.accessTokens.get(value);
    if (this.accessTokenStatus(token) !== 'valid') return undefined;
    const user = this.users.get(token!.userId);
    return user ? { token: token!, user } : undefined;
  }
}

/** The three people every stand-in starts with. */
export function seedPeople(model: GitHubModel): { octoDev: UserRecord; quietCat: UserRecord; shyOwl: UserRecord } {
  const octoDev = model.addUser({
    login: 'octo-dev',
    name: 'Octo Dev',
    email: 'octo-dev@example.test',
    emails: [
      { email: 'octo-dev@example.test', primary: true, verified: true, visibility: 'public' },
      { email: '9000001+octo-dev@users.noreply.example.test', primary: false, verified: true, visibility: null },
    ],
  });
  // Keeps the profile e-mail private: GET /user says null, /user/emails has the primary verified one.
  const quietCat = model.addUser({
    login: 'quiet-cat',
    name: null,
    email: null,
    emails: [
      { email: 'old-cat@example.test', primary: false, verified: true, visibility: null },
      { email: 'quiet-cat@example.test', primary: true, verified: true, visibility: 'private' },
    ],
  });
  // No verified primary e-mail at all: a client can show only the login.
  const shyOwl = model.addUser({
    login: 'shy-owl',
    name: 'Shy Owl',
    email: null,
    emails: [{ email: 'shy-owl@example.test', primary: true, verified: false, visibility: 'private' }],
  });
  return { octoDev, quietCat, shyOwl };
}
