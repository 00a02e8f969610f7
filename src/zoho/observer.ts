/** Hooks for metrics and journals. The client reports through these and never imports prom-client itself. */

/** `stale-connection`: resent at once on a new connection after a reused keep-alive connection was closed under it. */
export type RetryReason = '429' | 'network' | '5xx' | 'invalid-token' | 'oauth-throttle' | 'stale-connection';

export interface ClientObserver {
  /** Every v2 attempt, answered or not. `error` is a short, secret-free description of a transport failure. */
  onUpstreamCall?(e: { profile: string; method: string; path: string; status?: number; durationMs: number; attempt: number; error?: string }): void;
  onRetry?(e: { profile: string; reason: RetryReason; attempt: number }): void;
  /** A token refresh finished; `reason` (secret-free) says why it failed. */
  onTokenRefresh?(e: { profile: string; ok: boolean; reason?: string }): void;
  /** Credits charged for one logical call (after it completed). */
  onCredits?(e: { profile: string; credits: number }): void;
  /** v2 said the credit budget is spent: the profile sends nothing until `until` (epoch ms). */
  onCreditsExhausted?(e: { profile: string; until: number }): void;
  /** A call refused locally because the profile is stopped after a credits-exhausted 429. */
  onCreditStopRefusal?(e: { profile: string }): void;
}

/**
 * One logical v2 call as kept in journals, updated by each of its attempts: `status`/`error` of the last
 * attempt, `durationMs` summed over attempts (backoff excluded). `path` has no query string (search values are
 * personal data). Individual attempts go to ClientObserver.onUpstreamCall.
 */
export interface V2CallRecord {
  method: string;
  path: string;
  status?: number;
  durationMs: number;
  /** Attempts made (1 = no retry). */
  attempts: number;
  error?: string;
}

/** Run an observer hook; a failing hook must never break a call. */
export function notify<E>(hook: ((e: E) => void) | undefined, event: E): void {
  if (!hook) return;
  try {
    hook(event);
  } catch {
    /* observers are best-effort */
  }
}
