/**
 * Access tokens for one credential profile (docs/PROTOCOL.md §10): cached in a TokenStore, refreshed ahead of expiry,
 * single-flight (100 concurrent cold calls → 1 refresh), invalidated on a v2 INVALID_TOKEN. Secrets never reach
 * an error message or an observer.
 */
import { createHash } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import { UpstreamError, type FailureReason } from '../errors.js';
import { endpointsFor, type Endpoints } from './dc.js';
import { createAxios, destroyAgents, keepAliveAgents, sendOnce, type HttpAgents } from './http.js';
import { notify, type ClientObserver } from './observer.js';
import { tokenKey, type RefreshFailure, type StoredToken, type TokenStore } from './tokens.js';
import { PROFILE_DEFAULTS, type ZohoProfile } from './types.js';

export interface TokenManagerOptions {
  /** Refresh this long before expiry (capped at half the token's lifetime). Default 5 min. */
  refreshAheadMs?: number;
  now?: () => number;
  /** Axios instance for the token endpoint (default: a private one). */
  http?: AxiosInstance;
  /** Keep-alive agents (default: private ones, destroyed by close()). */
  agents?: HttpAgents;
  observer?: ClientObserver;
  /** Waits between throttled/failed refresh attempts. Default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts after the first for "Access Denied" throttling and connection failures. Default 3. */
  maxRefreshRetries?: number;
  /** First backoff of a throttled refresh, doubled per attempt. Default 2000 ms. */
  throttleBackoffMs?: number;
  /** First backoff after a connection failure or 5xx of the token server, doubled per attempt. Default 300 ms. */
  networkBackoffMs?: number;
  /** Timeout of one token request (ms); a hanging accounts server must not hold calls for long. @default min(requestTimeoutMs, 5000) */
  refreshTimeoutMs?: number;
  /** After a refused or failed refresh, no new refresh for this long, doubled per failure (ms). @default 5000 */
  failureBackoffMs?: number;
  /** Longest pause between refreshes after failures (ms). @default 300000 */
  maxFailureBackoffMs?: number;
}

/** Why the last refresh failed and until when no new one is tried (the circuit breaker of token refresh). */
export interface TokenHealth {
  ok: boolean;
  /** Secret-free reason of the last failure. */
  reason?: string;
  /** Epoch ms until which calls fail at once instead of refreshing. */
  retryAt?: number;
}

const DEFAULT_LIFETIME_S = 3600;
/** A token this close to expiry is not worth sending. */
const STILL_USABLE_MARGIN_MS = 30_000;
/** After a failed refresh ahead of expiry, wait this long before the next attempt (the current token still works). */
const REFRESH_RETRY_MS = 30_000;

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lifetime of a token answer in ms: `expires_in_sec` seconds when present (then `expires_in` is ms), else `expires_in` seconds. */
export function tokenLifetimeMs(body: Record<string, unknown>): number {
  const num = (v: unknown): number | undefined => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  if ('expires_in_sec' in body) {
    const s = num(body.expires_in_sec);
    if (s !== undefined) return s * 1000;
    const ms = num(body.expires_in);
    return ms ?? DEFAULT_LIFETIME_S * 1000;
  }
  return (num(body.expires_in) ?? DEFAULT_LIFETIME_S) * 1000;
}

export class TokenManager {
  readonly key: string;
  private readonly endpoints: Endpoints;
  private readonly refreshAheadMs: number;
  private readonly now: () => number;
  private readonly http: AxiosInstance;
  private readonly agents: HttpAgents;
  private readonly ownAgents: boolean;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxRefreshRetries: number;
  private readonly throttleBackoffMs: number;
  private readonly networkBackoffMs: number;
  /** In-process copy of the stored token and when to refresh it. */
  private cached: { token: StoredToken; refreshAt: number } | undefined;
  private inflight: Promise<StoredToken> | undefined;
  /** Tokens v2 refused, so a store that failed to forget one (read-only file …) cannot hand it out again. */
  private readonly refused = new Set<string>();
  /** Circuit breaker: the last refresh failure, and until when calls fail at once with it. */
  private breaker: { error: UpstreamError; until: number; backoffMs: number } | undefined;
  private readonly unlisten: (() => void) | undefined;

