/**
 * The CreditMeter contract — the rolling 24 h budget and the credits-exhausted stop (one owner of both facts),
 * run against every implementation (in-process RollingCreditMeter, RedisCreditMeter).
 */
import { expect, it } from 'vitest';
import { CREDIT_BUCKET_MS, DAY_MS, type CreditMeter } from '../../../src/zoho/limiter.js';
import { waitUntil } from './util.js';

/** Two views of one profile's credits with a budget (undefined = none) on the given clock. */
export type CreditMeterViews = (budget: number | undefined, now: () => number) => Promise<[CreditMeter, CreditMeter]>;

export function creditMeterContract(views: CreditMeterViews): void {
  const make = async (budget: number | undefined, now: () => number) => (await views(budget, now))[0];

  it('counts over a rolling 24 h window', async () => {
    let now = 1_000_000;
    const meter = await make(100, () => now);
    expect(await meter.reserve(3)).toBe(true);
    now += DAY_MS / 2;
    expect(await meter.reserve(2)).toBe(true);
    expect(await meter.used()).toBe(5);
    expect(await meter.remaining()).toBe(95);
    now += DAY_MS / 2 + CREDIT_BUCKET_MS; // the first reservation's minute is now 24 h old
    expect(await meter.used()).toBe(2);
    now += DAY_MS;
    expect(await meter.used()).toBe(0);
  });

  it('never expires a reservation early (its minute is rounded up)', async () => {
    let now = 30_000; // half-way through a minute
    const meter = await make(1, () => now);
    expect(await meter.reserve(1)).toBe(true);
    now += DAY_MS - 1;
    expect(await meter.reserve(1)).toBe(false);
    now += CREDIT_BUCKET_MS;
    expect(await meter.reserve(1)).toBe(true);
  });

  it('keeps nothing without a budget', async () => {
    let now = 2_000_000;
    const meter = await make(undefined, () => now);
    for (let i = 0; i < 50; i++) {
      expect(await meter.reserve(10)).toBe(true);
      now += 1000;
    }
    expect(await meter.used()).toBe(0);
    expect(await meter.remaining()).toBeUndefined();
  });

  it('refuses a reservation that would exceed the budget, and refunds', async () => {
    let now = 5_000_000;
    const meter = await make(10, () => now);
    expect(await meter.reserve(8)).toBe(true);
    expect(await meter.reserve(3)).toBe(false);
    expect(await meter.used()).toBe(8);
    expect(await meter.reserve(2)).toBe(true);
    expect(await meter.remaining()).toBe(0);
    await meter.refund(2);
    expect(await meter.remaining()).toBe(2);
    now += DAY_MS + CREDIT_BUCKET_MS;
    expect(await meter.remaining()).toBe(10);
  });

  it('concurrent reservations on both views never overspend one budget', async () => {
    const [a, b] = await views(50, () => 9_000_000);
    const granted = (await Promise.all(Array.from({ length: 80 }, (_, i) => (i % 2 ? a : b).reserve(1)))).filter(Boolean).length;
    expect(granted).toBe(50);
    expect(await a.used()).toBe(50);
    expect(await b.used()).toBe(50);
  });

  it.each([
    ['with a budget', 1000],
    ['without a budget', undefined],
  ])('the credits-exhausted stop (%s): both views stop, a later stop wins, it passes at its time, resume lifts it', async (_label, budget) => {
    let now = 7_000_000;
    const [a, b] = await views(budget, () => now);
    expect(a.stoppedUntil()).toBeUndefined();
    const until = now + 3_600_000;
    a.stop(until);
    expect(a.stoppedUntil()).toBe(until);
    expect(await a.reserve(1)).toBe(false);
    await waitUntil(() => b.stoppedUntil() === until, 'the other view hears of the stop');
    expect(await b.reserve(1)).toBe(false);
    b.stop(until - 1000); // earlier: ignored
    b.stop(until + 5000);
    await waitUntil(() => a.stoppedUntil() === until + 5000, 'a later stop wins on both views');
    expect(b.stoppedUntil()).toBe(until + 5000);
    a.resume();
    expect(a.stoppedUntil()).toBeUndefined();
    await waitUntil(() => b.stoppedUntil() === undefined, 'resume reaches the other view');
    expect(await b.reserve(1)).toBe(true);
    // A stop whose time has passed is gone by itself.
    a.stop(now + 600_000);
    await waitUntil(() => b.stoppedUntil() === now + 600_000, 'the next stop reaches the other view');
    now += 600_000;
    expect(a.stoppedUntil()).toBeUndefined();
    expect(b.stoppedUntil()).toBeUndefined();
    expect(await a.reserve(1)).toBe(true);
  });

  it('a refused reservation reserves nothing (stopped or over budget)', async () => {
    const now = 8_000_000;
    const meter = await make(5, () => now);
    meter.stop(now + 60_000);
    expect(await meter.reserve(5)).toBe(false);
    meter.resume();
    expect(await meter.used()).toBe(0);
    expect(await meter.reserve(6)).toBe(false);
    expect(await meter.used()).toBe(0);
    expect(await meter.reserve(5)).toBe(true);
  });
}
