/** Types of the v2 upstream client. */

export type DataCentre = 'us' | 'eu' | 'in' | 'au' | 'cn' | 'jp' | 'ca' | 'sa';

/** One credential profile: an OAuth client + refresh token of one Zoho user, in one data centre. */
export interface ZohoProfile {
  /** Profile name (journal/metrics label), not a secret. */
  id: string;
  /** Secrets: never logged. */
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  dc?: DataCentre;
  /** Explicit URLs win over `dc` (sandbox / developer orgs, the embedded emulator). */
  accountsUrl?: string;
  apiDomain?: string;
  /** IANA zone of the API user. */
  timeZone?: string;
  /** Concurrent v2 calls (Zoho's limit is per user and app). Default 10. */
  concurrency?: number;
  /** Calls waiting for a slot; beyond → 4820. Default 1000. */
  maxQueue?: number;
  /** Per attempt. Default 30000. */
  requestTimeoutMs?: number;
  /** Retries of 429, connection failures before sending, 5xx/timeouts on update and upsert. Default 4. */
  maxRetries?: number;
  /** Local rolling-24h credit budget; once spent → 4820 without calling. Default unlimited. */
  creditsPerDay?: number;
}

/** Metrics/journal hooks; the client itself knows nothing of prom-client. */
export interface ClientObserver {
  onUpstreamCall?(e: { profile: string; method: string; path: string; status?: number; durationMs: number; attempt: number; error?: string }): void;
  onRetry?(e: { profile: string; reason: '429' | 'network' | '5xx' | 'invalid-token' | 'oauth-throttle'; attempt: number }): void;
  onTokenRefresh?(e: { profile: string; ok: boolean }): void;
  onCredits?(e: { profile: string; credits: number }): void;
}

/** One v2 request as the journal records it (all attempts of it). */
export interface V2CallRecord {
  method: string;
  path: string;
  status?: number;
  durationMs: number;
  attempts: number;
  error?: string;
}
