/**
 * A fair distributed semaphore (issue 20): at most `limit` v2 calls of one profile in flight across every
 * replica. Redis holds, per profile,
 *   holders  ZSET  slot id → lease expiry (ms, Redis clock)   — a slot whose replica died expires
 *   queue    ZSET  waiter id → ticket (INCR)                   — global first come, first served
 *   alive    ZSET  waiter id → expiry                          — waiters of a dead replica leave the queue
 *   ticket   counter
 * All changes run in Lua (atomic). A waiter takes a slot when its rank in the queue is below the free slots.
 * Holders and waiters are renewed every lease/3 by one timer per process; a release publishes an event so
 * waiting replicas try again at once, and each process also polls while it has waiters (lost events, expired
 * leases). Within one process only the first local waiter asks Redis: later ones cannot rank better.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { UpstreamError } from '../../errors.js';
import type { ConcurrencyLimiter, Release } from '../../zoho/limiter.js';
import type { RedisConnection } from './connection.js';

const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id, limit, lease, maxQueue, wttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, w in ipairs(dead) do redis.call('ZREM', KEYS[2], w) end
if #dead > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) end
local holders = redis.call('ZCARD', KEYS[1])
local rank = redis.call('ZRANK', KEYS[2], id)
if not rank then
  local queued = redis.call('ZCARD', KEYS[2])
  if queued == 0 and holders < limit then
    redis.call('ZADD', KEYS[1], now + lease, id)
    return {1, 0}
  end
  if queued >= maxQueue then return {-1, queued} end
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), id)
  rank = queued
end
if rank < limit - holders then
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZADD', KEYS[1], now + lease, id)
  return {1, 0}
end
redis.call('ZADD', KEYS[3], now + wttl, id)
return {0, rank}
`;

/** Remove a holder (ARGV[1]) or a waiter (ARGV[2]) and say so on the events channel. */
const RELEASE = `
local n = 0
if ARGV[1] ~= '' then n = redis.call('ZREM', KEYS[1], ARGV[1]) end
if ARGV[2] ~= '' then redis.call('ZREM', KEYS[2], ARGV[2]); redis.call('ZREM', KEYS[3], ARGV[2]) end
redis.call('PUBLISH', KEYS[4], ARGV[3])
return n
`;

/** Extend the leases of this process's holders and waiters (only those still present: XX). Returns lost holders. */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease, nh = tonumber(ARGV[1]), tonumber(ARGV[2])
local lost = 0
for i = 3, 2 + nh do
  if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + lease, ARGV[i]) == 0 and not redis.call('ZSCORE', KEYS[1], ARGV[i]) then lost = lost + 1 end
