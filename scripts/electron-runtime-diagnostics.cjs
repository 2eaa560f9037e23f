/**
 * Preloaded (node --require) into Electron's installer by electron-runtime.mjs.
 *
 * The installer prints only `err.stack` when a download fails, and for a
 * network failure that is "TypeError: fetch failed": the reason (ENOTFOUND,
 * ECONNREFUSED, a certificate error) sits in `err.cause`, which it drops. This
 * preload records each failed fetch with its cause, each non-2xx response, and
 * what the installer writes with console.error (its stack trace), as JSON
 * lines in $OSMEN_ELECTRON_DIAGNOSTICS, so the start script can print one
 * message naming the cause instead of a stack trace. The download itself is
 * untouched: same fetch, same request, same result.
 */
'use strict';
const { appendFileSync } = require('node:fs');

const file = process.env.OSMEN_ELECTRON_DIAGNOSTICS;

function record(entry) {
  if (!file) return;
  try {
    appendFileSync(file, `${JSON.stringify(entry)}\n`);
  } catch {
    // Diagnostics must never change the installer's outcome.
  }
}

function urlOf(input) {
  if (typeof input === 'string') return input;
  if (input && typeof input.url === 'string') return input.url;
  return String(input);
}

if (file && typeof globalThis.fetch === 'function') {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async function fetchWithDiagnostics(input, init) {
    const url = urlOf(input);
    try {
      const response = await realFetch(input, init);
      if (!response.ok) record({ kind: 'http', url, status: response.status, statusText: response.statusText });
      return response;
    } catch (err) {
      // undici nests the system error one or two levels deep (cause, or cause.cause for a proxy).
      let cause = err && err.cause;
      while (cause && cause.cause && !cause.code) cause = cause.cause;
      record({
        kind: 'network',
        url,
        code: (cause && cause.code) || (err && err.code) || null,
        message: String((cause && cause.message) || (err && err.message) || err),
      });
      throw err;
    }
  };

  console.error = (...args) => {
    record({ kind: 'error', text: args.map((a) => (a instanceof Error ? a.stack || a.message : String(a))).join(' ') });
  };
}
