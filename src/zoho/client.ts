/**
 * The Zoho CRM v2 client of one credential profile: OAuth token, local concurrency and credit limits, retries
 * that are safe for what the call does (docs/PROTOCOL.md §9–§11), and a record of every attempt for the journal.
 *
 * Retry policy per attempt:
 *   401 INVALID_TOKEN            → invalidate, refresh, retry once; again → oauth-refused (v1 4500)
 *   429 concurrency              → backoff (Retry-After / X-RATELIMIT-RESET honoured, capped), then rate-limited (v1 4820)
 *   429 credits exhausted        → no retry: rate-limited at once, and the profile stops sending until the reset time
 *                                  (CreditMeter.stop; calls meanwhile fail rate-limited without reaching Zoho)
 *   401 / 429 on a non-repeatable write (insert …) whose body was sent → not resent unless the profile trusts
 *                                  it (resendInsertsAfter): inDoubt (v1 4500 / 4820)
 *   not sent (refused, DNS …)    → backoff and retry: nothing reached Zoho
 *   5xx / reset after sending / timeout
 *       insert                   → no retry: upstream-failed, inDoubt (records may exist)
 *       update, upsert, GET      → retry within the budget, then upstream-failed (inDoubt for writes)
 *   reset on a REUSED keep-alive connection before any answer byte (the server closed it while idle)
 *       GET                      → resent at once on a new connection, once per call, outside the budget
 *       update, upsert, or a write not written yet
 *                                → resent at once on a new connection, once per call, taking one retry of the
 *                                  budget (maxRetries 0: in doubt, as the profile asked for no resend)
 *       insert (body written)    → as any reset after sending: in doubt. The reset alone does not prove the
 *                                  server never read the request (a server or balancer can read, apply and
 *                                  drop the connection before answering: same bytes on our side), so a resend
 *                                  could create the records twice. The agents' idle expiry (zoho/http.ts)
 *                                  keeps this case for connections the server closed before its announced time.
 *
 * Failures carry a FailureReason (src/errors.ts); src/mapping/results.ts alone turns it into a v1 code.
 */
import type { Readable } from 'node:stream';
import type { AxiosInstance } from 'axios';
import { UpstreamError, ZbridgeError, type FailureReason } from '../errors.js';
import { v2CodeOf } from '../v2/answers.js';
import { bodyJson, stringifyV2 } from '../v2/json.js';
import type { V2Operation, V2Outcome, V2Request } from '../v2/types.js';
import { createAxios, destroyAgents, keepAliveAgents, sendOnce, type HttpAgents, type HttpAnswer, type HttpAttempt } from './http.js';
import { RollingCreditMeter, Semaphore, writeCredits, type ConcurrencyLimiter, type CreditMeter } from './limiter.js';
import { notify, type ClientObserver, type RetryReason, type V2CallRecord } from './observer.js';
import { DEFAULT_CREDITS_PAUSE_MS, rateLimitKind } from './rate-limit.js';
import { TokenManager } from './oauth.js';
import { MemoryTokenStore, type StoredToken, type TokenStore } from './tokens.js';
import { PROFILE_DEFAULTS, type ZohoProfile } from './types.js';

export type { ClientObserver, V2CallRecord } from './observer.js';
export { v2CodeOf } from '../v2/answers.js';

export interface ZohoClientOptions {
  /** Where access tokens are cached (shared across replicas later). Default: a private MemoryTokenStore. */
  tokenStore?: TokenStore;
  observer?: ClientObserver;
  /** Clock (epoch ms) for tokens, credits and Retry-After dates. Default Date.now. */
  now?: () => number;
  /** Waits between retries. Default setTimeout; tests pass one that resolves at once. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0,1). Default Math.random. */
  random?: () => number;
  /** First retry backoff, doubled per retry (jittered 50–100 %). Default 300 ms. */
  backoffBaseMs?: number;
  /** Longest wait between attempts, also for server hints. Default 30000 ms. */
  backoffMaxMs?: number;
  /** Token refresh ahead of expiry. Default 5 min. */
  refreshAheadMs?: number;
  /** Replace the in-memory semaphore (e.g. a Redis one). Default Semaphore(concurrency, maxQueue). */
  limiter?: ConcurrencyLimiter;
  /** Replace the in-memory credit meter (budget and credits-exhausted stop), e.g. a Redis one. Default RollingCreditMeter(creditsPerDay). */
  credits?: CreditMeter;
  /** Axios instance (default: a private one with `proxy: false`). */
  http?: AxiosInstance;
}

