/**
 * The renderer's Content-Security-Policy. Production allows only our own
 * origin for scripts, styles, images, fonts and connections: no inline script
 * or style, no eval, no remote anything, no framing, no plugins, no forms
 * posting elsewhere. Development relaxes it for the Vite dev server only
 * (React refresh injects an inline preamble and talks over a websocket).
 */
export interface CspOptions {
  /** Vite dev server origin (http://localhost:5173) in development; undefined in production. */
  devServerOrigin?: string;
}

export function buildCsp(options: CspOptions = {}): string {
  const dev = options.devServerOrigin;
  const ws = dev ? dev.replace(/^http/, 'ws') : undefined;
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'none'"]],
    ['script-src', dev ? ["'self'", "'unsafe-inline'", dev] : ["'self'"]],
    ['style-src', dev ? ["'self'", "'unsafe-inline'", dev] : ["'self'"]],
    ['img-src', ["'self'"]],
    ['font-src', ["'self'"]],
    ['connect-src', dev && ws ? ["'self'", dev, ws] : ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ['worker-src', ["'none'"]],
    ['manifest-src', ["'none'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

/** Headers sent with every app:// response (and by the e2e server, so the test sees the same policy). */
export function securityHeaders(options: CspOptions = {}): Record<string, string> {
  return {
    'Content-Security-Policy': buildCsp(options),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
