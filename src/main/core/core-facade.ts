/** The CredentialCore (api.ts) over the core's parts: answers, never the parts themselves. */
import { securityLogChecks } from './audit/log-health.js';
import type { CredentialCore } from './api.js';
import { applySettings, type CoreParts } from './core-parts.js';
import { dataFolder } from './data-folder.js';
import { envFileChecks } from './env-file.js';
import { VaultError } from './errors.js';
import { CredentialValidator } from './health/credential-validator.js';
import { deviceSignInSupport } from './oauth/device-support.js';
import * as admin from './provider-admin.js';
import { checkProviderField } from './provider-field-check.js';
import { refreshEveryAccount } from './refresh-all.js';
import { SignIns } from './sign-ins.js';
import { KEYCHAIN_SERVICE } from './vault/key-custody.js';
import type { ConnectOptions, DeviceConnectOptions, AccessTokenOptions, TokenMetadata } from './contracts/accounts.js';
import type { CoreSettings, HealthReport } from './contracts/settings.js';
import type { BuiltinClientId, CustomProviderEdit, CustomProviderInput, FieldCheckInput, SecretChange } from './contracts/providers.js';
import { connectAccount, disconnectAccount } from './oauth/connect-flow.js';
import { connectAccountWithDevice } from './oauth/device-flow.js';
import type { HandoffConsent } from './contracts/consent.js';

export interface FacadeOptions {
  home: string;
  openUrl?: (url: string) => void | Promise<void>;
  repoDir?: string;
  keychainService?: string;
}

export class CoreFacade implements CredentialCore {
  private readonly signIns = new SignIns();

  constructor(
    /** @internal the parts; tests reach them through coreInternals(). */
    readonly parts: CoreParts,
    private readonly o: FacadeOptions,
  ) {}

  get home(): string {
    return this.o.home;
  }
  get keySource() {
    return this.parts.vault.keySource;
  }
  get vaultId(): string | null {
    return this.parts.vault.vaultId;
  }
  get keyId(): string {
    return this.parts.tokens.encryptionManager.primaryKeyId;
  }
  get events() {
    return this.parts.events;
  }
  get securityEvents() {
    return this.parts.log;
  }
  get consent(): HandoffConsent {
    return this.parts.consent;
  }

  private deps() {
    const { tokens, providers, log, events } = this.parts;
    return { tokens, providers, log, events };
  }

  /** One sign-in at a time; options given for it are checked and saved first (a reconnect keeps the account's own). */
  private async signIn(
    providerId: string,
    opts: { options?: Record<string, string>; signal?: AbortSignal; reconnect?: { userId: string } },
    run: (signal: AbortSignal) => Promise<TokenMetadata>,
  ) {
    // Checked by the provider's file before anything is saved: a bad value must never reach the settings.
    if (!opts.reconnect) {
      for (const [name, value] of Object.entries(opts.options ?? {})) this.parts.catalogue.setProviderOption(providerId, name, value);
    }
    return this.signIns.run(opts.signal, async (signal) => {
      const account = await run(signal);
      this.parts.scheduler.wake();
      return account;
    });
  }

  async connectAccount(providerId: string, opts: ConnectOptions = {}) {
    return this.signIn(providerId, opts, (signal) =>
      connectAccount(this.deps(), providerId, {
        openUrl: opts.openUrl ?? this.o.openUrl,
        timeoutMs: opts.timeoutMs,
        signal,
        reconnect: opts.reconnect,
      }),
    );
  }

  async connectAccountWithDevice(providerId: string, opts: DeviceConnectOptions) {
    return this.signIn(providerId, opts, (signal) =>
      connectAccountWithDevice(this.deps(), providerId, {
        onUserCode: opts.onUserCode,
        timeoutMs: opts.timeoutMs,
        signal,
        reconnect: opts.reconnect,
      }),
    );
  }

  cancelConnect(): boolean {
    return this.signIns.cancel();
  }

  async disconnectAccount(providerId: string, userId: string) {
    return disconnectAccount(this.deps(), providerId, userId);
  }

  listAccounts(): TokenMetadata[] {
    return this.parts.tokens.listTokens();
  }

  getAccount(providerId: string, userId: string): TokenMetadata | null {
    return this.parts.tokens.getMetadata(providerId, userId);
  }

  async getAccessToken(providerId: string, userId: string, opts?: AccessTokenOptions) {
    return this.parts.accessTokens.get(providerId, userId, opts);
  }

  async refreshAccount(providerId: string, userId: string): Promise<TokenMetadata> {
    await this.parts.refresher.refreshNow(providerId, userId);
    const meta = this.getAccount(providerId, userId);
    if (!meta) throw new VaultError('NO_ACCOUNT', `No account ${providerId}/${userId}.`);
    return meta;
  }

  async refreshDueAccounts() {
    return this.parts.scheduler.runOnce();
  }

  async refreshEveryAccount() {
    return refreshEveryAccount(this.listAccounts(), (provider, userId) => this.refreshAccount(provider, userId));
  }

