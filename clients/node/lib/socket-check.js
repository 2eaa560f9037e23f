// The check before connecting (the same rules as `osmen-cred`): a socket that another user could
// have put there, or could replace, would hand this program that user's tokens, and would get
// our client key. So it must be our own socket, private, in a folder nobody else can write.
import { lstat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigurationError } from './errors.js';

/** @param {number} mode */
const octal = (mode) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/** @param {import('node:fs').Stats} st */
function kindOf(st) {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (st.isFile()) return 'a regular file';
  if (st.isFIFO()) return 'a FIFO';
  return 'not a socket';
}

/**
 * @param {string} path
 * @param {string} what
 */
function unsafe(path, what) {
  return new ConfigurationError('AGENT_SOCKET_UNSAFE', `Refusing the agent socket ${path}: ${what}. Nothing was sent.`, { exitCode: 78 });
}

/**
 * `lstat`s the socket and its folder. Resolves 'missing' when there is nothing at `path` (no
 * agent), 'ok' when it may be used; rejects with a ConfigurationError `AGENT_SOCKET_UNSAFE`
 * (exit 78) naming what is wrong otherwise. Windows named pipes are not files: 'ok'.
 * @param {string} path
 * @returns {Promise<'ok' | 'missing'>}
 */
export async function checkAgentSocket(path) {
  if (process.platform === 'win32' || typeof process.geteuid !== 'function') return 'ok';
  const uid = process.geteuid();
  /** @type {import('node:fs').Stats} */
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT' || /** @type {NodeJS.ErrnoException} */ (err).code === 'ENOTDIR')
      return 'missing';
    throw unsafe(path, `it cannot be examined (${/** @type {NodeJS.ErrnoException} */ (err).code ?? 'error'})`);
  }
  if (!st.isSocket()) throw unsafe(path, `it is ${kindOf(st)}`);
  if (st.uid !== uid) throw unsafe(path, `it is owned by uid ${st.uid}, not by you (uid ${uid})`);
  if ((st.mode & 0o077) !== 0) throw unsafe(path, `its mode is ${octal(st.mode)}: group or others may use it (it must be 0600)`);
  const folder = dirname(resolve(path));
  const dir = await lstat(folder);
  if (!dir.isDirectory()) throw unsafe(path, `its folder ${folder} is ${kindOf(dir)}`);
  if (dir.uid !== uid && dir.uid !== 0)
    throw unsafe(path, `its folder ${folder} is owned by uid ${dir.uid}, not by you (uid ${uid}) or root`);
  if ((dir.mode & 0o022) !== 0) throw unsafe(path, `its folder ${folder} (mode ${octal(dir.mode)}) is writable by group or others`);
  return 'ok';
}
