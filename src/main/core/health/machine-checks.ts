/**
 * The health report's sections about this computer rather than the configuration values: where
 * the master key comes from, whether git holds secrets, and whether the data folder and its
 * files are private.
 */
import { statSync } from 'node:fs';
import { decodeKey, KEY_HELP } from '../vault/encryption-manager.js';
import { checkSecretsNotCommitted, type SecretScanOptions } from './git-secrets.js';
import type { HealthCheck } from '../contracts/settings.js';

/** Where the master key came from (key-custody's KeySource), or why there is none. */
export type KeySourceInput =
  | 'env'
  | 'keychain'
  | 'keychain-created'
  | 'explicit'
  | { source: 'env' | 'keychain' | 'keychain-created' | 'explicit' | 'none'; keychainAvailable?: boolean; error?: string };

export function keyChecks(input: KeySourceInput | undefined, env: NodeJS.ProcessEnv): HealthCheck[] {
  const checks: HealthCheck[] = [];
  const envKey = env.OAUTH_ENCRYPTION_KEY;
  if (envKey !== undefined && envKey.trim() !== '') {
    try {
      decodeKey(envKey.trim());
      checks.push({
        id: 'encryption-key-format',
        title: 'OAUTH_ENCRYPTION_KEY format',
        status: 'pass',
        message: 'OAUTH_ENCRYPTION_KEY holds a well-formed 32-byte key.',
      });
    } catch {
      checks.push({
        id: 'encryption-key-format',
        title: 'OAUTH_ENCRYPTION_KEY format',
        status: 'fail',
        message: 'OAUTH_ENCRYPTION_KEY is set but is not a 32-byte base64/base64url key.',
        fix: KEY_HELP,
      });
    }
  }
  if (input === undefined) return checks;
  const info = typeof input === 'string' ? { source: input } : input;
  const title = 'Master key custody';
  switch (info.source) {
    case 'keychain':
    case 'keychain-created':
      checks.push({ id: 'encryption-key', title, status: 'pass', message: 'The master key is kept in the OS keychain.' });
      break;
    case 'env':
      checks.push({
        id: 'encryption-key',
        title,
        status: 'warn',
        message:
          'The master key comes from OAUTH_ENCRYPTION_KEY, so it sits in the environment (and perhaps a .env file) rather than the OS keychain.',
        fix: 'On a desktop, unset OAUTH_ENCRYPTION_KEY to keep the key in the keychain; on a server, keep the variable out of files and shell history.',
      });
      break;
    case 'explicit':
      checks.push({ id: 'encryption-key', title, status: 'pass', message: 'The master key was supplied by the caller.' });
      break;
    case 'none':
    default:
      checks.push({
        id: 'encryption-key',
        title,
        status: 'fail',
        message:
          info.keychainAvailable === false
            ? 'No master key: the OS keychain is not available and OAUTH_ENCRYPTION_KEY is not set, so nothing can be stored.'
            : 'No master key is available, so nothing can be stored.',
        fix: `Unlock or start your OS keychain (on Linux a Secret Service such as gnome-keyring), or set OAUTH_ENCRYPTION_KEY. ${KEY_HELP}`,
      });
  }
  return checks;
}

export async function gitChecks(repoDir: string, scan?: SecretScanOptions): Promise<HealthCheck[]> {
  const r = await checkSecretsNotCommitted(repoDir, scan);
  const title = 'Secrets in git';
  if (r.status === 'not_a_repo' || r.status === 'git_unavailable' || r.status === 'git_error') {
    return [
      {
        id: 'secrets-in-git',
        title,
        status: 'warn',
        message: r.message,
        ...(r.status === 'git_unavailable' ? { fix: 'Install git to enable this check.' } : {}),
      },
    ];
  }
  if (r.findings.length === 0) return [{ id: 'secrets-in-git', title, status: 'pass', message: r.message }];
  // The report crosses IPC with a bounded size; a repository with hundreds of findings gets a summary line.
  const MAX = 50;
  const shown = r.findings.slice(0, MAX).map((f, i): HealthCheck => ({
    id: `secrets-in-git:${i}:${f.kind}`,
    title: `${title}: ${f.path}`,
    status: f.severity,
    message: f.message,
    fix: f.fix,
  }));
  if (r.findings.length > MAX) {
    shown.push({
      id: 'secrets-in-git:more',
      title: `${title}: ${r.findings.length - MAX} more`,
      status: r.findings.slice(MAX).some((f) => f.severity === 'fail') ? 'fail' : 'warn',
      message: `${r.findings.length - MAX} more findings are not listed here.`,
      fix: 'Fix the listed findings and run the check again to see the rest.',
    });
  }
  return shown;
}

export function permissionChecks(paths: { home?: string; db?: string; log?: string }): HealthCheck[] {
  if (process.platform === 'win32') {
    return [
      {
        id: 'permissions',
        title: 'File permissions',
        status: 'pass',
        message: 'POSIX permission bits do not apply on Windows; the data folder inherits your user profile ACL.',
      },
    ];
  }
  const checks: HealthCheck[] = [];
  const check = (id: string, path: string, want: number, isDir: boolean, required: boolean): void => {
    let st;
    try {
      st = statSync(path);
    } catch {
      if (required)
        checks.push({
          id,
          title: `Permissions of ${path}`,
          status: 'pass',
          message: `${path} does not exist yet; it will be created private.`,
        });
      return;
    }
    const mode = st.mode & 0o777;
    const octal = (m: number): string => `0${m.toString(8).padStart(3, '0')}`;
    if (isDir !== st.isDirectory()) {
      checks.push({
        id,
        title: `Permissions of ${path}`,
        status: 'fail',
        message: `${path} should be a ${isDir ? 'folder' : 'file'}.`,
        fix: `Move it away; the app recreates it.`,
      });
      return;
    }
    if (mode & 0o077) {
      checks.push({
        id,
        title: `Permissions of ${path}`,
        status: 'fail',
        message: `${path} is ${octal(mode)}: other users can ${mode & 0o044 ? 'read' : 'access'} it.`,
        fix: `chmod ${octal(want)} '${path}'`,
      });
    } else if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
      checks.push({
        id,
        title: `Permissions of ${path}`,
        status: 'warn',
        message: `${path} belongs to another user (uid ${st.uid}).`,
        fix: `chown it to your user.`,
      });
    } else {
      checks.push({ id, title: `Permissions of ${path}`, status: 'pass', message: `${path} is ${octal(mode)} (private).` });
    }
  };
  if (paths.home) check('permissions:home', paths.home, 0o700, true, true);
  if (paths.db) {
    check('permissions:db', paths.db, 0o600, false, true);
    check('permissions:db-wal', `${paths.db}-wal`, 0o600, false, false);
    check('permissions:db-shm', `${paths.db}-shm`, 0o600, false, false);
  }
  if (paths.log) {
    check('permissions:log', paths.log, 0o600, false, true);
    check('permissions:log-head', `${paths.log}.head`, 0o600, false, false);
    check('permissions:log-key', `${paths.log}.key`, 0o600, false, false);
    for (let i = 1; i <= 20; i++) check(`permissions:log.${i}`, `${paths.log}.${i}`, 0o600, false, false);
  }
  return checks;
}
