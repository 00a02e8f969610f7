/**
 * The v2 HTTP client of one profile: axios over keep-alive agents, OAuth header, per-profile concurrency and
 * credit limits, and the retry rules of PROTOCOL.md §11:
 *  - 429 processed nothing: retried with backoff (Retry-After / X-RATELIMIT-RESET honoured), then 4820;
 *  - connection failures before the request left (refused, DNS, a reset keep-alive socket): retried;
 *  - 401 INVALID_TOKEN: token dropped, refreshed once, retried once, then 4834;
 *  - a 5xx or timeout on an INSERT may have created records: never retried, answered 4500 and marked in doubt;
 *    update and upsert (idempotent enough) are retried within the budget, then marked in doubt too.
 * Errors never carry request headers or bodies: tokens and secrets stay out of messages.
 */
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { UpstreamError, ZbridgeError } from '../errors.js';
import { legacyErrors, type LegacyError } from '../legacy/errors.js';
import { stringifyV2 } from '../mapping/json.js';
import type { V2Operation, V2Outcome, V2Request } from '../mapping/types.js';
import { ConcurrencyLimiter, CreditMeter, creditCost, type Limiter } from './limiter.js';
import { TokenManager, backoff } from './oauth.js';
import { MemoryTokenStore, type TokenStore } from './tokens.js';
import type { ClientObserver, V2CallRecord, ZohoProfile } from './types.js';

export type { ClientObserver, V2CallRecord } from './types.js';

export interface ZohoClientOptions {
  tokenStore?: TokenStore;
  observer?: ClientObserver;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Replace the limiter (shared across replicas later). */
  limiter?: Limiter;
  /** Longest wait honoured from Retry-After / X-RATELIMIT-RESET. Default 30 s. */
  maxRateLimitWaitMs?: number;
}