/** Internal result of one logical call (all its attempts). */
type CallResult =
  | { kind: 'response'; status: number; body: unknown; parsed: boolean; stream?: Readable; headers?: Record<string, string> }
  | { kind: 'failure'; error: UpstreamError };

interface CallPlan {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  /** JSON text, or a factory of a fresh multipart body for each attempt. */
  body?: string | MultipartFactory;
  /** Answer 2xx bodies as a stream (downloads). */
  streamResponse?: boolean;
  /** Extra request headers (`If-Modified-Since` on reads). */
  headers?: Record<string, string>;
  /** A write: a failure after sending may have applied it. */
  write: boolean;
  /** Safe to send again after it may have reached Zoho (GET, update, upsert). */
  repeatable: boolean;
  credits: number;
}

/** Builds the body of one attempt of an upload: a stream and its `multipart/form-data; boundary=…` type. */
export type MultipartFactory = () => { stream: Readable; contentType: string; length?: number };

/** A v2 call other than a planned record write: DELETE, related-list PUT, lead conversion, uploads, downloads. */
export interface V2Send {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under the API domain. */
  path: string;
  query?: Record<string, string>;
  /** A JSON body (serialised with exact decimals). */
  json?: unknown;
  /** A multipart body, rebuilt for each attempt. */
  multipart?: MultipartFactory;
  /** The call changes data: a failure after sending leaves it in doubt. */
  write: boolean;
  /** Safe to send again after it may have reached Zoho. */
  repeatable: boolean;
  /** Credits the call costs (PROTOCOL §11). @default 1 */
  credits?: number;
  /** Answer a 2xx body as a stream (downloads). @default false */
  streamResponse?: boolean;
}

