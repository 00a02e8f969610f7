import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import { CREDIT_BUCKET_MS, DAY_MS, RollingCreditMeter, Semaphore, writeCredits } from '../../src/zoho/limiter.js';
import { legacyErrorOf } from '../../src/mapping/results.js';

describe('Semaphore', () => {
  it('admits at most `limit` holders and hands slots over in FIFO order', async () => {
    const sem = new Semaphore(2, 10);
    const order: number[] = [];
    const r1 = await sem.acquire();
    const r2 = await sem.acquire();
    const waiting = [3, 4, 5].map((n) => sem.acquire().then((release) => (order.push(n), release)));
    await Promise.resolve();
    expect(sem.inFlight).toBe(2);
    expect(sem.queued).toBe(3);
    r1();
    r1(); // a second release of the same slot is ignored
    const r3 = await waiting[0];
    expect(sem.inFlight).toBe(2);
    expect(sem.queued).toBe(2);
    r2();
    r3();
    const [, r4, r5] = await Promise.all(waiting);
    expect(order).toEqual([3, 4, 5]);
    r4();
    r5();
    expect(sem.inFlight).toBe(0);
  });

  it('refuses a caller beyond the queue with a retryable 4820', async () => {
    const sem = new Semaphore(1, 1, 'p1');
    await sem.acquire();
    void sem.acquire();
    const refused = await sem.acquire().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpstreamError);
    expect(legacyErrorOf(refused).code).toBe('4820');
    expect((refused as UpstreamError).retryable).toBe(true);
  });

  it('validates its limits', () => {
    expect(() => new Semaphore(0, 1)).toThrow(RangeError);
    expect(() => new Semaphore(1, -1)).toThrow(RangeError);
  });
});

describe('credits (docs/PROTOCOL.md §11)', () => {
  it('a write of n records costs ceil(n/10), at least 1, at most 10', () => {
    expect([0, 1, 10, 11, 20, 99, 100, 250].map(writeCredits)).toEqual([1, 1, 1, 2, 2, 10, 10, 10]);
  });

  describe('in memory', () => {
  it('counts over a rolling 24 h window', async () => {
    let now = 1_000_000;
    const meter = new RollingCreditMeter(100, () => now);
    expect(await meter.reserve(3)).toBe(true);
    now += DAY_MS / 2;
    expect(await meter.reserve(2)).toBe(true);
    expect(await meter.used()).toBe(5);
    expect(await meter.remaining()).toBe(95);
    now += DAY_MS / 2 + CREDIT_BUCKET_MS; // the first reservation's bucket is now 24 h old
    expect(await meter.used()).toBe(2);
    now += DAY_MS;
    expect(await meter.used()).toBe(0);
  });

  it('keeps nothing without a budget', async () => {
    let now = 0;
    const meter = new RollingCreditMeter(undefined, () => now);
    for (let i = 0; i < 100_000; i += 1) {
      expect(await meter.reserve(1)).toBe(true);
      now += 7;
    }
    expect(meter.bucketCount).toBe(0);
    expect(await meter.used()).toBe(0);
    expect(await meter.remaining()).toBeUndefined();
  });

  it('with a budget, memory is bounded by the window (one bucket per minute), not by the call rate', async () => {
    let now = 0;
    const meter = new RollingCreditMeter(Number.MAX_SAFE_INTEGER, () => now);
    // Two days of one call every 50 ms: 3.5 million reservations.
    for (let i = 0; i < 2 * DAY_MS; i += 50) {
      void meter.reserve(1); // synchronous inside: no await per call, 3.5 million awaits are slow
      now += 50;
    }
    expect(meter.bucketCount).toBeLessThanOrEqual(DAY_MS / CREDIT_BUCKET_MS + 1);
    // The reservations of the last 24 h (the one made exactly 24 h ago has just left).
    expect(await meter.used()).toBe(DAY_MS / 50 - 1);
  });

  it('never expires a reservation early (the bucket time is rounded up)', async () => {
    let now = 30_000; // half-way through a minute
    const meter = new RollingCreditMeter(1, () => now);
    expect(await meter.reserve(1)).toBe(true);
    now += DAY_MS - 1;
    expect(await meter.reserve(1)).toBe(false);
    now += CREDIT_BUCKET_MS;
    expect(await meter.reserve(1)).toBe(true);
  });

  it('refuses a reservation that would exceed the budget, and refunds', async () => {
    let now = 0;
    const meter = new RollingCreditMeter(10, () => now);
    expect(await meter.reserve(8)).toBe(true);
    expect(await meter.reserve(3)).toBe(false);
    expect(await meter.used()).toBe(8);
    expect(await meter.reserve(2)).toBe(true);
    expect(await meter.remaining()).toBe(0);
    await meter.refund(2);
    expect(await meter.remaining()).toBe(2);
    now += DAY_MS;
    expect(await meter.remaining()).toBe(10);
  });
  });
});
