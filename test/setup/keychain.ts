/**
 * Global setup of the integration project: checks once, before any suite, that
 * the OS keychain works, and otherwise stops the run with one message saying
 * how to run the tests headless, instead of 11 failures. (`npm test` starts a
 * private Secret Service first where it can: scripts/test.mjs.)
 */
import { missingSecretServiceTools, noKeychainMessage, probeKeychain } from '../helpers/keychain-probe.js';

export default function setup(): void {
  const probe = probeKeychain();
  if (probe.ok) return;
  // Exits rather than throws: a thrown error comes back framed as an "Unhandled
  // Error" under a misleading "No test files found", and the message is the whole story.
  process.stderr.write(`\n${noKeychainMessage(probe.reason, process.platform, missingSecretServiceTools())}\n\n`);
  process.exit(1);
}
