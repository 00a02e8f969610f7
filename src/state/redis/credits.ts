/**
 * The credits of one profile shared by every replica — the budget and the credits-exhausted stop, one owner
 * (zoho/limiter.ts CreditMeter):
 *
 * - Budget: one Redis hash per profile of per-minute buckets (field = minute index, value = credits), summed and
 *   pruned inside one Lua call, so a reservation and the budget check are atomic across replicas. As in memory
 *   (RollingCreditMeter), a reservation's time is rounded UP to the next minute, so a bucket leaves the window at
 *   most a minute late and never early: the budget is never overspent. Without a budget nothing is kept and a
 *   reservation costs no round trip.
 * - Stop: one key per profile holding the epoch ms until which no replica may call v2 (with that expiry). The
 *   reservation script refuses while it is set, so a replica that has not heard of another's stop yet cannot
 *   spend. `stoppedUntil()` is synchronous (read before every call): each replica keeps the value in memory,
 *   refreshed by the `credit-stop` event a replica publishes when it stops or resumes, by every reservation's
 *   answer, and by a poll once a second (lost events, a Redis that restarted).
 */
import type { Redis } from 'ioredis';
import { CREDIT_BUCKET_MS, DAY_MS, type CreditMeter } from '../../zoho/limiter.js';
import type { RedisConnection } from './connection.js';

/**
 * KEYS: credits hash, stop key. ARGV: now ms, credits (negative: refund; 0: read), budget (-1 = none).
 * Returns {granted (1/0), used after, stopped-until ms (0 = none)}.
 */
const RESERVE = `
local now, credits, budget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local stop = tonumber(redis.call('GET', KEYS[2]) or '0')
if stop <= now then stop = 0 end
local bucket = math.ceil(now / ${CREDIT_BUCKET_MS})
local all = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #all, 2 do
  if tonumber(all[i]) * ${CREDIT_BUCKET_MS} <= now - ${DAY_MS} then redis.call('HDEL', KEYS[1], all[i]) else total = total + tonumber(all[i + 1]) end
end
if credits > 0 and (stop > 0 or (budget >= 0 and total + credits > budget)) then return {0, total, stop} end
if credits < 0 then
  -- Take a refund back from the newest buckets (the reservation being refunded is among them).
  local left = -credits
  local fields = {}
  for i = 1, #all, 2 do if tonumber(all[i]) * ${CREDIT_BUCKET_MS} > now - ${DAY_MS} then fields[#fields + 1] = tonumber(all[i]) end end
  table.sort(fields, function(a, b) return a > b end)
  for _, f in ipairs(fields) do
    if left <= 0 then break end
    local have = tonumber(redis.call('HGET', KEYS[1], f) or '0')
    local take = math.min(have, left)
    if take >= have then redis.call('HDEL', KEYS[1], f) else redis.call('HINCRBY', KEYS[1], f, -take) end
    left = left - take
    total = total - take
  end
elseif credits > 0 then
  redis.call('HINCRBY', KEYS[1], bucket, credits)
  total = total + credits
  redis.call('PEXPIRE', KEYS[1], ${DAY_MS + 2 * CREDIT_BUCKET_MS})
end
return {1, total, stop}
`;

