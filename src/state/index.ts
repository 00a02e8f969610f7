/**
 * The state a proxy shares with its other replicas, chosen by config `state.kind`:
 * - `memory` (default): everything inside this process — tokens in the configured TokenStore (memory or file),
 *   the in-process Semaphore and RollingCreditMeter, an in-process lock and caches. `npm start` needs nothing.
 * - `redis`: tokens, concurrency slots, credits, the credits-exhausted stop, lookup and note-parent caches and
 *   the duplicate-check locks live in one Redis (state/redis/), so N replicas behave as one proxy towards Zoho.
 *   When Redis is unreachable calls are refused with v1 4500 (never served with per-process limits), /readyz
 *   and the metrics say why, and everything resumes by itself when Redis is back.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FileTokenStore, MemoryTokenStore, type TokenStore } from '../zoho/tokens.js';
import { RollingCreditMeter, Semaphore, type ConcurrencyLimiter, type CreditMeter } from '../zoho/limiter.js';
import type { NoteParentStore } from '../zoho/records.js';
import { NOTE_PARENT_TTL_MS, noteParentStore, type SharedCache } from './cache.js';
import { MemoryKeyedLock, type KeyedLock } from './lock.js';
import type { AttachmentIndex } from './attachments.js';
import type { RedisHealth, StateObserver } from './redis/connection.js';
import type { RedisSemaphore } from './redis/semaphore.js';

export type { KeyedLock, Unlock } from './lock.js';
export type { SharedCache } from './cache.js';
export type { RedisHealth, StateObserver } from './redis/connection.js';
export { SharedStateError } from './errors.js';

/** Config section `state` (see config.ts for defaults). */
export interface StateConfig {
  kind: 'memory' | 'redis';
  /** Redis URL (env ZBRIDGE_REDIS_URL); required with kind redis. */
  url?: string;
  /** Prefix of every Redis key; different deployments on one Redis need different prefixes. */
  keyPrefix: string;
  /** Lease of a concurrency slot, renewed every third of it while held; a dead replica's slots free after it. */
  slotLeaseMs: number;
  /** Lease of a duplicate-check lock, renewed likewise. */
  lockLeaseMs: number;
  /** A Redis command not answered within this fails the call (4500). */
  commandTimeoutMs: number;
}

export interface ProfileLimits {
  /** Profile name (messages). */
  name: string;
  /**
   * The upstream's identity (zoho/identity.ts `scope`): what shared slots and credits are keyed by, so two
   * deployments or orgs whose profiles share a name never share them. @default name
   */
  scope?: string;
  concurrency: number;
  maxQueue: number;
  creditsPerDay?: number;
}

export interface StateStatus {
  kind: 'memory' | 'redis';
  ok: boolean;
  /** Why not, secret-free. */
  reason?: string;
  /** Epoch ms of the last change (redis). */
  since?: number;
}

export interface SharedState {
  readonly kind: 'memory' | 'redis';
  /** This replica's name (journal directory, slot ids, logs). */
  readonly replicaId: string;
  readonly tokenStore: TokenStore;
  /** Duplicate-check locks. */
  readonly locks: KeyedLock;
  /** Shared name → id lookup cache; undefined = each process keeps its own. */
  readonly lookupCache?: SharedCache;
  limiter(profile: ProfileLimits): ConcurrencyLimiter;
  /** The credits of a profile: its budget and its credits-exhausted stop (every replica stops at once with Redis). */
  credits(profile: ProfileLimits, now?: () => number): CreditMeter;
  /** Shared Notes-parent answers of an upstream (its identity `scope`, zoho/identity.ts); undefined = in-process only. */
  noteParents(scope: string): NoteParentStore | undefined;
  /** The attachment map shared by replicas; undefined = each process keeps its own (beside its journal). */
  readonly attachments?: AttachmentIndex;
  status(): StateStatus;
  close(): Promise<void>;
}

export interface CreateStateOptions {
  /** Where memory state keeps tokens (config `tokenStore`). */
  tokenStore?: { kind: 'memory' | 'file'; path: string };
  replicaId?: string;
  observer?: StateObserver;
  /** Start-up could not reach Redis (the proxy starts anyway and answers 4500 until it can). */
  onWarning?: (message: string) => void;
}

/** The default replica name: the host name (containers: the container id), cut to journal-safe characters. */
export function defaultReplicaId(): string {
  return safeReplicaId(hostname()) || 'replica';
}

