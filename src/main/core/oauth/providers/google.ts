/** Google: everything the app knows about it as an OAuth provider. */
import { envValue, type BuiltinProvider, type FieldVerdict, type SecretVerdict } from './builtin.js';
import { DEFAULT_CLOCK_TOLERANCE_SEC } from './definition.js';
import { renameField } from './answers.js';

const ID = 'google';
export const GOOGLE_ISSUER = 'https://accounts.google.com';
// Google's discovery document lists it; kept as a fallback for a trimmed document.
const GOOGLE_REVOCATION = 'https://oauth2.googleapis.com/revoke';
const PERMISSIONS_PAGE = 'https://myaccount.google.com/permissions';

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
  id: ID,
  displayName: 'Google',
  kind: 'oidc',
  env: { clientId: CLIENT_ID_ENV, clientSecret: CLIENT_SECRET_ENV },
  consoleHosts: ['console.cloud.google.com', 'developers.google.com', 'myaccount.google.com'],
  clientHelp: {
    consoleUrl: 'https://console.cloud.google.com/apis/credentials',
    clientIdPlaceholder: 'Desktop app client ID',
    clientSecretPlaceholder: 'Its client secret',
    clientId:
      'Create an OAuth client of type “Desktop app” in Google Cloud console (APIs & Services → Credentials) and copy its Client ID.',
    clientSecret:
      'Copy the client secret of the same Desktop app client: Google asks for it, although it is not confidential for an installed app.',
  },
  look: { mark: 'G', color: '#c5221f' },
  secretShapes: {
    // Access tokens (ya29.), refresh tokens (1//), client secrets (GOCSPX-).
    tokens: [/ya29\.[A-Za-z0-9_.~+/=-]+/g, /1\/\/[A-Za-z0-9_-]{8,}/g, /GOCSPX-[A-Za-z0-9_-]+/g],
    scan: [
      {
        kind: 'google_client_secret',
        title: 'Google OAuth client secret',
        ere: 'GOCSPX-[A-Za-z0-9_-]{20,}',
        js: /GOCSPX-[A-Za-z0-9_-]{20,}/g,
        rotate:
          'Reset the client secret in Google Cloud console (APIs & Services > Credentials > your OAuth client > Reset secret) and put the new one in .env.',
      },
      {
        kind: 'google_refresh_token',
        title: 'Google refresh token',
        ere: '1//0[A-Za-z0-9_-]{20,}',
        js: /1\/\/0[A-Za-z0-9_-]{20,}/g,
        rotate: `Revoke the grant (Disconnect the account in the app, or ${PERMISSIONS_PAGE}) and reconnect.`,
      },
      {
        kind: 'google_access_token',
        title: 'Google access token',
        ere: 'ya29\\.[A-Za-z0-9_.-]{20,}',
        js: /ya29\.[A-Za-z0-9_.-]{20,}/g,
        rotate: 'Access tokens expire within an hour, but revoke the grant that issued it (Disconnect and reconnect the account).',
      },
    ],
    prefixes: ['GOCSPX-', 'ya29.', '1//'],
  },
  options: [],
  deviceFlow: 'supported',
  // Google's endpoint answers 400 invalid_token for a token already dead: counted as done.
  revocation: { kind: 'rfc7009', endpoint: GOOGLE_REVOCATION, revokeAt: PERMISSIONS_PAGE },
  // Google answers a device authorization with `verification_url` (the name in the drafts before
  // RFC 8628), which openid-client rejects as a response without `verification_uri`.
  adaptAnswer: (res, endpoint) => (endpoint === 'device' ? renameField(res, 'verification_url', 'verification_uri') : Promise.resolve(res)),
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
    };
  },
  checkClientId,
  checkClientSecret,
};