/** What a V2Send produced: as V2Outcome, plus the answer stream and headers of a download. */
export type V2SendOutcome =
  | { kind: 'response'; status: number; body: unknown; stream?: Readable; headers?: Record<string, string> }
  | Extract<V2Outcome, { kind: 'failure' }>;

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class ZohoClient {
  readonly profile: ZohoProfile;
  readonly tokens: TokenManager;
  readonly limiter: ConcurrencyLimiter;
  readonly credits: CreditMeter;
  private readonly agents: HttpAgents;
  private readonly http: AxiosInstance;
  private readonly observer: ClientObserver;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  /** Refusals of a sent insert trusted as "not applied" (profile `resendInsertsAfter`). */
  private readonly trusted: ReadonlySet<string>;
  /** Epoch ms of the last attempt v2 answered as a working API (see `answeredWithin`), and of the last failure. */
  private lastAnsweredAt = Number.NEGATIVE_INFINITY;
  private lastFailedAt = Number.NEGATIVE_INFINITY;

  constructor(profile: ZohoProfile, options: ZohoClientOptions = {}) {
    this.profile = profile;
    this.observer = options.observer ?? {};
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.maxRetries = profile.maxRetries ?? PROFILE_DEFAULTS.maxRetries;
    this.timeoutMs = profile.requestTimeoutMs ?? PROFILE_DEFAULTS.requestTimeoutMs;
    this.backoffBaseMs = options.backoffBaseMs ?? 300;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.trusted = new Set(profile.resendInsertsAfter ?? []);
    this.agents = keepAliveAgents({ idleMs: profile.keepAliveIdleMs });
    this.http = options.http ?? createAxios();
    this.limiter =
      options.limiter ??
      new Semaphore(profile.concurrency ?? PROFILE_DEFAULTS.concurrency, profile.maxQueue ?? PROFILE_DEFAULTS.maxQueue, profile.id);
    this.credits = options.credits ?? new RollingCreditMeter(profile.creditsPerDay, this.now);
    this.tokens = new TokenManager(profile, options.tokenStore ?? new MemoryTokenStore(), {
      refreshAheadMs: options.refreshAheadMs,
      now: this.now,
      http: this.http,
      agents: this.agents,
      observer: this.observer,
      sleep: this.sleep,
    });
  }

  /** Execute one planned write. Never throws: an HTTP answer of any status, or a failure with its v1 error. */
  async execute(req: V2Request, operation: V2Operation): Promise<{ outcome: V2Outcome; calls: V2CallRecord[] }> {
    const calls: V2CallRecord[] = [];
    try {
      const result = await this.call(
        {
          method: req.method,
          path: req.path,
          body: bodyJson(req.body),
          write: true,
          repeatable: operation !== 'insert',
          credits: writeCredits(Array.isArray(req.body?.data) ? req.body.data.length : 1),
        },
        calls,
      );
      if (result.kind === 'response') return { outcome: { kind: 'response', status: result.status, body: result.body }, calls };
      const e = result.error;
      return { outcome: { kind: 'failure', reason: e.reason, inDoubt: e.inDoubt, message: e.message }, calls };
    } catch (error) {
      // A bug, not an upstream answer: still an outcome, never an exception (and never a raw axios error).
      const message = error instanceof ZbridgeError ? error.message : `client error: ${(error as Error)?.name ?? 'unknown'}`;
      const reason: FailureReason = error instanceof ZbridgeError ? error.reason : 'internal';
      return { outcome: { kind: 'failure', reason, inDoubt: calls.length > 0, message }, calls }; // sent at least once: in doubt
    }
  }

  /**
   * Send one v2 call that is not a planned record write (see V2Send). Never throws: an HTTP answer of any status
   * (with the stream of a 2xx download), or a failure with its reason and whether a write is in doubt.
   */
  async send(req: V2Send): Promise<{ outcome: V2SendOutcome; calls: V2CallRecord[] }> {
    const calls: V2CallRecord[] = [];
    try {
      const result = await this.call(
        {
          method: req.method,
          path: req.path,
          query: req.query,
          body: req.multipart ?? (req.json === undefined ? undefined : stringifyV2(req.json)),
          streamResponse: req.streamResponse,
          write: req.write,
          repeatable: req.repeatable,
          credits: req.credits ?? 1,
        },
        calls,
      );
      if (result.kind === 'response') {
        return { outcome: { kind: 'response', status: result.status, body: result.body, stream: result.stream, headers: result.headers }, calls };
      }
      const e = result.error;
      return { outcome: { kind: 'failure', reason: e.reason, inDoubt: e.inDoubt, message: e.message }, calls };
    } catch (error) {
      const message = error instanceof ZbridgeError ? error.message : `client error: ${(error as Error)?.name ?? 'unknown'}`;
      const reason: FailureReason = error instanceof ZbridgeError ? error.reason : 'internal';
      return { outcome: { kind: 'failure', reason, inDoubt: req.write && calls.length > 0, message }, calls };
    }
  }

  /**
   * GET a v2 path (`/crm/v2/settings/modules`, `/crm/v2/Leads/123`, `/crm/v2/Leads/search` …), with optional extra
   * headers (`If-Modified-Since`; a read is always safe to repeat). Answers
   * 2xx–4xx as `{status, body}` (204 → body undefined); throws UpstreamError for 401 (`oauth-refused`), 429 after
   * the retry budget and local limits (`rate-limited`), 5xx, network failures and an unparseable 2xx body
   * (`upstream-failed`).
   */
  async get(
    path: string,
    query?: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown; calls: V2CallRecord[] }> {
    const calls: V2CallRecord[] = [];
    const result = await this.call({ method: 'GET', path, query, headers, write: false, repeatable: true, credits: 1 }, calls);
    if (result.kind === 'failure') throw result.error;
    if (result.status === 401) {
      throw new UpstreamError(`GET ${path}: HTTP 401 ${v2CodeOf(result.body) ?? ''}`.trim(), {
        reason: 'oauth-refused',
        status: 401,
        v2Code: v2CodeOf(result.body),
      });
    }
    if (result.status >= 200 && result.status < 300 && !result.parsed && result.body !== undefined) {
      throw new UpstreamError(`GET ${path}: HTTP ${result.status} with a body that is not JSON`, { status: result.status });
    }
    return { status: result.status, body: result.body, calls };
  }

  /** Destroy keep-alive sockets. */
  close(): void {
    destroyAgents(this.agents);
    this.tokens.close();
  }

  /* ---------------------------------------------------------------- the attempt loop */

  private async call(plan: CallPlan, calls: V2CallRecord[]): Promise<CallResult> {
    const label = `${plan.method} ${plan.path}`;
    const refused = await this.refusedLocally(plan, label);
    if (refused) return refused;
    const run = newRun(plan, label);
    const result = await this.attempts(run, calls);
    // Zoho may have charged credits once an attempt reached it; otherwise the reservation goes back.
    if (run.processed) notify(this.observer.onCredits, { profile: this.profile.id, credits: plan.credits });
    else await this.credits.refund(plan.credits).catch(() => undefined); // a lost refund only over-counts
    return result;
  }

  /**
   * A call that must not be sent at all: a bad path, a profile stopped after a credits 429, a spent local budget,
   * or a shared credit meter that cannot be reached (its own message, v1 4500). Otherwise the credits are reserved.
   */
  private async refusedLocally(plan: CallPlan, label: string): Promise<CallResult | undefined> {
    if (!plan.path.startsWith('/') || plan.path.startsWith('//')) {
      return fail(new UpstreamError(`${label}: not a path under the API domain`, {}));
    }
    const stopped = (until: number): CallResult => {
      notify(this.observer.onCreditStopRefusal, { profile: this.profile.id });
      return fail(
        new UpstreamError(`${label}: not sent, v2 API credits are exhausted until ${new Date(until).toISOString()}`, {
          reason: 'rate-limited',
          status: 429,
          v2Code: 'TOO_MANY_REQUESTS',
        }),
      );
    };
    const stoppedUntil = this.credits.stoppedUntil();
    if (stoppedUntil !== undefined) return stopped(stoppedUntil);
    let reserved: boolean;
    try {
      reserved = await this.credits.reserve(plan.credits);
    } catch (error) {
      return fail(stateFailure(label, error));
    }
    if (!reserved) {
      // Another replica's stop this one had not heard of yet (a shared meter checks it with the reservation).
      const until = this.credits.stoppedUntil();
      if (until !== undefined) return stopped(until);
      return fail(
        new UpstreamError(`${label}: local credit budget of ${this.profile.creditsPerDay ?? '?'} per day is spent`, {
          reason: 'rate-limited',
          retryable: true,
        }),
      );
    }
    return undefined;
  }

  /** The attempt loop: token, send, record, then the answer decides — done, retry after a backoff, or a new token. */
  private async attempts(run: CallRun, calls: V2CallRecord[]): Promise<CallResult> {
    const query = run.plan.query ? queryString(run.plan.query) : '';
    for (let attempt = 1; ; attempt++) {
      const got = await this.tokenFor(run);
      if (got.kind === 'failure') return got;
      const token = got.token;
      const sent = await this.sendAttempt(run, token, query);
      if (sent.kind === 'failure') return sent;
      this.recordAttempt(run, calls, attempt, sent.answer, sent.durationMs);
      const verdict = await this.judge(run, attempt, sent.answer, token.accessToken);
      if (verdict.kind === 'done') return verdict.result;
      if (verdict.kind === 'new-token') {
        notify(this.observer.onRetry, { profile: this.profile.id, reason: 'invalid-token', attempt });
        continue;
      }
      if (verdict.kind === 'fresh-connection') {
        notify(this.observer.onRetry, { profile: this.profile.id, reason: 'stale-connection', attempt });
        continue;
      }
      if (!(await this.backoff(run, verdict.reason, attempt, verdict.hintMs))) return verdict.otherwise;
    }
  }

  /** The access token for the next attempt, or the call's failure when it cannot be had. */
  private async tokenFor(run: CallRun): Promise<{ kind: 'token'; token: StoredToken } | Extract<CallResult, { kind: 'failure' }>> {
    try {
      return { kind: 'token', token: await this.tokens.getToken() };
    } catch (error) {
      if (error instanceof UpstreamError) {
        return runFailure(run, error.message, error.reason, { status: error.status, v2Code: error.v2Code, retryable: error.retryable });
      }
      // A shared token store that cannot be reached (Redis): its own message and reason (4500).
      if (error instanceof ZbridgeError) return runFailure(run, error.message, error.reason, { retryable: error.retryable });
      return runFailure(run, 'token refresh failed', 'upstream-failed');
    }
  }

  /** One HTTP attempt inside a concurrency slot (released before any backoff), with its duration in ms. */
  private async sendAttempt(
    run: CallRun,
    token: StoredToken,
    query: string,
  ): Promise<{ kind: 'sent'; answer: HttpAnswer; durationMs: number } | Extract<CallResult, { kind: 'failure' }>> {
    let release;
    try {
      release = await this.limiter.acquire();
    } catch (error) {
      // A full queue is 4820 (rate-limited); a shared limiter that cannot be reached says why (4500), never "no slot".
      const e = error instanceof ZbridgeError ? error : undefined;
      return runFailure(run, e?.message ?? 'no upstream slot', e?.reason ?? 'internal', { retryable: true });
    }
    const started = performance.now();
    try {
      const freshConnection = run.freshNext;
      run.freshNext = false;
      const answer = await sendOnce(this.http, { ...this.httpAttempt(run.plan, token, query), freshConnection }, this.agents);
      return { kind: 'sent', answer, durationMs: Math.round((performance.now() - started) * 1000) / 1000 };
    } finally {
      release(); // a retry's backoff must not hold a slot
    }
  }

  /** The HTTP request of one attempt (a multipart body is rebuilt for each). */
  private httpAttempt(plan: CallPlan, token: StoredToken, query: string): HttpAttempt {
    const multipart = typeof plan.body === 'function' ? plan.body() : undefined;
    const contentType = multipart ? multipart.contentType : plan.body !== undefined ? 'application/json' : undefined;
    return {
      method: plan.method,
      url: `${token.apiDomain}${plan.path}${query}`,
      headers: {
        ...plan.headers,
        Authorization: `Zoho-oauthtoken ${token.accessToken}`,
        ...(contentType !== undefined ? { 'Content-Type': contentType } : {}),
        ...(multipart?.length !== undefined ? { 'Content-Length': String(multipart.length) } : {}),
        Accept: plan.streamResponse ? '*/*' : 'application/json',
      },
      body: multipart ? multipart.stream : (plan.body as string | undefined),
      timeoutMs: this.timeoutMs,
      streamResponse: plan.streamResponse,
    };
  }

  /**
   * Readiness evidence without spending a credit: true when v2 answered an attempt of this client within
   * `withinMs` as a working API (any status but 5xx and the credential refusals 401/403) and no attempt failed
   * (transport error, 5xx) since. Used by /readyz so that a probe under traffic costs nothing.
   * @param withinMs evidence window in ms
   */
  answeredWithin(withinMs: number): boolean {
    return this.lastAnsweredAt > this.lastFailedAt && this.now() - this.lastAnsweredAt <= withinMs;
  }

  /**
   * Is the API domain reachable? One GET of `/crm/v2/settings/modules` WITHOUT a token: v2 answers 401, which
   * spends no API credit (credits are counted per authenticated call). Resolves on any HTTP answer; throws
   * UpstreamError (`upstream-failed`) on a transport failure or when no token (and so no API domain) can be had.
   * @param timeoutMs how long to wait for an answer (ms)
   */
  async reach(timeoutMs: number): Promise<void> {
    const token = await this.tokens.getToken();
    const probe = (freshConnection: boolean) =>
      sendOnce(this.http, { method: 'GET', url: `${token.apiDomain}/crm/v2/settings/modules`, headers: {}, timeoutMs, freshConnection }, this.agents);
    let answer = await probe(false);
    // A pooled connection the server closed while idle says nothing about reachability: ask on a new one.
    if (answer.kind === 'error' && answer.staleSocket) answer = await probe(true);
    if (answer.kind === 'error') throw new UpstreamError(`API domain unreachable: ${answer.message}`, { reason: 'upstream-failed' });
  }

  /** Fold one attempt into the call's journal record (pushed on the first attempt) and tell the observer. */
  private recordAttempt(run: CallRun, calls: V2CallRecord[], attempt: number, answer: HttpAnswer, durationMs: number): void {
    const record = run.record;
    const working = answer.kind === 'response' && answer.status < 500 && answer.status !== 401 && answer.status !== 403;
    if (working) this.lastAnsweredAt = this.now();
    else this.lastFailedAt = this.now();
    if (record.attempts === 0) calls.push(record);
    record.attempts = attempt;
    record.durationMs = Math.round((record.durationMs + durationMs) * 1000) / 1000;
    if (answer.kind === 'response') {
      record.status = answer.status;
      delete record.error;
    } else {
      delete record.status;
      record.error = answer.message;
    }
    notify(this.observer.onUpstreamCall, {
      profile: this.profile.id,
      method: run.plan.method,
      path: run.plan.path,
      status: record.status,
      durationMs,
      attempt,
      error: record.error,
    });
  }

  /** What an attempt's answer means for the call (see the retry policy at the top of this file). */
  private async judge(run: CallRun, attempt: number, answer: HttpAnswer, accessToken: string): Promise<Verdict> {
    if (answer.kind === 'error') return transportVerdict(run, attempt, answer, this.maxRetries);
    const { body, parsed } = parseBody(answer.text);
    const v2Code = v2CodeOf(body);
    if (answer.status === 401 && v2Code === 'INVALID_TOKEN') return this.invalidTokenVerdict(run, accessToken, v2Code);
    if (answer.status === 429) return this.rateLimitedVerdict(run, attempt, answer.headers, body, v2Code);
    run.processed = true;
    if (answer.status >= 500) return serverErrorVerdict(run, answer.status, v2Code);
    if (answer.stream) {
      return done({ kind: 'response', status: answer.status, body: undefined, parsed: true, stream: answer.stream, headers: answer.headers });
    }
    return done({ kind: 'response', status: answer.status, body, parsed });
  }

  /** 401 INVALID_TOKEN: drop the token; one retry with a fresh one, unless a sent insert would be resent. */
  private async invalidTokenVerdict(run: CallRun, accessToken: string, v2Code: string): Promise<Verdict> {
    await this.tokens.invalidate(accessToken);
    if (this.mustNotResend(run.plan, '401')) {
      return done(
        runFailure(run, 'INVALID_TOKEN after the insert was sent: not resent, it may have been applied', 'upstream-failed', {
          status: 401,
          v2Code,
          inDoubt: true,
        }),
      );
    }
    if (!run.tokenRetried) {
      run.tokenRetried = true;
      return { kind: 'new-token' };
    }
    return done(runFailure(run, 'INVALID_TOKEN with a freshly refreshed token', 'oauth-refused', { status: 401, v2Code }));
  }

  /** 429: credits exhausted stops the profile; concurrency is retried after the server's hint or a backoff. */
  private rateLimitedVerdict(
    run: CallRun,
    attempt: number,
    headers: Record<string, string>,
    body: unknown,
    v2Code: string | undefined,
  ): Verdict {
    if (rateLimitKind(headers, body) === 'credits') return done(this.stopForCredits(run, headers, v2Code));
    if (this.mustNotResend(run.plan, '429')) {
      return done(
        runFailure(run, 'HTTP 429 after the insert was sent: not resent, it may have been applied', 'rate-limited', {
          status: 429,
          v2Code,
          inDoubt: true,
        }),
      );
    }
    return {
      kind: 'retry',
      reason: '429',
      hintMs: this.hintMs(headers),
      otherwise: runFailure(run, `HTTP 429 after ${attempt} attempts`, 'rate-limited', { status: 429, v2Code, retryable: true }),
    };
  }

  /** Credits exhausted lasts hours: stop the profile until the reset instead of retrying (retries would be refused). */
  private stopForCredits(run: CallRun, headers: Record<string, string>, v2Code: string | undefined): CallResult {
    const hint = this.hintMs(headers);
    const until = this.now() + (hint ?? this.profile.creditsPauseMs ?? DEFAULT_CREDITS_PAUSE_MS);
    this.credits.stop(until);
    notify(this.observer.onCreditsExhausted, { profile: this.profile.id, until });
    return runFailure(run, `HTTP 429 credits exhausted; profile stopped until ${new Date(until).toISOString()}`, 'rate-limited', {
      status: 429,
      v2Code,
      // The body was sent: an insert refused this way is in doubt unless the profile trusts 429.
      inDoubt: this.mustNotResend(run.plan, '429'),
    });
  }

  /** A sent non-repeatable write (insert) refused with `status`, and the profile does not trust that refusal. */
  private mustNotResend(plan: CallPlan, status: '401' | '429'): boolean {
    return plan.write && !plan.repeatable && !this.trusted.has(status);
  }

  /** Take one retry from the budget and wait its backoff; false when the budget is spent. */
  private async backoff(run: CallRun, reason: RetryReason, attempt: number, hintMs?: number): Promise<boolean> {
    if (run.retries >= this.maxRetries) return false;
    run.retries++;
    notify(this.observer.onRetry, { profile: this.profile.id, reason, attempt });
    await this.sleep(this.backoffMs(run.retries, hintMs));
    return true;
  }

  /** Exponential backoff with jitter (50–100 %), or the server's hint plus a little jitter; capped. */
  private backoffMs(retry: number, hintMs?: number): number {
    if (hintMs !== undefined) return Math.min(this.backoffMaxMs, hintMs + this.random() * this.backoffBaseMs * 0.5);
    const exp = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (retry - 1));
    return Math.round(exp * (0.5 + this.random() * 0.5));
  }

  /** Wait hint of a 429: Retry-After (seconds or HTTP date), else X-RATELIMIT-RESET (epoch ms). */
  private hintMs(headers: Record<string, string>): number | undefined {
    return waitHintMs(headers, this.now());
  }
}

