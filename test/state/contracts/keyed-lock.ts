/** The KeyedLock contract (duplicate-check and lookup-create serialisation), run against every implementation. */
import { expect, it } from 'vitest';
import type { KeyedLock } from '../../../src/state/lock.js';
import { turns, type Views } from './util.js';

/** A promise and its resolver, to order events without sleeping. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export function keyedLockContract(views: Views<KeyedLock>): void {
  const make = async () => (await views())[0];

  it('one holder per key at a time; other keys are independent', async () => {
    const lock = await make();
    const a = await lock.acquire(['k1']);
    let second = false;
    const waiting = lock.acquire(['k1']).then((u) => {
      second = true;
      return u;
    });
    const other = await lock.acquire(['k2']); // not blocked by k1
    await other();
    // Give the waiter every chance to (wrongly) get in: several macrotask turns.
    await turns();
    expect(second).toBe(false);
    await a();
    const b = await waiting;
    expect(second).toBe(true);
    await b();
  });

  it('holders of the same key run one after the other, in arrival order', async () => {
    const lock = await make();
    const order: number[] = [];
    let inside = 0;
    let maxInside = 0;
    const gate = deferred();
    const first = await lock.acquire(['same']);
    const runs = Array.from({ length: 8 }, (_, i) =>
      lock.acquire(['same']).then(async (unlock) => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        order.push(i);
        await new Promise((r) => setImmediate(r));
        inside--;
        await unlock();
      }),
    );
    gate.resolve();
    await first();
    await Promise.all(runs);
    expect(maxInside).toBe(1);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('several keys in opposite orders never deadlock; duplicates are ignored', async () => {
    const lock = await make();
    const runs = Array.from({ length: 20 }, (_, i) =>
      lock.acquire(i % 2 ? ['x', 'y', 'x'] : ['y', 'x']).then(async (unlock) => {
        await new Promise((r) => setImmediate(r));
        await unlock();
      }),
    );
    await Promise.all(runs);
    const again = await lock.acquire(['x', 'y']);
    await again();
  });

  it('unlocking twice is harmless and does not free the next holder early', async () => {
    const lock = await make();
    const a = await lock.acquire(['twice']);
    await a();
    const b = await lock.acquire(['twice']);
    await a(); // stale unlock of the previous holder
    let got = false;
    const c = lock.acquire(['twice']).then((u) => {
      got = true;
      return u;
    });
    await turns();
    expect(got).toBe(false);
    await b();
    await (await c)();
  });

  it('two views (replicas) exclude each other on a key, and both get through', async () => {
    const [a, b] = await views();
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? a : b).acquire(['same@example.com']).then(async (unlock) => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await turns(3);
          inside--;
          await unlock();
        }),
      ),
    );
    expect(maxInside).toBe(1);
  });

  it('an empty key list holds nothing', async () => {
    const lock = await make();
    const u = await lock.acquire([]);
    await u();
  });
}
