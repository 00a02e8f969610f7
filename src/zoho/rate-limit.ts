/**
 * The two kinds of v2 HTTP 429 (PROTOCOL.md §11) and what each means for the caller:
 *
 * - `concurrency`: too many calls in flight for this user and app. It clears in about a second, so the call is
 *   retried with backoff (honouring `Retry-After` / `X-RATELIMIT-RESET`).
 * - `credits`: the org's rolling-24 h API credit budget is spent. It lasts until old calls leave the window
 *   (hours), so retrying only burns time: the call fails at once and the profile stops sending until the reset.
 *
 * Zoho answers both with code TOO_MANY_REQUESTS; they are told apart by the credit headers
 * (`X-RATELIMIT-DAY-REMAINING: 0`, `X-API-CREDITS-REMAINING: 0`) and, when those are missing, by the message
 * naming credits. Anything else is taken as a concurrency 429 (the retry is the cheaper mistake).
 */

export type RateLimitKind = 'concurrency' | 'credits';

/** Headers are lower-cased (as axios and Node deliver them). */
export function rateLimitKind(headers: Record<string, string>, body: unknown): RateLimitKind {
  for (const name of ['x-ratelimit-day-remaining', 'x-api-credits-remaining']) {
    const v = headers[name]?.trim();
    if (v !== undefined && /^\d+$/.test(v) && Number(v) === 0) return 'credits';
  }
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
  if (typeof message === 'string' && /\bcredit/i.test(message)) return 'credits';
  return 'concurrency';
}

/** Pause used when a credits-exhausted 429 names no reset time: 1 hour. */
export const DEFAULT_CREDITS_PAUSE_MS = 60 * 60 * 1000;