/** Wait hint of a 429 answer in ms, or undefined. Headers are lower-cased. */
export function waitHintMs(headers: Record<string, string>, now: number): number | undefined {
  const retryAfter = headers['retry-after']?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = headers['x-ratelimit-reset']?.trim();
  if (reset && /^\d+$/.test(reset)) {
    const n = Number(reset);
    // Documented as epoch ms (2018); epoch seconds and "seconds from now" are tolerated.
    if (n >= 1e12) return Math.max(0, n - now);
    if (n >= 1e9) return Math.max(0, n * 1000 - now);
    return n * 1000;
  }
  return undefined;
}

/** What one logical call knows across its attempts. */
interface CallRun {
  readonly plan: CallPlan;
  /** `METHOD /path`, the prefix of every failure message. */
  readonly label: string;
  /** One record per logical call, updated by every attempt (journals show `attempts: 3, status: 201`). */
  readonly record: V2CallRecord;
  /** Backoff retries taken (the budget is the profile's maxRetries). */
  retries: number;
  /** The one retry after INVALID_TOKEN was taken. */
  tokenRetried: boolean;
  /** An earlier attempt of this write may have been applied. */
  maybeApplied: boolean;
  /** An attempt reached Zoho, which may have charged credits for it. */
  processed: boolean;
  /** The one immediate resend after a stale keep-alive connection was taken. */
  freshRetried: boolean;
  /** The next attempt goes out on a new connection. */
  freshNext: boolean;
}

