/** A credential profile: one OAuth client + refresh token (one Zoho user and app) and its limits. */
import type { DataCentre } from './dc.js';

export type { DataCentre } from './dc.js';
export type { ClientObserver, V2CallRecord } from './observer.js';

export interface ZohoProfile {
  /** Profile name, used as a journal/metrics label. Not a secret. */
  id: string;
  /** Secret. */
  clientId: string;
  /** Secret. */
  clientSecret: string;
  /** Secret. */
  refreshToken: string;
  /** Data centre (default `us`). */
  dc?: DataCentre;
  /** Explicit token server base; wins over `dc`. */
  accountsUrl?: string;
  /**
   * Explicit API base; wins over `dc` AND over the `api_domain` of token answers (Zoho sandbox orgs need
   * `https://sandbox.zohoapis.com` although the token answer names `www`). Without it, `api_domain` wins over `dc`.
   */
  apiDomain?: string;
  /** IANA zone of the API user; else taken from users?type=CurrentUser. */
  timeZone?: string;
  /** Concurrent v2 calls (Zoho's limit is per user and app). Default 10. */
  concurrency?: number;
  /** Calls waiting for a slot; beyond → a `rate-limited` failure. Default 1000. */
  maxQueue?: number;
  /** Per-attempt timeout, ms. Default 30000. */
  requestTimeoutMs?: number;
  /** Retries of 429 / connection failures before sending / retryable 5xx on update+upsert. Default 4. */
  maxRetries?: number;
  /**
   * Longest idle time of a pooled keep-alive connection to v2 and the token server, ms; a server's
   * `Keep-Alive: timeout=N` shortens it to N s − 1 s, never lengthens it. Keep it below the upstream's idle
   * timeout: a connection the server closes just as it is reused fails the call (an insert in doubt).
   * @default 3000 (DEFAULT_KEEP_ALIVE_IDLE_MS in zoho/http.ts)
   */
  keepAliveIdleMs?: number;
  /** Optional local credit budget per rolling 24 h: once spent → `rate-limited` without calling. */
  creditsPerDay?: number;
  /**
   * After a credits-exhausted 429 without `Retry-After` / `X-RATELIMIT-RESET`: how long the profile stops
   * sending, ms. With a reset header the header wins. Default 3600000 (1 hour).
   */
  creditsPauseMs?: number;
  /**
   * Answers to an insert (whose body was sent) that are trusted to mean "not applied", so the insert is sent
   * again: `429` (rate limited), `401` (INVALID_TOKEN, sent again after a token refresh). Not listed → such an
   * insert is not resent: the call fails in doubt (4820 for 429, 4500 for 401), because a write applied before
   * the refusal would be duplicated (the sandbox's `applyAfterProcessing` fault shows the case).
   * Updates and upserts are always retried (repeating them converges). @default []
   */
  resendInsertsAfter?: ('429' | '401')[];
}

export const PROFILE_DEFAULTS = {
  concurrency: 10,
  maxQueue: 1000,
  requestTimeoutMs: 30_000,
  maxRetries: 4,
} as const;
