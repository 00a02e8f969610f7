/** Redaction: what may be written to logs, journals and reports. Secrets never leave this process. */
import { createHash } from 'node:crypto';

/** Parameter names (lower-cased) that carry secrets and are removed entirely. */
const SECRET_PARAMS = new Set(['authtoken', 'ticket', 'apikey', 'api_key', 'password', 'client_secret', 'refresh_token', 'access_token', 'code']);

/** `fp:` + first 12 hex characters of SHA-256: stable per token, useless to an attacker for a random token. */
export function tokenFingerprint(token: string | undefined): string | undefined {
  if (!token) return undefined;
  return `fp:${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 12)}`;
}

/** Parameters safe to journal: secrets dropped, xmlData dropped (journaled separately), names lower-cased. */
export function redactParams(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    const key = name.toLowerCase();
    if (SECRET_PARAMS.has(key) || key === 'xmldata') continue;
    if (/secret|token|passw/.test(key)) continue;
    out[key] = value;
  }
  return out;
}

/** Removes anything that looks like a bearer/oauth token or authtoken from free text (error messages). */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('***');
  return out
    .replace(/(Zoho-oauthtoken|Bearer)\s+[^\s"',]+/gi, '$1 ***')
    .replace(/\b1000\.[0-9a-f]{8,}\.[0-9a-f]{8,}\b/gi, '***')
    .replace(/(authtoken|refresh_token|client_secret|access_token)=([^&\s"']+)/gi, '$1=***');
}