/** What an attempt's answer means: the call's result, a retry after backoff (else `otherwise`), or a retry with a new token. */
type Verdict =
  | { kind: 'done'; result: CallResult }
  | { kind: 'retry'; reason: RetryReason; hintMs?: number; otherwise: CallResult }
  | { kind: 'new-token' }
  | { kind: 'fresh-connection' };

function newRun(plan: CallPlan, label: string): CallRun {
  const record: V2CallRecord = { method: plan.method, path: plan.path, durationMs: 0, attempts: 0 };
  return { plan, label, record, retries: 0, tokenRetried: false, maybeApplied: false, processed: false, freshRetried: false, freshNext: false };
}

function done(result: CallResult): Verdict {
  return { kind: 'done', result };
}

/** The call's failure; in doubt when asked or when an earlier attempt of the write may have been applied. */
function runFailure(
  run: CallRun,
  message: string,
  reason: FailureReason,
  extra: { status?: number; v2Code?: string; inDoubt?: boolean; retryable?: boolean } = {},
): Extract<CallResult, { kind: 'failure' }> {
  return {
    kind: 'failure',
    error: new UpstreamError(`${run.label}: ${message}`, {
      reason,
      status: extra.status,
      v2Code: extra.v2Code,
      retryable: extra.retryable ?? false,
      inDoubt: (extra.inDoubt ?? false) || run.maybeApplied,
    }),
  };
}

