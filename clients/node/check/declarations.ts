// index.d.ts (what TypeScript users see) against lib/*.js (what runs), both ways:
// - every name the declarations promise exists in the implementation with an assignable type;
// - every name the implementation exports is declared.
// `npm run typecheck` in the OsMEN checkout compiles this file; it is not shipped.
import type * as Declared from '../index.js';
import * as implementation from '../lib/index.js';

const asDeclared: typeof Declared = implementation;

type Missing = Exclude<keyof typeof implementation, keyof typeof Declared>;
const undeclared: [Missing] extends [never] ? true : { undeclared: Missing } = true;

// Instances too (the constructors' assignability above checks their public members).
const token: Declared.AccessToken = new implementation.AccessToken({ accessToken: 'x' });
const client: Declared.AgentClient = new implementation.AgentClient({ socketPath: '/nonexistent' });
const error: Declared.AgentError = new implementation.NeedsReauthError('needs_reauth', 'm', { exitCode: 3 });

export { asDeclared, undeclared, token, client, error };