/** `[\w.-]`, at most 64 characters: it names a directory. */
export function safeReplicaId(id: string): string {
  return id.replace(/[^\w.-]/g, '_').replace(/^\.+/, '_').slice(0, 64);
}

/**
 * The journal directory of a process: `journal.dir` itself (`''` = journal off), or with shared (Redis) state,
 * where several replicas may write to one volume, `journal.dir/<replicaId>` — each replica its own files, merged
 * by time when `zbridge report` / `replay` read `journal.dir`. One rule for `serve` and `config check`.
 */
export function replicaJournalDir(journalDir: string, kind: 'memory' | 'redis', replicaId: string): string {
  if (!journalDir) return '';
  return kind === 'redis' ? join(journalDir, replicaId) : journalDir;
}

/** A Redis URL for display: the password (and a user name) as `***`; an unparseable URL is not shown. */
export function maskedRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.username) u.username = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export async function createSharedState(config: StateConfig, options: CreateStateOptions = {}): Promise<SharedState> {
  const replicaId = safeReplicaId(options.replicaId ?? defaultReplicaId());
  if (config.kind === 'memory') return memoryState(replicaId, options);
  if (!config.url) throw new RangeError('state.url is required with state.kind "redis"');
  // Loaded only when used: `npm start` with in-process state does not pay for the Redis client.
  const [{ RedisConnection }, { RedisTokenStore }, { RedisKeyedLock }, { RedisSemaphore }, { RedisCache }, { RedisCreditMeter }, { RedisAttachmentIndex }] = await Promise.all([
    import('./redis/connection.js'),
    import('./redis/tokens.js'),
    import('./redis/lock.js'),
    import('./redis/semaphore.js'),
    import('./redis/cache.js'),
    import('./redis/credits.js'),
    import('./redis/attachments.js'),
  ]);
  const conn = new RedisConnection({
    url: config.url,
    keyPrefix: config.keyPrefix,
    commandTimeoutMs: config.commandTimeoutMs,
    observer: options.observer,
  });
  try {
    await conn.connect();
  } catch (error) {
    // Keep starting: ioredis keeps reconnecting, calls answer 4500 and /readyz 503 until Redis is there.
    options.onWarning?.((error as Error).message);
  }
  const tokenStore = new RedisTokenStore(conn);
  const locks = new RedisKeyedLock(conn, { namespace: 'dup', leaseMs: config.lockLeaseMs });
  const semaphores: RedisSemaphore[] = [];
  const meters: CreditMeter[] = [];
  const lookupCache = new RedisCache(conn, 'lookup', 300_000);
  return {
    kind: 'redis',
    replicaId,
    tokenStore,
    locks,
    lookupCache,
    attachments: new RedisAttachmentIndex(conn),
    limiter(p) {
      const s = new RedisSemaphore(conn, { profile: p.name, scope: p.scope, limit: p.concurrency, maxQueue: p.maxQueue, replicaId, leaseMs: config.slotLeaseMs });
      semaphores.push(s);
      return s;
    },
    credits(p, now) {
      const meter = new RedisCreditMeter(conn, p.scope ?? p.name, p.creditsPerDay, now);
      meters.push(meter);
      return meter;
    },
    noteParents: (scope) => noteParentStore(new RedisCache(conn, `note-parent:${scope}`, NOTE_PARENT_TTL_MS)),
    status(): StateStatus {
      const h: RedisHealth = conn.status();
      return { kind: 'redis', ok: h.up, since: h.since, ...(h.reason ? { reason: h.reason } : {}) };
    },
    async close() {
      await Promise.all(semaphores.map((s) => s.close()));
      for (const m of meters) m.close?.();
      locks.close();
      tokenStore.close();
      await conn.close();
    },
  };
}

function memoryState(replicaId: string, options: CreateStateOptions): SharedState {
  const ts = options.tokenStore;
  const tokenStore: TokenStore = ts?.kind === 'file' ? new FileTokenStore(ts.path) : new MemoryTokenStore();
  return {
    kind: 'memory',
    replicaId,
    tokenStore,
    locks: new MemoryKeyedLock(),
    limiter: (p) => new Semaphore(p.concurrency, p.maxQueue, p.name),
    credits: (p, now) => new RollingCreditMeter(p.creditsPerDay, now),
    noteParents: () => undefined,
    status: () => ({ kind: 'memory', ok: true }),
    close: async () => undefined,
  };
}