/** Keep the later of the stored and the given time. KEYS: stop key. ARGV: until ms, now ms. */
const STOP = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local untilMs, now = tonumber(ARGV[1]), tonumber(ARGV[2])
if untilMs > cur and untilMs > now then redis.call('SET', KEYS[1], ARGV[1], 'PX', untilMs - now) end
return 1
`;

const POLL_MS = 1000;

interface CreditCommands {
  zbCredits(creditsKey: string, stopKey: string, now: number, credits: number, budget: number): Promise<[number, number, number]>;
  zbCreditStop(key: string, untilMs: number, now: number): Promise<number>;
}

function define(client: Redis): CreditCommands {
  const c = client as unknown as Partial<CreditCommands>;
  if (!c.zbCredits) client.defineCommand('zbCredits', { numberOfKeys: 2, lua: RESERVE });
  if (!c.zbCreditStop) client.defineCommand('zbCreditStop', { numberOfKeys: 1, lua: STOP });
  return client as unknown as CreditCommands;
}

export class RedisCreditMeter implements CreditMeter {
  private readonly key: string;
  private readonly stopKey: string;
  private readonly commands: CreditCommands;
  /** This replica's copy of the shared stop. */
  private local: number | undefined;
  /** Local stop/resume writes not yet confirmed by Redis: a refresh must not undo them. */
  private writing = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly unlisten: () => void;

  /**
   * @param profile the upstream's scope (zoho/identity.ts: API domain, client id, grant), or a profile name: Redis
   *                keys and events, so the credits are the org's, never shared by two orgs' same-named profiles
   * @param budget  credits per rolling 24 h; undefined = no local budget (nothing kept; profiles[].creditsPerDay)
   * @param now     clock, epoch ms (buckets are per replica clock: skew of seconds does not matter at minute grain)
   */
  constructor(
    private readonly conn: RedisConnection,
    private readonly profile: string,
    readonly budget: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (budget !== undefined && !(budget >= 0)) throw new RangeError(`creditsPerDay must be >= 0, got ${budget}`);
    this.key = `${conn.prefix}credits:${profile}`;
    this.stopKey = `${conn.prefix}credit-stop:${profile}`;
    this.commands = define(conn.client);
    this.unlisten = conn.onMessage((m) => {
      if (m.kind === 'credit-stop' && m.profile === profile) this.refresh();
    });
    this.timer = setInterval(() => this.refresh(), POLL_MS);
    this.timer.unref();
    this.refresh();
  }

  async reserve(credits: number): Promise<boolean> {
    // Without a budget only the stop counts, and this replica's copy of it was checked by the caller already.
    if (this.budget === undefined) return this.stoppedUntil() === undefined;
    const [granted, , stop] = await this.run('credits.reserve', credits);
    this.learn(stop);
    return Number(granted) === 1;
  }

  async refund(credits: number): Promise<void> {
    if (this.budget === undefined) return;
    await this.run('credits.refund', -credits);
  }

  async used(): Promise<number> {
    if (this.budget === undefined) return 0;
    const [, total, stop] = await this.run('credits.used', 0);
    this.learn(stop);
    return Math.max(0, Number(total));
  }

  async remaining(): Promise<number | undefined> {
    return this.budget === undefined ? undefined : Math.max(0, this.budget - (await this.used()));
  }

  stoppedUntil(): number | undefined {
    if (this.local !== undefined && this.local <= this.now()) this.local = undefined;
    return this.local;
  }

  stop(epochMs: number): void {
    if (this.local === undefined || epochMs > this.local) this.local = epochMs;
    this.write(() => this.commands.zbCreditStop(this.stopKey, Math.floor(epochMs), this.now()));
  }

  resume(): void {
    this.local = undefined;
    this.write((r) => r.del(this.stopKey));
  }

  close(): void {
    clearInterval(this.timer);
    this.unlisten();
  }

  private run(op: string, credits: number): Promise<[number, number, number]> {
    return this.conn.run(op, () => this.commands.zbCredits(this.key, this.stopKey, this.now(), credits, this.budget ?? -1));
  }

  /** A stop Redis reported with a reservation (another replica's, not heard of yet). */
  private learn(stop: number): void {
    const until = Number(stop);
    if (this.writing === 0 && until > 0 && (this.local === undefined || until > this.local)) this.local = until;
  }

  private write(work: (r: Redis) => Promise<unknown>): void {
    this.writing++;
    this.conn
      .run('credit-stop.set', work)
      .then(() => this.conn.publish({ kind: 'credit-stop', profile: this.profile }))
      .catch(() => undefined) // Redis down: calls fail with 4500 anyway; this replica keeps its own stop
      .finally(() => this.writing--);
  }

  private refresh(): void {
    if (this.writing > 0) return;
    this.conn
      .run('credit-stop.get', (r) => r.get(this.stopKey))
      .then((value) => {
        if (this.writing > 0) return;
        const until = value === null ? undefined : Number(value);
        this.local = until !== undefined && Number.isFinite(until) && until > this.now() ? until : undefined;
      })
      .catch(() => undefined);
  }
}
