/**
 * The ConcurrencyLimiter contract (the profile's upstream slots, PROTOCOL.md §11), run against every
 * implementation: the in-process Semaphore and the fair distributed RedisSemaphore.
 */
import { expect, it } from 'vitest';
import { UpstreamError } from '../../../src/errors.js';
import { legacyErrorOf } from '../../../src/mapping/results.js';
import type { ConcurrencyLimiter, Release } from '../../../src/zoho/limiter.js';
import { turns, waitUntil } from './util.js';

export interface LimiterViews {
  /** Two views (replicas) of one profile's slots. */
  views: [ConcurrencyLimiter, ConcurrencyLimiter];
  /** Waiters across all views (the profile's queue). */
  queued(): Promise<number>;
}

export type MakeLimiter = (limit: number, maxQueue: number) => Promise<LimiterViews>;

const is4820 = (e: unknown) => e instanceof UpstreamError && e.retryable && legacyErrorOf(e).code === '4820';

export function limiterContract(make: MakeLimiter): void {
  it('at most `limit` holders across the views; a release lets the next one in', async () => {
    const { views, queued } = await make(3, 20);
    const held = await Promise.all([views[0].acquire(), views[1].acquire(), views[0].acquire()]);
    let fourth = false;
    const next = views[1].acquire().then((r) => ((fourth = true), r));
    await waitUntil(async () => (await queued()) === 1, 'the fourth caller waits');
    await turns();
    expect(fourth).toBe(false);
    held[1]();
    const got = await next;
    for (const r of [held[0], held[2], got]) r();
    let inside = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        views[i % 2].acquire().then(async (release) => {
          inside++;
          max = Math.max(max, inside);
          await turns(3);
          inside--;
          release();
        }),
      ),
    );
    expect(max).toBeLessThanOrEqual(3);
  });

  it('waiters are served first come, first served across the views', async () => {
    const { views, queued } = await make(1, 10);
    const first = await views[0].acquire();
    const order: number[] = [];
    const waiting: Promise<Release>[] = [];
    for (let i = 0; i < 5; i++) {
      waiting.push(views[i % 2].acquire().then((release) => (order.push(i), release)));
      await waitUntil(async () => (await queued()) === i + 1, `waiter ${i} queued`);
    }
    first();
    for (let i = 0; i < 5; i++) {
      const release = await waiting[i];
      expect(order).toEqual([...Array(i + 1).keys()]);
      release();
    }
  });

  it('a caller beyond the queue is refused at once with a retryable 4820; the queue keeps its place', async () => {
    const { views, queued } = await make(1, 2);
    const held = await views[0].acquire();
    const w1 = views[1].acquire();
    await waitUntil(async () => (await queued()) === 1, 'first waiter queued');
    const w2 = views[0].acquire();
    await waitUntil(async () => (await queued()) === 2, 'second waiter queued');
    await expect(views[1].acquire()).rejects.toSatisfy(is4820);
    await expect(views[0].acquire()).rejects.toSatisfy(is4820);
    held();
    (await w1)();
    (await w2)();
  });

  it('releasing twice is harmless: it frees one slot, not two', async () => {
    const { views, queued } = await make(1, 5);
    const a = await views[0].acquire();
    a();
    const b = await views[1].acquire();
    a(); // stale second release
    let got = false;
    const c = views[0].acquire().then((r) => ((got = true), r));
    await waitUntil(async () => (await queued()) === 1, 'waiter queued');
    await turns();
    expect(got).toBe(false);
    b();
    (await c)();
  });
}
