/**
 * The environment a command started by `osmen-cred run --sdk` gets: the caller's, plus the
 * endpoint's variables, minus what would make the SDK look elsewhere first (checked against the
 * libraries' own source: google-auth-library's and google-auth's application-default order,
 * MSAL's managed-identity source order and DefaultAzureCredential's chain), minus the vault's key.
 */
import type { SdkKind } from '../contracts/sdk.js';
import { GOOGLE_SDK } from '../../../shared/sdk-kinds.js';
import { withoutVaultKey } from '../vault-key-env.js';

/**
 * Google: a key file named by GOOGLE_APPLICATION_CREDENTIALS (google-auth-library also reads it
 * lower-case) and gcloud's application-default file (found through CLOUDSDK_CONFIG, else
 * ~/.config/gcloud) both win over the metadata server; CLOUDSDK_CONFIG is pointed at an empty folder.
 */
export const GOOGLE_REMOVED = ['GOOGLE_APPLICATION_CREDENTIALS', 'google_application_credentials'] as const;

/**
 * Azure: IDENTITY_SERVER_THUMBPRINT switches MSAL to Service Fabric, IMDS_ENDPOINT to Azure Arc,
 * MSI_ENDPOINT/MSI_SECRET to the old protocols; the AZURE_* credentials make
 * DefaultAzureCredential pick EnvironmentCredential or WorkloadIdentityCredential first (and
 * AZURE_CLIENT_ID a user-assigned identity), AZURE_TOKEN_CREDENTIALS restricts its chain.
 */
export const AZURE_REMOVED = [
  'IDENTITY_SERVER_THUMBPRINT',
  'IMDS_ENDPOINT',
  'MSI_ENDPOINT',
  'MSI_SECRET',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_USERNAME',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_TOKEN_CREDENTIALS',
] as const;

export function removedVariables(sdk: SdkKind): readonly string[] {
  return sdk === GOOGLE_SDK ? GOOGLE_REMOVED : AZURE_REMOVED;
}

/**
 * `base` with the endpoint's `variables` set and the SDK's removed variables (and the vault key)
 * gone. Google also gets CLOUDSDK_CONFIG = `emptyGcloudConfig` (a folder made for this run).
 */
export function sdkEnvironment(
  base: NodeJS.ProcessEnv,
  sdk: SdkKind,
  variables: Record<string, string>,
  emptyGcloudConfig: string | null,
): NodeJS.ProcessEnv {
  // The vault's key opens every account: the command gets tokens, never the key (vault-key-env.ts).
  const env = withoutVaultKey(base);
  for (const name of removedVariables(sdk)) delete env[name];
  Object.assign(env, variables);
  if (sdk === GOOGLE_SDK) {
    if (emptyGcloudConfig === null) throw new TypeError('Google needs an empty gcloud configuration folder.');
    env.CLOUDSDK_CONFIG = emptyGcloudConfig;
  }
  return env;
}