  listProviders() {
    return this.parts.providers.list();
  }

  listCustomProviders() {
    return this.parts.settings.customProviders;
  }

  removeCustomProvider(id: string): void {
    this.parts.catalogue.removeCustomProvider(id);
  }

  private adminDeps(): admin.ProviderAdminDeps {
    const { catalogue, settings, tokens, providers } = this.parts;
    return { catalogue, settings, tokens, providers, disconnect: (p, u) => disconnectAccount(this.deps(), p, u) };
  }

  providerConfig() {
    return admin.providerConfig(this.adminDeps());
  }

  checkProviderField(input: FieldCheckInput) {
    const { providers, settings } = this.parts;
    return checkProviderField(input, { exists: (id) => providers.has(id) || settings.customProviders.some((p) => p.id === id) });
  }

  setBuiltinClient(id: BuiltinClientId, input: { clientId: string; clientSecret: SecretChange }): void {
    this.parts.catalogue.builtinClients.set(id, input);
  }

  clearBuiltinClient(id: BuiltinClientId): boolean {
    return this.parts.catalogue.builtinClients.clear(id);
  }

  setProviderOption(providerId: string, name: string, value: string): void {
    this.parts.catalogue.setProviderOption(providerId, name, value);
  }

  async createCustomProvider(input: CustomProviderInput) {
    return admin.createCustomProvider(this.adminDeps(), input);
  }

  async updateCustomProvider(edit: CustomProviderEdit) {
    return admin.updateCustomProvider(this.adminDeps(), edit);
  }

  async removeCustomProviderAndAccounts(id: string, opts: { disconnectAccounts?: boolean }) {
    return admin.removeCustomProvider(this.adminDeps(), id, opts);
  }

  async deviceSignInSupport(providerId: string) {
    return deviceSignInSupport(this.parts.providers, providerId);
  }

  async healthReport(): Promise<HealthReport> {
    const { tokens, log, catalogue, vault, envFile, providerEnv } = this.parts;
    const report = await CredentialValidator.validateAll({
      env: providerEnv,
      keySource: vault.keySource,
      repoDir: this.o.repoDir,
      paths: { home: this.home, db: tokens.dbPath, log: dataFolder(this.home).log },
    });
    const custody = report.checks.find((c) => c.id === 'encryption-key');
    if (custody && vault.keychainAccount) {
      custody.message += ` Keychain entry: service "${this.o.keychainService ?? KEYCHAIN_SERVICE}", account "${vault.keychainAccount}" (back it up).`;
    }
    report.checks.push(
      ...envFileChecks(dataFolder(this.home).env, envFile),
      ...catalogue.healthChecks(),
      ...this.parts.consent.healthChecks(),
    );
    report.checks = catalogue.builtinClients.withoutOverriddenEnvChecks(report.checks);
    // The log's chain, its vault anchor and every re-anchor (a rollback fails the report).
    report.checks.push(...securityLogChecks(log.verify()));
    report.ok = !report.checks.some((c) => c.status === 'fail');
    for (const check of report.checks) {
      if (check.status === 'fail') log.logSecurityError('validation_failure', { code: check.id });
    }
    return report;
  }

  getSettings(): CoreSettings {
    return this.parts.settings.settings;
  }

  updateSettings(patch: Partial<CoreSettings>): CoreSettings {
    const before = this.parts.settings.settings;
    const next = this.parts.settings.update(patch);
    applySettings(this.parts, before);
    this.parts.events.emit('settings-changed', next);
    return next;
  }

  schedulerState() {
    const { scheduler } = this.parts;
    return { running: scheduler.running, paused: scheduler.paused, nextRunAt: scheduler.nextRunAt };
  }

  wakeScheduler(): void {
    this.parts.scheduler.wake();
  }

  readLog(limit: number) {
    return this.parts.log.readRecent(limit);
  }

  verifyLog() {
    return this.parts.log.verify();
  }

  async exportLog(destPath: string) {
    return this.parts.log.exportTo(destPath);
  }

  userHash(userId: string): string {
    return this.parts.log.userHash(userId);
  }

  async rotateKey(newKey?: string) {
    const result = await this.parts.vault.rotateKey(newKey);
    this.parts.log.logSecurityEvent('key_rotation', { keyId: result.keyId, rotated: result.rotated, source: this.keySource });
    return result;
  }

  async close(): Promise<void> {
    this.signIns.cancel();
    await this.parts.scheduler.stop();
    try {
      // Refreshes started outside the scheduler ("Refresh now", the tray's "Refresh all") too,
      // and a last attempt at tokens that could not be saved yet.
      // Narrowed mints too (their rotated refresh tokens are saved like any refresh's).
      const closed = await Promise.allSettled([this.parts.accessTokens.close(), this.parts.refresher.close()]);
      const failed = closed.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      this.parts.consent.close();
      this.parts.accessTokens.clear();
      this.parts.tokens.close();
      this.parts.log.close();
    }
  }
}
