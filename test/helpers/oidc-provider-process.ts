/**
 * Runs the test OpenID Provider in its own process with a shifted clock
 * (OIDC_CLOCK_OFFSET_MS), to test clock skew between this machine and a provider.
 * Prints one JSON line {"issuer": …} when listening; exits when stdin closes.
 */
export {};

const offset = Number(process.env.OIDC_CLOCK_OFFSET_MS ?? 0);
const realNow = Date.now;
Date.now = () => realNow() + offset;

const { startTestProvider } = await import('./oidc-provider.js');
const op = await startTestProvider({
  idTokenTtl: Number(process.env.OIDC_ID_TOKEN_TTL ?? 3600),
  accessTokenTtl: Number(process.env.OIDC_ACCESS_TOKEN_TTL ?? 3600),
});
process.stdout.write(`${JSON.stringify({ issuer: op.issuer })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void op.close().then(() => process.exit(0));
});
