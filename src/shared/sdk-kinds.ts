/**
 * The SDK protocols the app stands in for: `google`, the Compute Engine metadata server Google's
 * client libraries ask, and `azure`, the App Service managed-identity endpoint Azure's ask. They
 * are names of protocols (the CLI's `--sdk google|azure`, the IPC field `sdk`: contracts), not
 * provider ids, and are spelled here only (the layout test allows this one file for that). No
 * imports: the core, the contract and the renderer all read it.
 */
export const GOOGLE_SDK = 'google';
export const AZURE_SDK = 'azure';
export const SDK_KINDS = [GOOGLE_SDK, AZURE_SDK] as const;
/** Which SDK an endpoint speaks to. */
export type SdkKind = (typeof SDK_KINDS)[number];
