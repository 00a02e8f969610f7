/**
 * OAuth access tokens for one profile: cached in a TokenStore, refreshed ahead of expiry, single-flight (a
 * hundred concurrent calls on a cold start cause one refresh). Token endpoint errors arrive with HTTP 200
 * (`{"error":"invalid_code"}`); throttling as HTTP 400 "Access Denied" is retried with backoff.
 */
import axios, { type AxiosInstance } from 'axios';
import { UpstreamError } from '../errors.js';
import { legacyErrors } from '../legacy/errors.js';
import { endpointsFor } from './dc.js';
import type { StoredToken, TokenStore } from './tokens.js';
import type { ClientObserver, ZohoProfile } from './types.js';

export interface TokenManagerOptions {
  /** Refresh this long before expiry. Default 5 min. */
  refreshAheadMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  http?: AxiosInstance;
  observer?: ClientObserver;
  /** Attempts on OAuth throttling / network errors. Default 3. */
  maxAttempts?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TokenManager {
  private inflight: Promise<StoredToken> | undefined;
  private readonly refreshAheadMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly http: AxiosInstance;
  private readonly key: string;

  constructor(
    private readonly profile: ZohoProfile,
    private readonly store: TokenStore,
    private readonly options: TokenManagerOptions = {},
  ) {
    this.refreshAheadMs = options.refreshAheadMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.http = options.http ?? axios.create({ timeout: profile.requestTimeoutMs ?? 30_000 });
    // One cache entry per (profile, client, refresh token) without putting the secret in the key.
    this.key = `zbridge:token:${profile.id}`;
  }

  /** A valid access token (refreshing if missing or about to expire). */
  async getToken(): Promise<StoredToken> {
    const cached = await this.store.get(this.key);
    if (cached && cached.expiresAt - this.refreshAheadMs > this.now()) return cached;
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Drop a token v2 rejected (only if it is still the cached one). */
  async invalidate(accessToken: string): Promise<void> {
    await this.store.delete(this.key, accessToken);
  }

  private async refresh(): Promise<StoredToken> {
    const { accountsUrl, apiDomain } = endpointsFor(this.profile.dc, {
      accountsUrl: this.profile.accountsUrl,
      apiDomain: this.profile.apiDomain,
    });
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: this.profile.clientId,
      client_secret: this.profile.clientSecret,
      refresh_token: this.profile.refreshToken,
    });
    const maxAttempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt += 1) {
      let status: number | undefined;
      let body: Record<string, unknown> | undefined;
      try {
        const res = await this.http.post(`${accountsUrl}/oauth/v2/token`, form.toString(), {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          validateStatus: () => true,
        });
        status = res.status;
        body = typeof res.data === 'object' && res.data !== null ? (res.data as Record<string, unknown>) : undefined;
      } catch (error) {
        // Network failure: nothing was issued, so retrying is safe.
        if (attempt < maxAttempts) {
          this.options.observer?.onRetry?.({ profile: this.profile.id, reason: 'network', attempt });
          await this.sleep(backoff(attempt));
          continue;
        }
        this.options.observer?.onTokenRefresh?.({ profile: this.profile.id, ok: false });
        throw new UpstreamError(`token refresh failed: ${(error as NodeJS.ErrnoException).code ?? 'network error'}`, {
          legacy: legacyErrors.internal(),
          retryable: true,
        });
      }
      const throttled = status === 400 && body?.error === 'Access Denied';
      if ((throttled || (status !== undefined && status >= 500)) && attempt < maxAttempts) {
        this.options.observer?.onRetry?.({ profile: this.profile.id, reason: 'oauth-throttle', attempt });
        await this.sleep(backoff(attempt) * (throttled ? 4 : 1));
        continue;
      }
      const accessToken = body?.access_token;
      if (typeof accessToken !== 'string' || accessToken === '') {
        this.options.observer?.onTokenRefresh?.({ profile: this.profile.id, ok: false });
        const reason = typeof body?.error === 'string' ? body.error : `HTTP ${status} without access_token`;
        // invalid_code / invalid_client: the credentials are wrong or revoked → the v1 "Invalid Ticket Id".
        throw new UpstreamError(`token refresh refused: ${reason}`, {
          status,
          v2Code: typeof body?.error === 'string' ? body.error : undefined,
          legacy: throttled || (status !== undefined && status >= 500) ? legacyErrors.internal() : legacyErrors.invalidTicket(),
        });
      }
      // Two answer forms: `expires_in_sec` (s) with `expires_in` in ms, or `expires_in` in seconds.
      const seconds =
        typeof body?.expires_in_sec === 'number' ? body.expires_in_sec : typeof body?.expires_in === 'number' ? body.expires_in : 3600;
      const token: StoredToken = {
        accessToken,
        apiDomain: typeof body?.api_domain === 'string' && body.api_domain ? body.api_domain.replace(/\/+$/, '') : apiDomain,
        expiresAt: this.now() + seconds * 1000,
      };
      await this.store.set(this.key, token);
      this.options.observer?.onTokenRefresh?.({ profile: this.profile.id, ok: true });
      return token;
    }
  }
}

/** Exponential backoff with full jitter: attempt 1 → up to 200 ms, 2 → 400 ms … capped at 10 s. */
export function backoff(attempt: number, baseMs = 200, capMs = 10_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
