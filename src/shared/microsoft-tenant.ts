/**
 * What a Microsoft tenant may be: `common`, `organizations`, `consumers`, a tenant GUID, or a
 * verified domain (at least one dot). Shared by the core (settings, environment, issuers) and
 * the IPC contract, so the app refuses a bad tenant before anything is saved. No imports: the
 * sandboxed preload bundles it.
 */
export const MICROSOFT_TENANT_PATTERN =
  /^(common|organizations|consumers|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)$/i;

export const MICROSOFT_TENANT_HINT = 'common, organizations, consumers, a tenant GUID or a verified domain such as contoso.com';

export function isMicrosoftTenant(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 253 && MICROSOFT_TENANT_PATTERN.test(value);
}
