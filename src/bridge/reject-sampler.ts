/**
 * Bounded, sampled journaling and logging of calls rejected before (or at) authentication: anyone who can reach
 * the port can send them, so they must not grow the journal or the log without bound. A token bucket: up to
 * `burst` lines at once, refilled at `perSecond`; the rest are only counted (zbridge_rejected_requests_total)
 * and the next line written says how many were left out (`suppressed`).
 */
export class RejectSampler {
  private tokens: number;
  private last: number;
  private suppressed = 0;

  /**
   * @param perSecond lines allowed per second on average. @default 5
   * @param burst     lines allowed at once. @default 50
   * @param now       clock (epoch ms). @default Date.now
   */
  constructor(
    private readonly perSecond = 5,
    private readonly burst = 50,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Whether this reject may be written; `suppressed` = rejects left out since the last one written. */
  take(): { allowed: boolean; suppressed: number } {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      const suppressed = this.suppressed;
      this.suppressed = 0;
      return { allowed: true, suppressed };
    }
    this.suppressed += 1;
    return { allowed: false, suppressed: this.suppressed };
  }
}
