/**
 * What only sharing adds to the Redis implementations of the state interfaces, against a real redis-server:
 * leases of dead holders, outages. The interface contracts themselves run in contracts-redis.test.ts.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import { RedisTokenStore } from '../../src/state/redis/tokens.js';
import { TokenManager } from '../../src/zoho/oauth.js';
import { RedisConnection } from '../../src/state/redis/connection.js';
import { RedisCreditMeter } from '../../src/state/redis/credits.js';
import { RedisKeyedLock } from '../../src/state/redis/lock.js';
import { RedisSemaphore } from '../../src/state/redis/semaphore.js';
import { SharedStateError } from '../../src/state/errors.js';
import { legacyErrorOf } from '../../src/mapping/results.js';
import { hasRedis, startRedis, type TestRedis } from './redis-server.js';

let redis: TestRedis;
const connections: RedisConnection[] = [];
let prefixSeq = 0;

/** A connection ("replica") on a fresh key prefix per test, so tests do not see each other's keys. */
async function connect(prefix = `t${++prefixSeq}:`): Promise<RedisConnection> {
  const conn = new RedisConnection({ url: redis.url, keyPrefix: prefix });
  await conn.connect();
  connections.push(conn);
  return conn;
}

describe.skipIf(!hasRedis)('Redis shared state', () => {
  beforeAll(async () => {
    redis = await startRedis();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await redis?.close();
  });

  describe('RedisKeyedLock', () => {
    it("a dead holder's lock frees after its lease", async () => {
      const prefix = `dl${++prefixSeq}:`;
      const dead = new RedisKeyedLock(await connect(prefix), { leaseMs: 600 });
      await dead.acquire(['k']);
      dead.close(); // stops renewing, never unlocks: a killed replica
      const alive = new RedisKeyedLock(await connect(prefix), { leaseMs: 600, pollMs: 50 });
      const unlock = await alive.acquire(['k']);
      await unlock();
      alive.close();
    });
  });

  describe('RedisSemaphore', () => {
    it("a dead replica's slots come back after the lease; a live holder keeps its slot by renewing", async () => {
      const prefix = `ls${++prefixSeq}:`;
      const dead = new RedisSemaphore(await connect(prefix), { profile: 'p', limit: 2, maxQueue: 10, replicaId: 'dead', leaseMs: 900 });
      const live = new RedisSemaphore(await connect(prefix), { profile: 'p', limit: 2, maxQueue: 10, replicaId: 'live', leaseMs: 900, pollMs: 50 });
      await dead.acquire();
      const kept = await live.acquire();
      // Kill "dead": its timers stop, its slot is never released.
      (dead as unknown as { renewTimer?: NodeJS.Timeout }).renewTimer && clearInterval((dead as unknown as { renewTimer: NodeJS.Timeout }).renewTimer);
      (dead as unknown as { held: Set<string> }).held.clear();
      const got = await live.acquire(); // waits for the dead slot's lease
      const holders = await connections.at(-1)!.client.zrange(`${prefix}sem:p:holders`, 0, -1);
      expect(holders.every((h) => h.startsWith('live:'))).toBe(true);
      expect(holders).toHaveLength(2); // the renewed slot survived several lease lengths of waiting
      kept();
      got();
      await live.close();
    });
  });

  describe('token refresh across replicas', () => {
    it('a refused refresh on one replica: the others keep its backoff instead of asking the token server again', async () => {
      let posts = 0;
      const server = createServer((req, res) => {
        posts++;
        req.resume();
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"error":"invalid_code"}');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const profile = { id: 'p', clientId: '1000.C', clientSecret: 's', refreshToken: '1000.r.r', accountsUrl: url, apiDomain: url };
      const prefix = `rf${++prefixSeq}:`;
      const managers = [
        new TokenManager(profile, new RedisTokenStore(await connect(prefix)), { failureBackoffMs: 600_000 }),
        new TokenManager(profile, new RedisTokenStore(await connect(prefix)), { failureBackoffMs: 600_000 }),
        new TokenManager(profile, new RedisTokenStore(await connect(prefix)), { failureBackoffMs: 600_000 }),
      ];
      try {
        await expect(managers[0].getToken()).rejects.toThrow(/refused: invalid_code/);
        expect(posts).toBe(1);
        for (const m of managers.slice(1)) {
          await expect(m.getToken()).rejects.toSatisfy((e: unknown) => e instanceof UpstreamError && e.reason === 'oauth-refused' && /invalid_code/.test(e.message));
          expect(m.health()).toMatchObject({ ok: false });
        }
        expect(posts).toBe(1);
      } finally {
        for (const m of managers) m.close();
        server.close();
      }
    });
  });

  describe('outage', () => {
    it('while Redis is down every operation rejects with SharedStateError (4500); it recovers by itself', async () => {
      const own = await startRedis();
      try {
        const conn = new RedisConnection({ url: own.url, keyPrefix: 'o:', commandTimeoutMs: 500 });
        await conn.connect();
        connections.push(conn);
        const sem = new RedisSemaphore(conn, { profile: 'p', limit: 1, maxQueue: 5, replicaId: 'x' });
        const meter = new RedisCreditMeter(conn, 'p', 1000);
        const lock = new RedisKeyedLock(conn);
        (await sem.acquire())();
        await own.stop();
        await waitUntil(async () => !conn.status().up);
        for (const attempt of [() => sem.acquire(), () => meter.reserve(1), () => lock.acquire(['k'])]) {
          await expect(attempt()).rejects.toSatisfy((e: unknown) => e instanceof SharedStateError && legacyErrorOf(e).code === '4500');
        }
        expect(conn.status().reason).toBeTruthy();
        await own.start();
        await waitUntil(async () => conn.status().up);
        (await sem.acquire())();
        expect(await meter.reserve(1)).toBe(true);
        await (await lock.acquire(['k']))();
        await sem.close();
        lock.close();
      } finally {
        await own.close();
      }
    }, 60_000);
  });
});

/** Poll a condition (no fixed sleeps as synchronisation); fails after a generous bound. */
async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}
