/**
 * Provider-supplied text (error descriptions, HTML error pages, library messages) made safe to
 * log or show: it is attacker-influenced and sometimes echoes the request, token included.
 */
import { redactTokens } from '../secret-patterns.js';

const MAX_DESCRIPTION = 300;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Control characters (C0, DEL, C1) removed, bidi overrides and isolates dropped, token-like
 * material (the shared secret-pattern table) replaced by `[redacted]`, exact `secrets` removed,
 * length capped. GUIDs (Microsoft trace and correlation ids) are kept: they are what support asks for.
 */
export function sanitizeText(text: unknown, secrets: ReadonlyArray<string | undefined | null> = []): string {
  if (typeof text !== 'string' || text === '') return '';
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  let out = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ').replace(/[\u202a-\u202e\u2066-\u2069]/g, '');
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  out = redactTokens(out, { placeholder: '[redacted]', keep: (m) => GUID.test(m) }).text;
  out = out.replace(/\s+/g, ' ').trim();
  if (out.length > MAX_DESCRIPTION) out = `${out.slice(0, MAX_DESCRIPTION - 1)}…`;
  return out;
}
