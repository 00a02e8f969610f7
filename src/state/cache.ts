/**
 * String caches with per-entry lifetimes: the name → id lookup cache and the Notes-parent memory. Shared by
 * replicas when backed by Redis (state/redis/cache.ts), in-process otherwise (MemoryCache).
 */
import type { NoteParentStore } from '../zoho/records.js';

/** A string cache with per-entry lifetimes, shared by replicas when it is backed by Redis. */
export interface SharedCache {
  /** The value, or undefined when absent or expired. Rejects with SharedStateError when the store is unreachable. */
  get(key: string): Promise<string | undefined>;
  /** Store `value` for `ttlMs` milliseconds (<= 0: nothing stored; default: the cache's own lifetime). */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
}

/** In-process SharedCache: bounded (oldest entry evicted first), entries expire by the given clock. */
export class MemoryCache implements SharedCache {
  private readonly entries = new Map<string, { value: string; expires: number }>();

  /**
   * @param defaultTtlMs lifetime when set() gives none (ms)
   * @param maxEntries   entries kept, oldest evicted beyond. @default 10000
   * @param now          clock, epoch ms. @default Date.now
   */
  constructor(
    private readonly defaultTtlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    if (hit) this.entries.delete(key);
    return undefined;
  }

  async set(key: string, value: string, ttlMs = this.defaultTtlMs): Promise<void> {
    if (!(ttlMs > 0)) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, expires: this.now() + ttlMs });
  }

  /** Entries held (tests: memory stays bounded). */
  get size(): number {
    return this.entries.size;
  }
}

/** Lifetime of a remembered Notes parent: Notes usually follow their record soon; older parents are probed again. */
export const NOTE_PARENT_TTL_MS = 24 * 3600_000;

/** The Notes-parent memory (record id → module api_name) kept in a cache. */
export function noteParentStore(cache: SharedCache): NoteParentStore {
  return { get: (id) => cache.get(id), set: (id, module) => cache.set(id, module, NOTE_PARENT_TTL_MS) };
}