end
for i = 3 + nh, #ARGV do redis.call('ZADD', KEYS[3], 'XX', now + lease, ARGV[i]) end
return lost
`;

interface SemaphoreCommands {
  zbSemAcquire(holders: string, queue: string, alive: string, ticket: string, ...args: (string | number)[]): Promise<[number, number]>;
  zbSemRelease(holders: string, queue: string, alive: string, channel: string, ...args: string[]): Promise<number>;
  zbSemRenew(holders: string, queue: string, alive: string, ...args: (string | number)[]): Promise<number>;
}

/** Install the semaphore scripts on a connection (idempotent). */
export function defineSemaphoreCommands(client: Redis): void {
  if ((client as unknown as Partial<SemaphoreCommands>).zbSemAcquire) return;
  client.defineCommand('zbSemAcquire', { numberOfKeys: 4, lua: ACQUIRE });
  client.defineCommand('zbSemRelease', { numberOfKeys: 4, lua: RELEASE });
  client.defineCommand('zbSemRenew', { numberOfKeys: 3, lua: RENEW });
}

export interface RedisSemaphoreOptions {
  /** Profile name (messages). */
  profile: string;
  /**
   * The upstream the slots are of (zoho/identity.ts `scope`: API domain, client id, grant): Redis keys and events,
   * so two deployments whose profiles share a name never share slots. @default profile
   */
  scope?: string;
  /** Slots across all replicas (profiles[].concurrency). */
  limit: number;
  /** Waiters across all replicas; one more is refused with 4820 (profiles[].maxQueue). */
  maxQueue: number;
  /** This replica's name, the start of its slot ids (so an operator can see who holds what). */
  replicaId: string;
  /** A slot not renewed for this long is free again (its replica died). @default 15000 */
  leaseMs?: number;
  /** How often a process with waiters asks again without an event. @default 250 */
  pollMs?: number;
  /** Lost holders (lease expired while held: the process stalled longer than the lease). */
  onLostLease?: (count: number) => void;
}

interface Waiter {
  id: string;
  resolve: (release: Release) => void;
  reject: (error: Error) => void;
}

export class RedisSemaphore implements ConcurrencyLimiter {
  readonly limit: number;
  private readonly keys: { holders: string; queue: string; alive: string; ticket: string };
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly held = new Set<string>();
  private readonly waiters: Waiter[] = [];
  private seq = 0;
  private pumping = false;
  private pumpAgain = false;
  private renewTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly unlisten: () => void;
  private readonly commands: SemaphoreCommands;
  /** Keys and events: the upstream's scope, else the profile name. */
  private readonly scope: string;

  constructor(
    private readonly conn: RedisConnection,
    private readonly options: RedisSemaphoreOptions,
  ) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${options.limit}`);
    this.limit = options.limit;
    this.scope = options.scope ?? options.profile;
    const base = `${conn.prefix}sem:${this.scope}:`;
    this.keys = { holders: `${base}holders`, queue: `${base}queue`, alive: `${base}alive`, ticket: `${base}ticket` };
    this.leaseMs = options.leaseMs ?? 15_000;
    this.pollMs = options.pollMs ?? 250;
    defineSemaphoreCommands(conn.client);
    this.commands = conn.client as unknown as SemaphoreCommands;
    this.unlisten = conn.onMessage((m) => {
      if (m.kind === 'slot' && m.profile === this.scope && this.waiters.length > 0) this.pump();
    });
  }

  /** This replica's calls holding a slot. */
  get inFlight(): number {
    return this.held.size;
  }

  /** This replica's calls waiting for a slot. */
  get queued(): number {
    return this.waiters.length;
  }

  async acquire(): Promise<Release> {
    const id = `${this.options.replicaId}:${process.pid}:${randomBytes(4).toString('hex')}:${++this.seq}`;
    // While local waiters exist, a newcomer queues behind them (its ticket comes later anyway).
    const [state, rank] = await this.tryAcquire(id);
    if (state === 1) return this.holding(id);
    if (state === -1) {
      throw new UpstreamError(`profile ${this.options.profile}: ${rank} calls already queued for ${this.limit} upstream slots (all replicas)`, {
        reason: 'rate-limited',
        retryable: true,
      });
    }
    return new Promise<Release>((resolve, reject) => {
      this.waiters.push({ id, resolve, reject });
      this.schedule();
    });
  }

  /** Stop timers and listening; waiters are refused, held slots given back (best effort). */
  async close(): Promise<void> {
    this.unlisten();
    clearInterval(this.renewTimer);
    clearTimeout(this.pollTimer);
    const waiting = this.waiters.splice(0);
    for (const w of waiting) w.reject(new UpstreamError(`profile ${this.options.profile}: shutting down`, { retryable: true }));
    await Promise.all([
      ...waiting.map((w) => this.release('', w.id)),
      ...[...this.held].map((id) => this.release(id, '')),
    ]).catch(() => undefined);
    this.held.clear();
  }

  private tryAcquire(id: string): Promise<[number, number]> {
    const { holders, queue, alive, ticket } = this.keys;
    return this.conn.run('slot.acquire', async () => {
      const [state, rank] = await this.commands.zbSemAcquire(holders, queue, alive, ticket, id, this.limit, this.leaseMs, this.options.maxQueue, this.leaseMs);
      return [Number(state), Number(rank)] as [number, number];
    });
  }

  private release(holder: string, waiter: string): Promise<number> {
    const { holders, queue, alive } = this.keys;
    const event = JSON.stringify({ kind: 'slot', profile: this.scope });
    return this.conn.run('slot.release', () => this.commands.zbSemRelease(holders, queue, alive, this.conn.channel, holder, waiter, event));
  }

  private holding(id: string): Release {
    this.held.add(id);
    this.ensureRenewal();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(id);
      // The slot is free for everyone once Redis says so; a failed release expires with its lease.
      this.release(id, '')
        .catch(() => undefined)
        .finally(() => {
          if (this.waiters.length > 0) this.pump();
        });
      this.maybeStopRenewal();
    };
  }

  /** Ask Redis for the local waiters in order until one must keep waiting. One pump at a time. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          while (this.waiters.length > 0) {
            const head = this.waiters[0];
            let state: number;
            let rank: number;
            try {
              [state, rank] = await this.tryAcquire(head.id);
            } catch (error) {
              // Redis is gone: every local waiter is told why (4500), nobody waits for a state that may be lost.
              for (const w of this.waiters.splice(0)) w.reject(error as Error);
              break;
            }
            if (state === 0) break;
            this.waiters.shift();
            if (state === 1) head.resolve(this.holding(head.id));
            else {
              head.reject(
                new UpstreamError(`profile ${this.options.profile}: ${rank} calls already queued for ${this.limit} upstream slots (all replicas)`, {
                  reason: 'rate-limited',
                  retryable: true,
                }),
              );
            }
          }
        } while (this.pumpAgain && this.waiters.length > 0);
      } finally {
        this.pumping = false;
        this.schedule();
      }
    })();
  }

  /** Poll while there are waiters (events can be lost; a dead replica's slots only expire). */
  private schedule(): void {
    this.ensureRenewal();
    if (this.waiters.length === 0 || this.pollTimer) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      this.pump();
    }, this.pollMs);
    this.pollTimer.unref();
  }

  private ensureRenewal(): void {
    if (this.renewTimer) return;
    this.renewTimer = setInterval(() => this.renew(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
  }

  private maybeStopRenewal(): void {
    if (this.held.size === 0 && this.waiters.length === 0 && this.renewTimer) {
      clearInterval(this.renewTimer);
      this.renewTimer = undefined;
    }
  }

  private renew(): void {
    if (this.held.size === 0 && this.waiters.length === 0) return this.maybeStopRenewal();
    const { holders, queue, alive } = this.keys;
    const held = [...this.held];
    const waiting = this.waiters.map((w) => w.id);
    this.conn
      .run('slot.renew', () => this.commands.zbSemRenew(holders, queue, alive, this.leaseMs, held.length, ...held, ...waiting))
      .then((lost) => {
        if (Number(lost) > 0) this.options.onLostLease?.(Number(lost));
      })
      .catch(() => undefined); // Redis down: the next call reports it; leases simply run out
  }
}
