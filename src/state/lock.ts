/**
 * Keyed mutual exclusion for duplicate-checked inserts (v1 `duplicateCheck=1`): two calls inserting the same
 * duplicate-check value must not both search, find nothing, and both insert. The bridge holds the keys of a
 * call — one per (profile, v2 module, normalised value) — from the duplicate pre-check until its writes are
 * answered. In-process by default; `RedisKeyedLock` (state/redis/lock.ts) serialises across replicas.
 */

/** Gives the keys back; calling it more than once is harmless. Never rejects. */
export type Unlock = () => Promise<void>;

export interface KeyedLock {
  /**
   * Hold every key of `keys` (duplicates ignored). Keys are taken in sorted order, so two callers that share
   * several keys never deadlock. Resolves once all are held; waiters for one key are served first come, first
   * served. Rejects (nothing held) when the lock cannot be taken: the shared store is unreachable
   * (`SharedStateError`, v1 4500) or waiting exceeded the lock's bound.
   */
  acquire(keys: readonly string[]): Promise<Unlock>;
}

/**
 * The lock key of one duplicate-check value: the upstream's scope (zoho/identity.ts, ProfileRuntime.scope: two orgs
 * never share a lock), v2 module api_name and the value as v2 search compares it.
 */
export function duplicateLockKey(scope: string, module: string, normalisedValue: string): string {
  return `dup\u0000${scope}\u0000${module}\u0000${normalisedValue}`;
}

/**
 * The lock key of a lookup-by-name creation (policy `create`: the Account a Contact names is created when it does
 * not exist): the upstream's scope, v2 module api_name and the name as v2 search compares it (trimmed, lower-case). Held from
 * the re-check to the created record's id being cached, so replicas create one record per name.
 */
export function lookupCreateLockKey(scope: string, module: string, normalisedName: string): string {
  return `create\u0000${scope}\u0000${module}\u0000${normalisedName}`;
}

/** In-process KeyedLock: one FIFO chain per key; a key with no holder and no waiter keeps no memory. */
export class MemoryKeyedLock implements KeyedLock {
  /** key → the promise the next comer waits for (resolved when the current holder lets go). */
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(keys: readonly string[]): Promise<Unlock> {
    const sorted = [...new Set(keys)].sort();
    const releases: (() => void)[] = [];
    for (const key of sorted) releases.push(await this.take(key));
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      for (const release of releases.reverse()) release();
    };
  }

  /** Number of keys held or waited for (tests: nothing may be left behind). */
  get size(): number {
    return this.tails.size;
  }

  private async take(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      // Last in line: drop the key so the map does not grow with every value ever inserted.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
