/**
 * Client keys for callers that are not local processes (over `ssh -R`, from a container): the
 * secret `osk_` + 43 base64url characters (32 random bytes), given to the program as
 * OSMEN_AGENT_KEY and sent as `"key"` in its requests. Only its SHA-256 is stored.
 */
import { createHash, randomBytes } from 'node:crypto';

export { CLIENT_KEY_ENV } from '../agent/protocol.js';
export const CLIENT_KEY_RE = /^osk_[A-Za-z0-9_-]{43}$/;

export function newClientKey(): string {
  return `osk_${randomBytes(32).toString('base64url')}`;
}

export function clientKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
