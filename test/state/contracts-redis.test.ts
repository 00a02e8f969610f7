/**
 * The state contracts (test/state/contracts/) against the Redis implementations on a real redis-server (started
 * on a loopback port by this file, stopped after it) — the same suites contracts-memory.test.ts runs in process.
 * Two views = two connections ("replicas") on one key prefix; each test gets a fresh prefix.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { noteParentStore } from '../../src/state/cache.js';
import { RedisCache } from '../../src/state/redis/cache.js';
import { RedisConnection } from '../../src/state/redis/connection.js';
import { RedisCreditMeter } from '../../src/state/redis/credits.js';
import { RedisKeyedLock } from '../../src/state/redis/lock.js';
import { RedisSemaphore } from '../../src/state/redis/semaphore.js';
import { RedisTokenStore } from '../../src/state/redis/tokens.js';
import { RedisAttachmentIndex } from '../../src/state/redis/attachments.js';
import { attachmentIndexContract } from './contracts/attachments.js';
import { noteParentStoreContract, sharedCacheContract } from './contracts/cache.js';
import { creditMeterContract } from './contracts/credit-meter.js';
import { keyedLockContract } from './contracts/keyed-lock.js';
import { limiterContract } from './contracts/limiter.js';
import { tokenStoreContract } from './contracts/token-store.js';
import { hasRedis, startRedis, type TestRedis } from './redis-server.js';

let redis: TestRedis;
const closers: (() => unknown)[] = [];
let seq = 0;

/** Two connections on one fresh key prefix. */
async function pair(): Promise<[RedisConnection, RedisConnection, string]> {
  const prefix = `c${++seq}:`;
  const conns = [new RedisConnection({ url: redis.url, keyPrefix: prefix }), new RedisConnection({ url: redis.url, keyPrefix: prefix })];
  await Promise.all(conns.map((c) => c.connect()));
  for (const c of conns) closers.push(() => c.close());
  return [conns[0], conns[1], prefix];
}

function track<T extends { close(): unknown }>(x: T): T {
  closers.unshift(() => x.close()); // before the connections
  return x;
}

describe.skipIf(!hasRedis)('state contracts: Redis', () => {
  beforeAll(async () => {
    redis = await startRedis();
  }, 60_000);
  afterAll(async () => {
    for (const close of closers) await close();
    await redis?.close();
  });

  describe('TokenStore: RedisTokenStore', () =>
    tokenStoreContract(async () => {
      const [a, b] = await pair();
      return [track(new RedisTokenStore(a)), track(new RedisTokenStore(b))];
    }));
  describe('ConcurrencyLimiter: RedisSemaphore', () =>
    limiterContract(async (limit, maxQueue) => {
      const [a, b, prefix] = await pair();
      const make = (conn: RedisConnection, replicaId: string) =>
        track(new RedisSemaphore(conn, { profile: 'p', limit, maxQueue, replicaId, pollMs: 30 }));
      return { views: [make(a, 'ra'), make(b, 'rb')], queued: () => a.client.zcard(`${prefix}sem:p:queue`) };
    }));
  describe('CreditMeter: RedisCreditMeter', () =>
    creditMeterContract(async (budget, now) => {
      const [a, b] = await pair();
      return [track(new RedisCreditMeter(a, 'p', budget, now)), track(new RedisCreditMeter(b, 'p', budget, now))];
    }));
  describe('lookup cache: RedisCache', () =>
    sharedCacheContract(async () => {
      const [a, b] = await pair();
      return [new RedisCache(a, 'lookup', 300_000), new RedisCache(b, 'lookup', 300_000)];
    }));
  describe('note-parent store: RedisCache', () =>
    noteParentStoreContract(async () => {
      const [a, b] = await pair();
      return [noteParentStore(new RedisCache(a, 'note-parent:p', 300_000)), noteParentStore(new RedisCache(b, 'note-parent:p', 300_000))];
    }));
  describe('attachment map: RedisAttachmentIndex', () => {
    const conns = new WeakMap<object, RedisConnection>();
    attachmentIndexContract(
      async () => {
        const [a, b] = await pair();
        const first = new RedisAttachmentIndex(a);
        conns.set(first, b);
        return [first, new RedisAttachmentIndex(b)];
      },
      (index) => new RedisAttachmentIndex(conns.get(index)!), // another process: the data is in Redis
    );
  });
  describe('KeyedLock: RedisKeyedLock', () =>
    keyedLockContract(async () => {
      const [a, b] = await pair();
      return [track(new RedisKeyedLock(a, { leaseMs: 10_000, pollMs: 20 })), track(new RedisKeyedLock(b, { leaseMs: 10_000, pollMs: 20 }))];
    }));
});
