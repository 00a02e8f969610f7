/**
 * Fault injection: added latency, random 500 / 429 / connection resets / slow answers drawn from a seeded
 * PRNG (reproducible runs), and a deterministic "fail the next N write requests" queue.
 */
import type { FailKind, FailNext, SandboxFaults } from './types.js';

/** mulberry32: a tiny, good-enough seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What to do with one request, decided before it is processed. */
export interface FaultDecision {
  /** ms to wait before processing. */
  delayMs: number;
  /** Failure to answer instead of (or, with `afterProcessing`, after) processing. */
  fail?: FailKind;
  afterProcessing: boolean;
}

export const DEFAULT_SLOW_MS = 30_000;

export class FaultInjector {
  private faults: SandboxFaults = {};
  private random: () => number = seededRandom(1);
  private failNext: FailNext | undefined;

  constructor(initial: SandboxFaults | undefined, private readonly onRevokeAll: () => void) {
    if (initial) this.set(initial);
  }

  /** Replace the fault settings. `revokeAllTokens` acts once, now; `failNext` replaces the queue. */
  set(faults: SandboxFaults): void {
    const { revokeAllTokens, failNext, ...rest } = faults;
    this.faults = rest;
    this.random = seededRandom(faults.faultSeed ?? 1);
    if (failNext !== undefined) this.failNext = failNext.count > 0 ? { ...failNext } : undefined;
    if (revokeAllTokens) this.onRevokeAll();
  }

  current(): SandboxFaults & { failNext?: FailNext } {
    return { ...this.faults, ...(this.failNext ? { failNext: { ...this.failNext } } : {}) };
  }

  /** Reset time of an injected credits-exhausted 429, ms from now. */
  get creditsResetMs(): number {
    return this.faults.creditsResetMs ?? 3_600_000;
  }

  /** Search index lag (SandboxFaults.searchLagMs), ms; 0 when not set. */
  get searchLagMs(): number {
    return Math.max(0, this.faults.searchLagMs ?? 0);
  }

  get slowMs(): number {
    return this.faults.slowMs ?? DEFAULT_SLOW_MS;
  }

  clear(): void {
    this.faults = {};
    this.failNext = undefined;
    this.random = seededRandom(1);
  }

  decide(isWrite: boolean): FaultDecision {
    const f = this.faults;
    if (this.failNext && (isWrite || this.failNext.requests === 'all')) {
      const next = this.failNext;
      next.count--;
      if (next.count <= 0) this.failNext = undefined;
      return { delayMs: f.latencyMs ?? 0, fail: next.kind, afterProcessing: next.applyAfterProcessing ?? false };
    }
    if (f.onlyWrites && !isWrite) return { delayMs: 0, afterProcessing: false };
    const decision: FaultDecision = { delayMs: f.latencyMs ?? 0, afterProcessing: false };
    // One draw per configured rate, in a fixed order, so a seed always yields the same sequence.
    const roll = (rate: number | undefined): boolean => rate !== undefined && rate > 0 && this.random() < rate;
    if (roll(f.resetRate)) decision.fail = 'reset';
    else if (roll(f.errorRate)) decision.fail = '500';
    else if (roll(f.rateLimitRate)) decision.fail = '429';
    else if (roll(f.slowRate)) decision.fail = 'slow';
    return decision;
  }
}