/** Network error codes that prove the request never reached the server. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const TIMEOUT = new Set(['ECONNABORTED', 'ETIMEDOUT']);

type Attempt =
  | { kind: 'response'; res: AxiosResponse; durationMs: number }
  | { kind: 'network'; code: string; notSent: boolean; timeout: boolean; durationMs: number };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ZohoClient {
  readonly tokens: TokenManager;
  readonly credits: CreditMeter;
  private readonly http: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly limiter: Limiter;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly maxRetries: number;

  constructor(
    readonly profile: ZohoProfile,
    private readonly options: ZohoClientOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.maxRetries = profile.maxRetries ?? 4;
    // Idle sockets are dropped before a typical server's 5 s keep-alive timeout, so a reused socket is rarely stale.
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: profile.concurrency ?? 10, timeout: 4000 });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: profile.concurrency ?? 10, timeout: 4000 });
    this.http = axios.create({
      timeout: profile.requestTimeoutMs ?? 30_000,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      validateStatus: () => true,
      maxRedirects: 0,
      transitional: { clarifyTimeoutError: true },
      // Bodies are already serialised (stringifyV2 keeps exact decimal literals).
      transformRequest: [(data: unknown) => data],
    });
    this.limiter = options.limiter ?? new ConcurrencyLimiter(profile.concurrency ?? 10, profile.maxQueue ?? 1000);
    this.credits = new CreditMeter(profile.creditsPerDay, this.now);
    this.tokens = new TokenManager(profile, options.tokenStore ?? new MemoryTokenStore(), {
      now: this.now,
      sleep: this.sleep,
      observer: options.observer,
      http: axios.create({ timeout: profile.requestTimeoutMs ?? 30_000, httpAgent: this.httpAgent, httpsAgent: this.httpsAgent }),
    });
  }

  /** Execute one planned write. Never throws: failures come back as a V2Outcome of kind "failure". */
  async execute(req: V2Request, operation: V2Operation): Promise<{ outcome: V2Outcome; calls: V2CallRecord[] }> {
    const calls: V2CallRecord[] = [];
    try {
      const cost = creditCost(true, req.body.data.length);
      this.credits.take(cost);
      const res = await this.send(req.method, req.path, stringifyV2(req.body), undefined, operation !== 'insert', calls);
      this.options.observer?.onCredits?.({ profile: this.profile.id, credits: cost });
      return { outcome: { kind: 'response', status: res.status, body: res.data === '' ? undefined : res.data }, calls };
    } catch (error) {
      const legacy: LegacyError = error instanceof ZbridgeError ? error.legacy : legacyErrors.internal();
      const inDoubt = error instanceof UpstreamError && error.inDoubt;
      return { outcome: { kind: 'failure', error: legacy, inDoubt, message: (error as Error).message }, calls };
    }
  }

  /** GET a v2 path. 204 → body undefined. Throws UpstreamError after retries. */
  async get(path: string, query?: Record<string, string>): Promise<{ status: number; body: unknown; calls: V2CallRecord[] }> {
    const calls: V2CallRecord[] = [];
    this.credits.take(creditCost(false, 0));
    const res = await this.send('GET', path, undefined, query, true, calls);
    this.options.observer?.onCredits?.({ profile: this.profile.id, credits: 1 });
    return { status: res.status, body: res.status === 204 || res.data === '' ? undefined : res.data, calls };
  }

  /** Destroy keep-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async send(
    method: string,
    path: string,
    body: string | undefined,
    query: Record<string, string> | undefined,
    idempotent: boolean,
    calls: V2CallRecord[],
  ): Promise<AxiosResponse> {
    const record: V2CallRecord = { method, path, durationMs: 0, attempts: 0 };
    calls.push(record);
    let refreshedAfter401 = false;
    for (let attempt = 1; ; attempt += 1) {
      const token = await this.tokens.getToken();
      const result = await this.limiter.run(() => this.attempt(method, `${token.apiDomain}${path}`, body, query, token.accessToken));
      record.attempts = attempt;
      record.durationMs = Math.round((record.durationMs + result.durationMs) * 1000) / 1000;
      const retriesLeft = attempt <= this.maxRetries;

      if (result.kind === 'network') {
        record.error = result.code;
        record.status = undefined;
        this.options.observer?.onUpstreamCall?.({ profile: this.profile.id, method, path, durationMs: result.durationMs, attempt, error: result.code });
        if ((result.notSent || idempotent) && retriesLeft) {
          this.options.observer?.onRetry?.({ profile: this.profile.id, reason: 'network', attempt });
          await this.sleep(backoff(attempt));
          continue;
        }
        throw new UpstreamError(`v2 ${method} ${path}: ${result.timeout ? 'timeout' : result.code}`, {
          legacy: legacyErrors.internal(),
          inDoubt: !result.notSent && method !== 'GET',
          retryable: result.notSent,
        });
      }

      const res = result.res;
      record.status = res.status;
      delete record.error;
      this.options.observer?.onUpstreamCall?.({ profile: this.profile.id, method, path, status: res.status, durationMs: result.durationMs, attempt });
      const code = v2Code(res.data);

      if (res.status === 401 && code === 'INVALID_TOKEN' && !refreshedAfter401) {
        refreshedAfter401 = true;
        await this.tokens.invalidate(token.accessToken);
        this.options.observer?.onRetry?.({ profile: this.profile.id, reason: 'invalid-token', attempt });
        continue;
      }
      if (res.status === 429) {
        if (retriesLeft) {
          this.options.observer?.onRetry?.({ profile: this.profile.id, reason: '429', attempt });
          await this.sleep(this.rateLimitWait(res, attempt));
          continue;
        }
        throw new UpstreamError(`v2 ${method} ${path}: 429 after ${attempt} attempts`, { status: 429, v2Code: code, legacy: legacyErrors.rateLimit() });
      }
      if (res.status >= 500) {
        if (idempotent && retriesLeft) {
          this.options.observer?.onRetry?.({ profile: this.profile.id, reason: '5xx', attempt });
          await this.sleep(backoff(attempt));
          continue;
        }
        throw new UpstreamError(`v2 ${method} ${path}: HTTP ${res.status}${code ? ` ${code}` : ''}`, {
          status: res.status,
          v2Code: code,
          legacy: legacyErrors.internal(),
          inDoubt: method !== 'GET',
        });
      }
      if (res.status === 401) {
        throw new UpstreamError(`v2 ${method} ${path}: 401 ${code ?? ''}`.trim(), { status: 401, v2Code: code, legacy: legacyErrors.invalidTicket() });
      }
      return res;
    }
  }

  private async attempt(method: string, url: string, body: string | undefined, query: Record<string, string> | undefined, accessToken: string): Promise<Attempt> {
    const started = performance.now();
    try {
      const res = await this.http.request({
        method,
        url,
        params: query,
        data: body,
        headers: {
          Authorization: `Zoho-oauthtoken ${accessToken}`,
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
      });
      return { kind: 'response', res, durationMs: performance.now() - started };
    } catch (error) {
      const e = error as { code?: string; request?: { reusedSocket?: boolean }; response?: unknown };
      const code = e.code ?? 'ERR_NETWORK';
      const timeout = TIMEOUT.has(code);
      // A reset on a reused keep-alive socket means the server had closed it idle: the request never arrived
      // (Node's documented retry pattern). A reset on a fresh connection may follow processing: in doubt.
      const staleSocket = (code === 'ECONNRESET' || code === 'EPIPE') && e.request?.reusedSocket === true;
      return { kind: 'network', code, notSent: NOT_SENT.has(code) || staleSocket, timeout, durationMs: performance.now() - started };
    }
  }

  private rateLimitWait(res: AxiosResponse, attempt: number): number {
    const cap = this.options.maxRateLimitWaitMs ?? 30_000;
    const retryAfter = Number(res.headers['retry-after']);
    if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.min(cap, retryAfter * 1000);
    const reset = Number(res.headers['x-ratelimit-reset']);
    if (Number.isFinite(reset) && reset > this.now()) return Math.min(cap, reset - this.now());
    return backoff(attempt);
  }
}

function v2Code(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'code' in body && typeof (body as { code: unknown }).code === 'string') {
    return (body as { code: string }).code;
  }
  return undefined;
}