/**
 * No answer: never sent → retry (nothing reached Zoho); sent → retry only what is repeatable, a write is in doubt.
 * A reused keep-alive connection the server closed before answering (the idle-close race) is resent at once on a
 * new connection when that is safe — not written yet, or repeatable — instead of waiting a backoff (once per call:
 * a new connection cannot be stale, so this does not loop). A read's resend is outside maxRetries; a write's takes
 * one retry of the budget, so `maxRetries: 0` still means "never resend a write".
 */
function transportVerdict(run: CallRun, attempt: number, answer: Extract<HttpAnswer, { kind: 'error' }>, maxRetries: number): Verdict {
  const writeBudget = !run.plan.write || run.retries < maxRetries;
  if (answer.staleSocket && !run.freshRetried && writeBudget && (answer.notSent || run.plan.repeatable)) {
    if (run.plan.write) run.retries++;
    run.freshRetried = true;
    run.freshNext = true;
    if (!answer.notSent) {
      // Same bookkeeping as any sent attempt: credits may be charged, and a write failing later is in doubt.
      run.processed = true;
      if (run.plan.write) run.maybeApplied = true;
    }
    return { kind: 'fresh-connection' };
  }
  if (answer.notSent) {
    return {
      kind: 'retry',
      reason: 'network',
      otherwise: runFailure(run, `not sent after ${attempt} attempts: ${answer.message}`, 'upstream-failed', { retryable: true }),
    };
  }
  run.processed = true;
  if (run.plan.write) run.maybeApplied = true;
  const otherwise = runFailure(run, answer.message, 'upstream-failed', { inDoubt: run.plan.write });
  return run.plan.repeatable ? { kind: 'retry', reason: 'network', otherwise } : done(otherwise);
}

