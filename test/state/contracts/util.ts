/** Helpers of the state contracts: ordering without sleeping, and polling with a generous bound. */

/** Let other work run for several macrotask turns (to give a wrong waiter every chance to get in). */
export async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** Poll a condition until it holds (no fixed sleeps as synchronisation); fails after a generous bound. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what = 'condition', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Every contract takes a factory of VIEWS on one shared state: two "replicas" (two Redis connections, two file
 * stores on one file) or, for an in-process implementation, the same object twice — what one view does, the
 * other must see.
 */
export type Views<T> = () => Promise<[T, T]>;
