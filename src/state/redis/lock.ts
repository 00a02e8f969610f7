/**
 * KeyedLock across replicas: one Redis key per lock key (`SET NX PX` with a random owner token), released by
 * compare-and-delete, leases renewed every lease/3 while held so a slow v2 insert keeps its lock and a dead
 * replica's lock expires. In-process waiters queue on a MemoryKeyedLock first (first come, first served, one
 * Redis attempt per key at a time); across replicas a waiter retries when a release event arrives, or polls.
 * Lock keys are hashed, so duplicate-check values (e-mails, names) are not stored in Redis in clear.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { MemoryKeyedLock, type KeyedLock, type Unlock } from '../lock.js';
import { SharedStateError } from '../errors.js';
import type { RedisConnection } from './connection.js';

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', KEYS[2], ARGV[2])
  return 1
end
return 0
`;
const RENEW = `
local n = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('PEXPIRE', KEYS[i], ARGV[2]); n = n + 1 end
end
return n
`;

interface LockCommands {
  zbLockRelease(key: string, channel: string, token: string, event: string): Promise<number>;
  zbLockRenew(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
}

function define(client: Redis): LockCommands {
  const c = client as unknown as Partial<LockCommands>;
  if (!c.zbLockRelease) {
    client.defineCommand('zbLockRelease', { numberOfKeys: 2, lua: RELEASE });
    client.defineCommand('zbLockRenew', { lua: RENEW }); // number of keys given per call
  }
  return client as unknown as LockCommands;
}

export interface RedisKeyedLockOptions {
  /** Namespace inside the key prefix (`dup`, `token` …). @default "lock" */
  namespace?: string;
  /** A lock not renewed for this long is free again (its replica died). @default 30000 */
  leaseMs?: number;
  /** Longest wait for one acquire; beyond → SharedStateError (4500). @default 120000 */
  maxWaitMs?: number;
  /** Poll interval while waiting for another replica's lock (events usually come first). @default 100 */
  pollMs?: number;
}

export class RedisKeyedLock implements KeyedLock {
  private readonly local = new MemoryKeyedLock();
  private readonly commands: LockCommands;
  private readonly leaseMs: number;
  private readonly maxWaitMs: number;
  private readonly pollMs: number;
  private readonly namespace: string;
  /** Redis key → wake-ups of local waiters for it. */
  private readonly wake = new Map<string, Set<() => void>>();
  /** Redis keys held by this process → owner token. */
  private readonly held = new Map<string, string>();
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly unlisten: () => void;

  constructor(
    private readonly conn: RedisConnection,
    options: RedisKeyedLockOptions = {},
  ) {
    this.namespace = options.namespace ?? 'lock';
    this.leaseMs = options.leaseMs ?? 30_000;
    this.maxWaitMs = options.maxWaitMs ?? 120_000;
    this.pollMs = options.pollMs ?? 100;
    this.commands = define(conn.client);
    this.unlisten = conn.onMessage((m) => {
      if (m.kind !== 'unlock' || typeof m.key !== 'string') return;
      for (const w of this.wake.get(m.key) ?? []) w();
    });
  }

  async acquire(keys: readonly string[]): Promise<Unlock> {
    const sorted = [...new Set(keys)].sort();
    const localUnlock = await this.local.acquire(sorted);
    const taken: { key: string; token: string }[] = [];
    try {
      const deadline = Date.now() + this.maxWaitMs;
      for (const key of sorted) taken.push(await this.take(this.redisKey(key), deadline));
    } catch (error) {
      await this.releaseAll(taken);
      await localUnlock();
      throw error;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      await this.releaseAll(taken);
      await localUnlock();
    };
  }

  close(): void {
    this.unlisten();
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }

  private redisKey(key: string): string {
    return `${this.conn.prefix}${this.namespace}:${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
  }

  private async take(key: string, deadline: number): Promise<{ key: string; token: string }> {
    const token = randomBytes(12).toString('hex');
    for (;;) {
      const ok = await this.conn.run('lock.acquire', (r) => r.set(key, token, 'PX', this.leaseMs, 'NX'));
      if (ok === 'OK') {
        this.held.set(key, token);
        this.ensureRenewal();
        return { key, token };
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new SharedStateError(`waited ${this.maxWaitMs} ms for a ${this.namespace} lock held by another replica`);
      await this.waitFor(key, Math.min(left, this.pollMs));
    }
  }

  /** Resolve on the key's release event or after `ms`. */
  private waitFor(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.wake.get(key) ?? new Set();
      this.wake.set(key, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.wake.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  private async releaseAll(taken: { key: string; token: string }[]): Promise<void> {
    for (const { key, token } of taken.reverse()) {
      this.held.delete(key);
      // A release Redis did not get expires with its lease.
      await this.conn
        .run('lock.release', () => this.commands.zbLockRelease(key, this.conn.channel, token, JSON.stringify({ kind: 'unlock', key })))
        .catch(() => undefined);
    }
    if (this.held.size === 0) {
      clearInterval(this.renewTimer);
      this.renewTimer = undefined;
    }
  }

  private ensureRenewal(): void {
    if (this.renewTimer) return;
    this.renewTimer = setInterval(() => {
      // One round trip per owner token would be simplest; tokens differ per key, so renew key by key in one pipeline.
      const entries = [...this.held];
      if (entries.length === 0) return;
      void Promise.all(
        entries.map(([key, token]) =>
          this.conn.run('lock.renew', () => this.commands.zbLockRenew(1, key, token, this.leaseMs)).catch(() => undefined),
        ),
      );
    }, Math.max(100, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
  }
}
