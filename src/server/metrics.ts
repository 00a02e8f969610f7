/**
 * Prometheus metrics (prom-client): calls by module, method and legacy code; upstream latency; retries; 429s;
 * token refreshes; credits. Implements the zoho client's observer interface so src/zoho stays metrics-agnostic.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallMetrics } from '../bridge/ports.js';
import { V1_METHODS } from '../legacy/methods.js';
import { bundledSnapshot } from '../v2/snapshot.js';
import { VERSION } from '../version.js';

/** Retry reasons of the zoho client (src/zoho/observer.ts RetryReason), initialised to 0 per profile. */
const RETRY_REASONS = ['429', 'network', '5xx', 'invalid-token', 'oauth-throttle', 'stale-connection'] as const;

export class ProxyMetrics implements CallMetrics {
  readonly registry = new Registry();
  readonly calls = new Counter({
    name: 'zbridge_calls_total',
    help: 'Legacy calls answered, by v1 module, method and legacy code (2000 = success answer).',
    labelNames: ['module', 'method', 'code'] as const,
    registers: [this.registry],
  });
  readonly rows = new Counter({
    name: 'zbridge_rows_total',
    help: 'Legacy rows processed, by v2 module and per-row legacy code.',
    labelNames: ['module', 'code'] as const,
    registers: [this.registry],
  });
  readonly unsupported = new Counter({
    name: 'zbridge_unsupported_method_calls_total',
    help: 'Calls to v1 methods the bridge does not translate (getRecords, searchRecords …).',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });
  readonly upstreamLatency = new Histogram({
    name: 'zbridge_upstream_request_duration_seconds',
    help: 'Duration of each v2 HTTP attempt.',
    labelNames: ['profile', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'zbridge_upstream_retries_total',
    help: 'Retried v2 attempts, by reason.',
    labelNames: ['profile', 'reason'] as const,
    registers: [this.registry],
  });
  readonly tooManyRequests = new Counter({
    name: 'zbridge_upstream_429_total',
    help: 'HTTP 429 answers received from v2.',
    labelNames: ['profile'] as const,
    registers: [this.registry],
  });
  readonly tokenRefreshes = new Counter({
    name: 'zbridge_token_refreshes_total',
    help: 'OAuth access-token refreshes, by outcome.',
    labelNames: ['profile', 'ok'] as const,
    registers: [this.registry],
  });
  readonly credits = new Counter({
    name: 'zbridge_credits_used_total',
    help: 'v2 API credits spent (1 per 10 written records, 1 per metadata or search call).',
    labelNames: ['profile'] as const,
    registers: [this.registry],
  });
  readonly inDoubt = new Counter({
    name: 'zbridge_in_doubt_calls_total',
    help: 'Writes that may have been applied although the client got an error (reconcile from the journal).',
    labelNames: ['profile'] as const,
    registers: [this.registry],
  });
  readonly creditStopRefusals = new Counter({
    name: 'zbridge_upstream_credit_stop_refusals_total',
    help: 'Calls answered 4820 without reaching v2 because the profile is stopped after a credits-exhausted 429.',
    labelNames: ['profile'] as const,
    registers: [this.registry],
  });
  private creditStops: () => { profile: string; until: number | undefined }[] = () => [];
  readonly creditsExhausted = new Gauge({
    name: 'zbridge_upstream_credits_exhausted',
    help: '1 while a profile sends nothing because v2 said its API credits are exhausted, else 0.',
    labelNames: ['profile'] as const,
    registers: [this.registry],
    collect: () => this.collectCreditStops(),
  });
  readonly creditsResetTime = new Gauge({
    name: 'zbridge_upstream_credits_reset_timestamp_seconds',
    help: 'When a stopped profile sends again (Unix seconds); absent while the profile is not stopped.',
    labelNames: ['profile'] as const,
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'zbridge_in_flight_calls',
    help: 'Legacy calls being processed.',
    registers: [this.registry],
  });

  readonly buildInfo = new Gauge({
    name: 'zbridge_build_info',
    help: 'Always 1; the labels say which zbridge and Node.js run.',
    labelNames: ['version', 'node'] as const,
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: 'zbridge_rejected_requests_total',
    help: 'Requests refused before a legacy call could be read or authenticated, by reason (journaled and logged only as a sample).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly stateUp = new Gauge({
    name: 'zbridge_state_up',
    help: 'Shared state (Redis) reachable: 1, else 0 (calls are refused with 4500). Absent with state "memory".',
    registers: [this.registry],
  });
  readonly stateDuration = new Histogram({
    name: 'zbridge_state_command_duration_seconds',
    help: 'Redis round trips for shared state, by operation (slot.acquire, credits.reserve, lock.acquire, …) and outcome.',
    labelNames: ['op', 'ok'] as const,
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2],
    registers: [this.registry],
  });

