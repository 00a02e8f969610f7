/**
 * Rate limits of docs/PROTOCOL.md §11, both off by default: concurrent requests per (user, OAuth client) and a
 * rolling-24h credit budget for the whole org. Either answers 429 TOO_MANY_REQUESTS.
 */

import { callCredits } from '../v2/modules.js';

const DAY_MS = 86_400_000;

/** Credits a call costs (src/v2/modules.ts `callCredits`). */
export const creditCost = callCredits;

export class CreditBudget {
  private spent: { at: number; cost: number }[] = [];

  constructor(
    readonly perDay: number,
    private readonly now: () => number,
  ) {}

  used(): number {
    const since = this.now() - DAY_MS;
    this.spent = this.spent.filter((s) => s.at > since);
    return this.spent.reduce((sum, s) => sum + s.cost, 0);
  }

  remaining(): number {
    return Math.max(0, this.perDay - this.used());
  }

  /** Spend `cost` if the budget allows it; false = refused (nothing spent). */
  trySpend(cost: number): boolean {
    if (this.used() + cost > this.perDay) return false;
    this.spent.push({ at: this.now(), cost });
    return true;
  }

  /**
   * When enough spending has left the rolling window for a call of `cost` to fit again (epoch ms), for the
   * X-RATELIMIT-RESET / Retry-After headers of a credits-exhausted 429.
   */
  resetAt(cost = 1): number {
    let used = this.used();
    for (const s of this.spent) {
      if (used + cost <= this.perDay) break;
      used -= s.cost;
      if (used + cost <= this.perDay) return s.at + DAY_MS;
    }
    return used + cost <= this.perDay ? this.now() : (this.spent.at(-1)?.at ?? this.now()) + DAY_MS;
  }

  clear(): void {
    this.spent = [];
  }
}

export class ConcurrencyGate {
  private readonly inFlight = new Map<string, number>();
  /** Most requests of one key that were ever in flight at once, counting the one refused for the limit. */
  private highest = 0;

  constructor(readonly limit: number) {}

  /** The highest number of concurrent requests any (user, client) had, since start or resetPeak(). */
  get peak(): number {
    return this.highest;
  }

  resetPeak(): void {
    this.highest = Math.max(0, ...this.inFlight.values());
  }

  /** Take a slot for `key`; returns a release function, or undefined when the limit is reached. */
  acquire(key: string): (() => void) | undefined {
    const n = this.inFlight.get(key) ?? 0;
    // Counted before the check: a request refused with 429 still shows that a client sent one too many.
    this.highest = Math.max(this.highest, n + 1);
    if (n >= this.limit) return undefined;
    this.inFlight.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    };
  }

  current(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }
}