  constructor(
    private readonly profile: ZohoProfile,
    private readonly store: TokenStore,
    private readonly options: TokenManagerOptions = {},
  ) {
    this.endpoints = endpointsFor(profile.dc, { accountsUrl: profile.accountsUrl, apiDomain: profile.apiDomain });
    this.key = tokenKey(this.endpoints.accountsUrl, profile.clientId, profile.refreshToken);
    this.refreshAheadMs = options.refreshAheadMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    this.http = options.http ?? createAxios();
    this.ownAgents = !options.agents;
    this.agents = options.agents ?? keepAliveAgents({ maxSockets: 2, idleMs: profile.keepAliveIdleMs });
    this.sleep = options.sleep ?? defaultSleep;
    this.maxRefreshRetries = options.maxRefreshRetries ?? 3;
    this.throttleBackoffMs = options.throttleBackoffMs ?? 2000;
    this.networkBackoffMs = options.networkBackoffMs ?? 300;
    // Another replica found a token refused: drop our copy now instead of learning it from our own 401.
    this.unlisten = store.onRefused?.((key, hash) => {
      if (key !== this.key || !this.cached || hashToken(this.cached.token.accessToken) !== hash) return;
      this.remember(this.cached.token.accessToken);
      this.cached = undefined;
    });
  }

  /** A usable token: the cached one, one another process stored, or a fresh one (one refresh at a time). */
  async getToken(): Promise<StoredToken> {
    const now = this.now();
    if (this.cached && now < this.cached.refreshAt) return this.cached.token;
    // Open breaker: a refused or failing refresh is not repeated in front of every call (192 refreshes in 20 s
    // at 4 clients before), and a hanging accounts server does not hold every call for a timeout.
    if (this.breaker && now < this.breaker.until && !this.inflight) {
      const current = this.cached?.token;
      if (current && now < current.expiresAt - STILL_USABLE_MARGIN_MS) return current;
      throw this.breaker.error;
    }
    return (this.inflight ??= this.obtain().finally(() => {
      this.inflight = undefined;
    }));
  }

  /** Forget `accessToken` (v2 said INVALID_TOKEN); the next getToken() refreshes. A newer token is kept. */
  async invalidate(accessToken: string): Promise<void> {
    if (this.cached?.token.accessToken === accessToken) this.cached = undefined;
    this.remember(accessToken);
    // Like get/set in obtain(): a broken store must not turn a recoverable 401 into a failed call (a shared store
    // fails the refresh that follows instead).
    await this.store.delete(this.key, accessToken).catch(() => undefined);
  }

  private remember(accessToken: string): void {
    if (this.refused.size >= 32) this.refused.delete(this.refused.values().next().value as string);
    this.refused.add(accessToken);
  }

  /** The refresh circuit breaker's state (for /readyz). */
  health(): TokenHealth {
    const b = this.breaker;
    if (!b) return { ok: true };
    return { ok: false, reason: b.error.message, retryAt: b.until };
  }

  /** Release keep-alive sockets this manager created. */
  close(): void {
    this.unlisten?.();
    if (this.ownAgents) {
      destroyAgents(this.agents);
    }
  }

  private async obtain(): Promise<StoredToken> {
    // Another process (or a previous run, with a file store) may hold a fresh token already.
    const stored = await this.usableStored();
    if (stored) return stored;
    const exclusive = this.store.exclusive?.bind(this.store);
    if (!exclusive) return this.refreshAndStore();
    // Across replicas: whoever gets the lock first refreshes; the others find its token after the lock — or its
    // failure, and keep its backoff instead of asking the token server again.
    return exclusive(this.key, async () => (await this.usableStored()) ?? (this.sharedBreaker(await this.sharedFailure()) ?? this.refreshAndStore()));
  }

