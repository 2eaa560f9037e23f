/** Google: everything the app knows about it as an OAuth provider. */
import { envValue, type BuiltinProvider, type FieldVerdict, type SecretVerdict } from './builtin.js';
import { DEFAULT_CLOCK_TOLERANCE_SEC } from './definition.js';

export const GOOGLE_ISSUER = 'https://accounts.google.com';
// Google's discovery document lists it; kept as a fallback for a trimmed document.
const GOOGLE_REVOCATION = 'https://oauth2.googleapis.com/revoke';

const CLIENT_ID_ENV = 'GOOGLE_CLIENT_ID';
const CLIENT_SECRET_ENV = 'GOOGLE_CLIENT_SECRET';
// Project number, a dash, then a lowercase alphanumeric id; very old clients have no dash part.
const CLIENT_ID = /^[0-9]+(?:-[a-z0-9]+)?\.apps\.googleusercontent\.com$/;
const CLIENT_ID_FIX =
  'Use the "Client ID" of a Desktop app OAuth client from Google Cloud console > APIs & Services > Credentials; it looks like 1234567890-abc123….apps.googleusercontent.com.';

function checkClientId(id: string): FieldVerdict {
  if (CLIENT_ID.test(id)) return { valid: true, message: 'The Google client id has the expected format.' };
  if (/[A-Z]/.test(id) && CLIENT_ID.test(id.toLowerCase())) {
    return { valid: false, message: 'The Google client id has uppercase letters; Google client ids are lowercase.', fix: CLIENT_ID_FIX };
  }
  if (!id.endsWith('.apps.googleusercontent.com')) {
    return { valid: false, message: 'The Google client id must end with .apps.googleusercontent.com.', fix: CLIENT_ID_FIX };
  }
  return {
    valid: false,
    message: 'The Google client id must be the project number, a dash and an id before .apps.googleusercontent.com.',
    fix: CLIENT_ID_FIX,
  };
}

// Desktop app clients have a secret that Google's token endpoint requires, although Google
// documents it is not confidential for installed apps.
function checkClientSecret(secret: string | undefined): SecretVerdict {
  if (secret === undefined || secret === '') {
    return {
      status: 'warn',
      message: 'No client secret: Google’s token endpoint requires the (non-confidential) secret of Desktop app clients.',
      fix: `Copy the client secret of the same Desktop app client (into ${CLIENT_SECRET_ENV} in .env, or Settings → Providers).`,
    };
  }
  if (!/^GOCSPX-[A-Za-z0-9_-]{20,}$/.test(secret)) {
    return {
      status: 'warn',
      message: 'This does not look like a current Google client secret (they start with GOCSPX-).',
      fix: 'Check that you copied the client secret, not the client id; older secrets without the prefix still work.',
    };
  }
  return { status: 'ok', message: 'The client secret has the current Google format.' };
}

export const google: BuiltinProvider = {
  id: 'google',
  displayName: 'Google',
  kind: 'google',
  env: { clientId: CLIENT_ID_ENV, clientSecret: CLIENT_SECRET_ENV },
  consoleHosts: ['console.cloud.google.com', 'developers.google.com', 'myaccount.google.com'],
  errorDialect: {
    // invalid_grant + error_subtype=invalid_rapt: a Workspace re-authentication policy; the
    // generic code already means "sign in again", the subtype tells the person why.
    providerCodes(body, clean) {
      const subtype = clean(body.error_subtype);
      return subtype ? [subtype] : [];
    },
  },
  define(env) {
    return {
      id: 'google',
      displayName: 'Google',
      kind: 'google',
      issuer: GOOGLE_ISSUER,
      clientId: envValue(env, CLIENT_ID_ENV),
      // Google "Desktop app" clients have a secret that must be sent; Google documents it
      // is not treated as confidential for installed apps. PKCE is used as well.
      clientSecret: envValue(env, CLIENT_SECRET_ENV),
      scopes: ['openid', 'email', 'profile'],
      // A refresh token only comes with access_type=offline; prompt=consent makes Google
      // issue a new one on reconnect (it normally does only on first consent).
      extraAuthParams: { access_type: 'offline', prompt: 'consent' },
      clockToleranceSec: DEFAULT_CLOCK_TOLERANCE_SEC,
      clientIdEnv: CLIENT_ID_ENV,
      revocation: GOOGLE_REVOCATION,
    };
  },
  checkClientId,
  checkClientSecret,
};
