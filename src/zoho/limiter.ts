/**
 * Local rate limiting per credential profile: a concurrency semaphore with a bounded FIFO queue (Zoho limits
 * concurrent calls per user and app, docs/PROTOCOL.md §11) and a rolling 24 h credit meter with an optional budget.
 * Both are interfaces so a Redis-backed version can be shared by replicas later.
 */
import { UpstreamError } from '../errors.js';

/** Releases a slot; calling it more than once is harmless. */
export type Release = () => void;

export interface ConcurrencyLimiter {
  /** Wait for a slot (FIFO). Rejects with UpstreamError `rate-limited` (retryable) when the queue is full. */
  acquire(): Promise<Release>;
  readonly inFlight: number;
  readonly queued: number;
}

export class Semaphore implements ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /**
   * @param limit    concurrent holders (>= 1)
   * @param maxQueue callers allowed to wait (>= 0); one more is refused at once
   * @param label    profile name for error messages
   */
  constructor(
    readonly limit: number,
    readonly maxQueue: number,
    private readonly label = '',
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${limit}`);
    if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new RangeError(`maxQueue must be an integer >= 0, got ${maxQueue}`);
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  acquire(): Promise<Release> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.maxQueue) {
      return Promise.reject(
        new UpstreamError(
          `profile ${this.label}: ${this.waiting.length} calls already queued for ${this.limit} upstream slots`,
          { reason: 'rate-limited', retryable: true },
        ),
      );
    }
    // The slot is handed over directly by release(), so `active` never drops and a newcomer cannot jump the queue.
    return new Promise<Release>((resolve) => this.waiting.push(() => resolve(this.releaser())));
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

/** Credits of a v2 write (declared in src/v2/modules.ts). */
export { writeCredits } from '../v2/modules.js';

/**
 * The credits of one profile — the one owner of both facts about them: the rolling 24 h budget kept locally
 * (`profiles[].creditsPerDay`) and the credits-exhausted stop v2 announced with a credits 429 (issue 17,
 * zoho/rate-limit.ts tells the two 429s apart). Asynchronous because replicas share it (state/redis); a shared
 * meter that cannot be reached rejects (v1 4500) instead of silently counting per process.
 */
export interface CreditMeter {
  /**
   * Reserve `credits` for a call about to be made. False (nothing reserved) when the budget would be exceeded or
   * the profile is stopped (then `stoppedUntil()` says until when). Without a budget and without a stop it
   * always succeeds.
   */
  reserve(credits: number): Promise<boolean>;
  /** Give back a reservation whose call was never processed upstream (429, refused before sending …). */
  refund(credits: number): Promise<void>;
  /** Credits spent in the rolling window (0 without a budget: nothing is kept then; see zbridge_credits_used_total). */
  used(): Promise<number>;
  /** Remaining budget, or undefined without one. */
  remaining(): Promise<number | undefined>;
  /**
   * Epoch ms until which the profile must not call v2 because v2 said its credits are exhausted, or undefined.
   * Synchronous (read before every call and by /readyz and metrics); a shared meter keeps a copy that every
   * replica's stop() and resume() update.
   */
  stoppedUntil(): number | undefined;
  /** v2 answered a credits-exhausted 429: stop until `epochMs` (a later stop wins over an earlier one). */
  stop(epochMs: number): void;
  /** Lift the stop (the reset passed early, an operator added credits). */
  resume(): void;
  /** Stop timers and listeners of a shared meter. */
  close?(): void;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Width of one credit bucket: a 24 h window holds at most 1,441 of them, whatever the call rate. */
export const CREDIT_BUCKET_MS = 60_000;

/**
 * In-memory rolling-window meter. Spending is kept per minute (the time of a reservation rounded up to the next
 * whole minute, so a bucket leaves the window at most a minute late — never early, the budget is never
 * overspent): memory is bounded by the window, not by the call rate. Without a budget nothing is kept at all.
 */
export class RollingCreditMeter implements CreditMeter {
  private buckets: { at: number; credits: number }[] = [];
  private total = 0;
  private stoppedAt: number | undefined;

  /**
   * @param budget   credits per window; undefined = no local limit (nothing is recorded)
   * @param now      clock (epoch ms), default Date.now
   * @param windowMs default 24 h
   * @param bucketMs default 1 min
   */
  constructor(
    readonly budget: number | undefined,
    private readonly now: () => number = Date.now,
    private readonly windowMs = DAY_MS,
    private readonly bucketMs = CREDIT_BUCKET_MS,
  ) {
    if (budget !== undefined && !(budget >= 0)) throw new RangeError(`creditsPerDay must be >= 0, got ${budget}`);
  }

  async reserve(credits: number): Promise<boolean> {
    if (this.stoppedUntil() !== undefined) return false;
    if (this.budget === undefined) return true;
    this.prune();
    if (this.total + credits > this.budget) return false;
    const at = Math.ceil(this.now() / this.bucketMs) * this.bucketMs;
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.at === at) last.credits += credits;
    else this.buckets.push({ at, credits });
    this.total += credits;
    return true;
  }

  async refund(credits: number): Promise<void> {
    // Take it back from the newest buckets (the reservation being refunded is among them).
    let left = credits;
    for (let i = this.buckets.length - 1; i >= 0 && left > 0; i--) {
      const b = this.buckets[i];
      const take = Math.min(b.credits, left);
      b.credits -= take;
      left -= take;
      this.total -= take;
      if (b.credits === 0) this.buckets.splice(i, 1);
    }
  }

  async used(): Promise<number> {
    this.prune();
    return this.total;
  }

  async remaining(): Promise<number | undefined> {
    return this.budget === undefined ? undefined : Math.max(0, this.budget - (await this.used()));
  }

  stoppedUntil(): number | undefined {
    if (this.stoppedAt !== undefined && this.stoppedAt <= this.now()) this.stoppedAt = undefined;
    return this.stoppedAt;
  }

  stop(epochMs: number): void {
    if (this.stoppedAt === undefined || epochMs > this.stoppedAt) this.stoppedAt = epochMs;
  }

  resume(): void {
    this.stoppedAt = undefined;
  }

  /** Buckets held (tests: memory stays bounded). */
  get bucketCount(): number {
    return this.buckets.length;
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    let drop = 0;
    while (drop < this.buckets.length && this.buckets[drop].at <= cutoff) {
      this.total -= this.buckets[drop].credits;
      drop++;
    }
    if (drop > 0) this.buckets.splice(0, drop);
  }
}