  /** Another replica's refresh failure still in its backoff, if the store shares them. */
  private async sharedFailure(): Promise<RefreshFailure | undefined> {
    const failure = await this.store.refreshFailure?.(this.key).catch(() => undefined);
    return failure && failure.until > this.now() ? failure : undefined;
  }

  /** Adopt a shared failure as this replica's open breaker and fail with it (undefined: refresh). */
  private sharedBreaker(failure: RefreshFailure | undefined): Promise<StoredToken> | undefined {
    if (!failure) return undefined;
    const error = new UpstreamError(failure.message, {
      reason: failure.reason as FailureReason,
      status: failure.status,
      v2Code: failure.v2Code,
      retryable: failure.reason !== 'oauth-refused',
    });
    this.breaker = { error, until: failure.until, backoffMs: failure.backoffMs };
    const current = this.cached?.token;
    if (current && this.now() < current.expiresAt - STILL_USABLE_MARGIN_MS) return Promise.resolve(current);
    return Promise.reject(error);
  }

  /** The stored token when it is not refused and not due for refresh. A shared store's failure propagates. */
  private async usableStored(): Promise<StoredToken | undefined> {
    const stored = await this.store.get(this.key).catch((error: unknown) => {
      if (this.store.shared) throw error;
      return undefined;
    });
    if (stored && !this.refused.has(stored.accessToken) && this.now() < stored.expiresAt - this.refreshAheadMs) {
      this.cached = { token: stored, refreshAt: stored.expiresAt - this.refreshAheadMs };
      return stored;
    }
    return undefined;
  }