/** 5xx: the call reached Zoho; retry what is repeatable, a write is in doubt. */
function serverErrorVerdict(run: CallRun, status: number, v2Code: string | undefined): Verdict {
  if (run.plan.write) run.maybeApplied = true;
  const otherwise = runFailure(run, `HTTP ${status}${v2Code ? ` ${v2Code}` : ''}`, 'upstream-failed', {
    status,
    v2Code,
    inDoubt: run.plan.write,
  });
  return run.plan.repeatable ? { kind: 'retry', reason: '5xx', otherwise } : done(otherwise);
}

/** A shared-state failure (Redis unreachable …) before anything was sent: its own message and v1 code (4500). */
function stateFailure(label: string, error: unknown): UpstreamError {
  const e = error instanceof ZbridgeError ? error : undefined;
  return new UpstreamError(`${label}: ${e?.message ?? 'credit meter failed'}`, {
    reason: e?.reason ?? 'internal',
    retryable: true,
    cause: error,
  });
}

function fail(error: UpstreamError): CallResult {
  return { kind: 'failure', error };
}

/** `{a:'x y'}` → `?a=x%20y` (encodeURIComponent: `+` would be ambiguous in criteria values). */
export function queryString(query: Record<string, string>): string {
  const parts = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** Only whitespace (String.prototype.trim's set): tested without copying the body. */
const BLANK = /^\s*$/;

/** Empty → undefined; JSON → parsed; anything else → the raw text (results mapping answers it as an upstream failure). */
function parseBody(text: string): { body: unknown; parsed: boolean } {
  if (BLANK.test(text)) return { body: undefined, parsed: true };
  try {
    return { body: JSON.parse(text) as unknown, parsed: true };
  } catch {
    return { body: text, parsed: false };
  }
}