  /** The shared-state observer (state/redis). */
  readonly stateObserver = {
    onCommand: (e: { op: string; durationMs: number; ok: boolean }) =>
      this.stateDuration.observe({ op: e.op, ok: String(e.ok) }, e.durationMs / 1000),
    onHealth: (h: { up: boolean }) => this.stateUp.set(h.up ? 1 : 0),
  };

  constructor(options: { defaultMetrics?: boolean } = {}) {
    for (const m of bundledSnapshot().modules) {
      this.knownModules.add(m.module_name);
      this.knownModules.add(m.api_name);
    }
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'zbridge_' });
    this.buildInfo.set({ version: VERSION, node: process.versions.node }, 1);
    this.inFlight.set(0);
  }

  /**
   * The label values a call is counted under — and, word for word, the `module` / `method` / `code` of its
   * access-log line (server/access-log.ts), so a log line always finds its series. The one place that decides
   * them (bounding unknown values to a fixed set belongs here).
   */
  callLabels(module: string, method: string, code: string): { module: string; method: string; code: string } {
    // Bounded: a module is named only if it is a module of the bundled snapshot or one an authenticated call
    // resolved (knowModule), a method only if v1 had it, a code only if it looks like a legacy code. Anything
    // else — random path segments from unauthenticated clients — is `other`, so they cannot mint series.
    return {
      module: this.knownModules.has(module) ? module : 'other',
      method: V1_METHODS.has(method) ? method : 'other',
      code: /^\d{3,4}(\.\d)?$/.test(code) ? code : 'other',
    };
  }

  /** v1 module names that may appear as label values. */
  private readonly knownModules = new Set<string>();

  /** A module an authenticated call resolved (an org's custom module): from now on it is named, not `other`. */
  knowModule(name: string): void {
    if (this.knownModules.size < 1000) this.knownModules.add(name);
  }

  /** Count one answered call; returns the labels used (for the access line). */
  countCall(module: string, method: string, code: string): { module: string; method: string; code: string } {
    const labels = this.callLabels(module, method, code);
    this.calls.inc(labels);
    return labels;
  }

  /**
   * Every series whose labels are known at start-up exists from the first scrape with 0, so `rate()` and
   * `increase()` see the first event (per profile: 429s, token refreshes ok/failed, credits, in-doubt calls,
   * retries by reason). Series labelled by module, method and code appear with their first call.
   */
  initialise(profiles: readonly string[]): void {
    for (const profile of profiles) {
      this.tooManyRequests.inc({ profile }, 0);
      this.tokenRefreshes.inc({ profile, ok: 'true' }, 0);
      this.tokenRefreshes.inc({ profile, ok: 'false' }, 0);
      this.credits.inc({ profile }, 0);
      this.inDoubt.inc({ profile }, 0);
      for (const reason of RETRY_REASONS) this.retries.inc({ profile, reason }, 0);
    }
  }

  /** Where the credits-exhausted gauges read each profile's stop (`until` epoch ms) at scrape time. */
  watchCreditStops(source: () => { profile: string; until: number | undefined }[]): void {
    this.creditStops = source;
  }

  private collectCreditStops(): void {
    this.creditsExhausted.reset();
    this.creditsResetTime.reset();
    for (const { profile, until } of this.creditStops()) {
      this.creditsExhausted.set({ profile }, until === undefined ? 0 : 1);
      if (until !== undefined) this.creditsResetTime.set({ profile }, Math.round(until / 1000));
    }
  }

  /** The zoho ClientObserver. */
  readonly observer = {
    onUpstreamCall: (e: { profile: string; method: string; status?: number; durationMs: number }) => {
      this.upstreamLatency.observe(
        { profile: e.profile, method: e.method, status: e.status === undefined ? 'none' : String(e.status) },
        e.durationMs / 1000,
      );
      if (e.status === 429) this.tooManyRequests.inc({ profile: e.profile });
    },
    onRetry: (e: { profile: string; reason: string }) => this.retries.inc({ profile: e.profile, reason: e.reason }),
    onTokenRefresh: (e: { profile: string; ok: boolean }) =>
      this.tokenRefreshes.inc({ profile: e.profile, ok: String(e.ok) }),
    onCredits: (e: { profile: string; credits: number }) => this.credits.inc({ profile: e.profile }, e.credits),
    onCreditStopRefusal: (e: { profile: string }) => this.creditStopRefusals.inc({ profile: e.profile }),
  };
}
