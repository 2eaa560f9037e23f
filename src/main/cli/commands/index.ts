/** The `osmen-cred` commands, in the order the help lists them. */
import type { CommandSpec } from '../command.js';
import { agent } from './agent.js';
import { check } from './check.js';
import { allow, consent, grantKey, grants, revokeGrant } from './consent.js';
import { connect } from './connect.js';
import { disconnect } from './disconnect.js';
import { keygen } from './keygen.js';
import { list } from './list.js';
import { log } from './log.js';
import { provider } from './provider.js';
import { refresh } from './refresh.js';
import { rotateKey } from './rotate-key.js';
import { run } from './run.js';
import { serve } from './serve.js';
import { status } from './status.js';
import { token } from './token.js';

export const COMMANDS: readonly CommandSpec[] = [
  token,
  status,
  run,
  serve,
  agent,
  allow,
  grants,
  revokeGrant,
  grantKey,
  consent,
  connect,
  provider,
  list,
  check,
  refresh,
  disconnect,
  rotateKey,
  log,
  keygen,
];
