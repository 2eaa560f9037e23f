/** Google: everything the app knows about it as an OAuth provider. */
import { envValue, type BuiltinProvider } from './builtin.js';
import { DEFAULT_CLOCK_TOLERANCE_SEC } from './definition.js';

export const GOOGLE_ISSUER = 'https://accounts.google.com';
// Google's discovery document lists it; kept as a fallback for a trimmed document.
const GOOGLE_REVOCATION = 'https://oauth2.googleapis.com/revoke';

export const google: BuiltinProvider = {
  id: 'google',
  displayName: 'Google',
  kind: 'google',
  env: { clientId: 'GOOGLE_CLIENT_ID', clientSecret: 'GOOGLE_CLIENT_SECRET' },
  define(env) {
    return {
      id: 'google',
      displayName: 'Google',
      kind: 'google',
      issuer: GOOGLE_ISSUER,
      clientId: envValue(env, 'GOOGLE_CLIENT_ID'),
      // Google "Desktop app" clients have a secret that must be sent; Google documents it
      // is not treated as confidential for installed apps. PKCE is used as well.
      clientSecret: envValue(env, 'GOOGLE_CLIENT_SECRET'),
      scopes: ['openid', 'email', 'profile'],
      // A refresh token only comes with access_type=offline; prompt=consent makes Google
      // issue a new one on reconnect (it normally does only on first consent).
      extraAuthParams: { access_type: 'offline', prompt: 'consent' },
      clockToleranceSec: DEFAULT_CLOCK_TOLERANCE_SEC,
      clientIdEnv: 'GOOGLE_CLIENT_ID',
      revocation: GOOGLE_REVOCATION,
    };
  },
};
