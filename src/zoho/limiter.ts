/**
 * Per-profile admission control: a concurrency semaphore with a bounded FIFO queue (Zoho limits concurrent
 * calls per user and app), and a rolling 24 h credit meter with an optional budget. Both are interfaces so
 * replicas can share them through Redis later.
 */
import { UpstreamError } from '../errors.js';
import { legacyErrors } from '../legacy/errors.js';

export interface Limiter {
  /** Runs `task` when a slot is free; rejects with 4820 when the queue is full. */
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly queued: number;
}

export class ConcurrencyLimiter implements Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly max: number,
    private readonly maxQueue: number,
  ) {}

  get active(): number {
    return this.running;
  }
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.max) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueue) {
      return Promise.reject(
        new UpstreamError(`concurrency queue full (${this.maxQueue} waiting)`, { legacy: legacyErrors.rateLimit(), retryable: true }),
      );
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.running -= 1;
  }
}

/** v2 credits of a call: writes cost ceil(records/10), at most 10; anything else 1 (PROTOCOL.md §11). */
export function creditCost(isWrite: boolean, records: number): number {
  return isWrite ? Math.min(10, Math.max(1, Math.ceil(records / 10))) : 1;
}

export class CreditMeter {
  private readonly spent: { at: number; credits: number }[] = [];
  private total = 0;

  constructor(
    /** Budget per rolling 24 h; undefined = count only. */
    private readonly budget: number | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Credits spent in the last 24 h. */
  used(): number {
    this.expire();
    return this.total;
  }

  /** Throws 4820 when `credits` more would exceed the budget; otherwise records them. */
  take(credits: number): void {
    this.expire();
    if (this.budget !== undefined && this.total + credits > this.budget) {
      throw new UpstreamError(`local credit budget of ${this.budget}/day spent`, { legacy: legacyErrors.rateLimit() });
    }
    this.spent.push({ at: this.now(), credits });
    this.total += credits;
  }

  private expire(): void {
    const horizon = this.now() - 24 * 3600_000;
    while (this.spent.length > 0 && this.spent[0].at <= horizon) this.total -= this.spent.shift()!.credits;
  }
}
