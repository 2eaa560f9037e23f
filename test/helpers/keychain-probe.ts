/**
 * Is there an OS keychain the integration suites can use? The probe and the message live in
 * scripts/test-keychain.mjs, which `npm test` (scripts/test.mjs) also uses, before any
 * TypeScript loader, to start a private Secret Service when none answers.
 */
export {
  HEADLESS_TEST_COMMAND,
  missingSecretServiceTools,
  noKeychainMessage,
  probeKeychain,
  type KeychainProbe,
} from '../../scripts/test-keychain.mjs';
