/** Redaction: what may be written to logs, journals and reports. Secrets never leave this process. */
import { createHash, hash } from 'node:crypto';

/** Parameter names (lower-cased) that carry secrets and are removed entirely. */
const SECRET_PARAMS = new Set(['authtoken', 'ticket', 'apikey', 'api_key', 'password', 'client_secret', 'refresh_token', 'access_token', 'code']);

/**
 * SHA-256 of `text` (UTF-8) as 64 lower-case hex characters: the one digest of tokens (fingerprints here, the
 * accepted-token index in server/auth.ts). One-shot `crypto.hash` where Node has it (≥ 20.12: ~8× cheaper than
 * createHash for a token, and every call hashes its token twice).
 */
export function sha256Hex(text: string): string {
  return typeof hash === 'function' ? hash('sha256', text, 'hex') : createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `fp:` + first 12 hex characters of SHA-256: stable per token, useless to an attacker for a random token. */
export function tokenFingerprint(token: string | undefined): string | undefined {
  if (!token) return undefined;
  return `fp:${sha256Hex(token).slice(0, 12)}`;
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

/** `authtoken=…` (any case, also URL-encoded `=`), up to the next separator. */
const AUTHTOKEN_PAIR = /(authtoken|ticket|apikey|api_key|access_token|refresh_token|client_secret)(=|%3D)[^&/;?#\s"']*/gi;
/** A run of 24+ hex characters with a letter among them, or 32+ digits: what random tokens look like (record ids are 19 digits). */
const LONG_HEX = /[0-9a-f]{24,}/gi;
const LONG_DIGITS = /\d{32,}/g;
/** Runs a path is tokenised into when checking against accepted tokens. */
const TOKEN_LIKE = /[A-Za-z0-9._~-]{8,}/g;

/**
 * A path or module name (or any text derived from a request path) safe to write to journals, logs, metrics,
 * reports and summaries: `authtoken=…` pairs (and other secret parameter pairs), long hex runs, and any run of
 * token characters that `isAcceptedToken` recognises (a legacy authtoken of this proxy) become `***`. Capped at
 * `maxLength` characters (default 512).
 */
export function scrubPath(text: string, isAcceptedToken?: (candidate: string) => boolean, maxLength = 512): string {
  let out = text.length > maxLength * 2 ? text.slice(0, maxLength * 2) : text;
  out = out.replace(AUTHTOKEN_PAIR, '$1$2***');
  out = out.replace(LONG_HEX, (run) => (/[a-f]/i.test(run) || run.length >= 32 ? '***' : run)).replace(LONG_DIGITS, '***');
  if (isAcceptedToken) {
    let checked = 0;
    out = out.replace(TOKEN_LIKE, (run) => (checked++ < 64 && isAcceptedToken(run) ? '***' : run));
  }
  return out.length > maxLength ? `${out.slice(0, maxLength)}…` : out;
}

/**
 * Free text written to logs, journals, convert outputs and reports (error texts, notes): `scrubText`'s secret
 * rules, then `scrubPath`'s (secret pairs, long hex or digit runs, accepted tokens). One fence for every text
 * that may quote a path segment, module or method name (`unknown module …`, `v1 method … is not translated`),
 * so a foreign or outdated authtoken a client put in its URL is `***` there as in `path`/`module`.
 * `secrets`: exact strings to remove (the call's own authtoken); `maxLength`: cap in characters (@default 2048).
 */
export function scrubMessage(
  text: string,
  options: { secrets?: readonly string[]; isAcceptedToken?: (candidate: string) => boolean; maxLength?: number } = {},
): string {
  const maxLength = options.maxLength ?? 2048;
  // Capped before any pattern runs: a parser's message may quote a whole hostile input.
  const capped = text.length > maxLength * 2 ? text.slice(0, maxLength * 2) : text;
  return scrubPath(scrubText(capped, options.secrets ?? []), options.isAcceptedToken, maxLength);
}