  private async refreshAndStore(): Promise<StoredToken> {
    let token: StoredToken;
    try {
      token = await this.refresh();
      this.breaker = undefined;
      notify(this.options.observer?.onTokenRefresh, { profile: this.profile.id, ok: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'token refresh failed';
      notify(this.options.observer?.onTokenRefresh, { profile: this.profile.id, ok: false, reason });
      if (error instanceof UpstreamError) {
        const base = this.options.failureBackoffMs ?? 5000;
        const backoffMs = this.breaker ? Math.min(this.options.maxFailureBackoffMs ?? 300_000, this.breaker.backoffMs * 2) : base;
        this.breaker = { error, until: this.now() + backoffMs, backoffMs };
        // Every replica keeps this backoff (one refresh per backoff across them, not one per replica).
        await this.store
          .noteRefreshFailure?.(this.key, { message: error.message, reason: error.reason, status: error.status, v2Code: error.v2Code, until: this.breaker.until, backoffMs })
          .catch(() => undefined);
      }
      // Refreshing ahead failed, but the current token still works for a while: keep using it.
      // Keep using it at once and try again a little later, not in front of every call.
      const current = this.cached?.token;
      const usableUntil = current ? current.expiresAt - STILL_USABLE_MARGIN_MS : 0;
      if (current && this.now() < usableUntil) {
        this.cached = { token: current, refreshAt: Math.min(usableUntil, this.now() + REFRESH_RETRY_MS) };
        return current;
      }
      throw error;
    }
    // The token is good either way; a store that did not keep it costs another process one refresh.
    await this.store.set(this.key, token).catch(() => undefined);
    return token;
  }

  /** POST {accounts}/oauth/v2/token grant_type=refresh_token, with bounded retries for throttling. */
  private async refresh(): Promise<StoredToken> {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: this.profile.clientId,
      client_secret: this.profile.clientSecret,
      refresh_token: this.profile.refreshToken,
    }).toString();
    const url = `${this.endpoints.accountsUrl}/oauth/v2/token`;
    const label = `profile ${this.profile.id}: token refresh`;
    for (let attempt = 1; ; attempt++) {
      const requestedAt = this.now();
      const post = (freshConnection: boolean) =>
        sendOnce(
          this.http,
          {
            method: 'POST',
            url,
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
            body: form,
            timeoutMs: this.options.refreshTimeoutMs ?? Math.min(this.profile.requestTimeoutMs ?? PROFILE_DEFAULTS.requestTimeoutMs, 5000),
            freshConnection,
          },
          this.agents,
        );
      let answer = await post(false);
      if (answer.kind === 'error' && answer.staleSocket) {
        // The accounts server closed the idle keep-alive connection as it was reused: resend at once on a new
        // one (a refresh is harmless to repeat; see below), outside the retry budget and without a backoff.
        notify(this.options.observer?.onRetry, { profile: this.profile.id, reason: 'stale-connection', attempt });
        answer = await post(true);
      }
      const canRetry = attempt <= this.maxRefreshRetries;
      // Throttling wants a long pause; a refused connection or a 5xx only a short one.
      const backoff = (baseMs = this.networkBackoffMs) => this.sleep(Math.min(60_000, baseMs * 2 ** (attempt - 1)));
      if (answer.kind === 'error') {
        // Refreshing is harmless to repeat (a lost answer only costs one of the 30 token slots) — but not after a
        // timeout: a hanging accounts server would hold every waiting call for another timeout.
        if (canRetry && !answer.timedOut) {
          notify(this.options.observer?.onRetry, { profile: this.profile.id, reason: 'network', attempt });
          await backoff();
          continue;
        }
        throw new UpstreamError(`${label} failed: ${answer.message}`, { retryable: true });
      }
      const body = parseJsonObject(answer.text);
      const error = typeof body?.error === 'string' ? body.error : undefined;
      if (isThrottled(answer.status, error)) {
        if (canRetry) {
          notify(this.options.observer?.onRetry, { profile: this.profile.id, reason: 'oauth-throttle', attempt });
          await backoff(this.throttleBackoffMs);
          continue;
        }
        throw new UpstreamError(`${label} throttled by the accounts server ("Access Denied")`, {
          reason: 'rate-limited',
          retryable: true,
          status: answer.status,
          v2Code: 'Access Denied',
        });
      }
      if (answer.status >= 500) {
        if (canRetry) {
          notify(this.options.observer?.onRetry, { profile: this.profile.id, reason: '5xx', attempt });
          await backoff();
          continue;
        }
        throw new UpstreamError(`${label} failed: HTTP ${answer.status}`, { retryable: true, status: answer.status });
      }
      const accessToken = body?.access_token;
      if (typeof accessToken !== 'string' || accessToken === '') {
        // Zoho answers refusals with HTTP 200 {"error":"invalid_code"}; any answer without a token is a refusal.
        const reason = error ?? (body ? 'no access_token in the answer' : `HTTP ${answer.status}, not a JSON object`);
        // The bridge's own credentials were refused: an upstream problem, not the old client's authtoken (4500).
        throw new UpstreamError(`${label} refused: ${safeReason(reason)}`, {
          reason: 'oauth-refused',
          status: answer.status,
          v2Code: error,
        });
      }
      const lifetime = tokenLifetimeMs(body!);
      const apiDomain =
        this.profile.apiDomain !== undefined
          ? this.endpoints.apiDomain
          : typeof body!.api_domain === 'string' && /^https?:\/\//.test(body!.api_domain)
            ? body!.api_domain.replace(/\/+$/, '')
            : this.endpoints.apiDomain;
      const token: StoredToken = { accessToken, apiDomain, expiresAt: requestedAt + lifetime };
      // Refresh ahead, but never so early that a short-lived token is refreshed on every call.
      this.cached = { token, refreshAt: token.expiresAt - Math.min(this.refreshAheadMs, lifetime / 2) };
      return token;
    }
  }
}

/** Same digest as the shared store announces (sha256 hex, first 32 chars). */
function hashToken(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('hex').slice(0, 32);
}

function isThrottled(status: number, error: string | undefined): boolean {
  return status === 429 || (status === 400 && error !== undefined && /access denied/i.test(error));
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Error codes from the token server are short identifiers; anything else is cut down so nothing leaks. */
function safeReason(reason: string): string {
  return /^[\w .,:-]{1,80}$/.test(reason) ? reason : 'unexpected answer';
}
