/**
 * OAuth access tokens shared by every replica (Zoho keeps at most 30 live access tokens per refresh token and
 * silently revokes the oldest): one key per credential with the token's own expiry, a refresh lock so only one
 * replica refreshes (the others re-read the stored token after the lock), and a refused token deleted by
 * compare-and-delete and announced on the events channel so every replica drops its in-process copy at once.
 * The announcement carries a hash of the token, never the token.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RefreshFailure, StoredToken, TokenStore } from '../../zoho/tokens.js';
import type { RedisConnection } from './connection.js';
import { RedisKeyedLock } from './lock.js';

const DELETE_IF = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if ARGV[1] ~= '' and cjson.decode(cur).accessToken ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

interface TokenCommands {
  zbTokenDelete(key: string, onlyIf: string): Promise<number>;
}

/** Short hash of an access token, for events and comparisons (never the token itself). */
export const tokenHash = (accessToken: string): string => createHash('sha256').update(accessToken).digest('hex').slice(0, 32);

export class RedisTokenStore implements TokenStore {
  readonly shared = true;
  private readonly commands: TokenCommands;
  private readonly lock: RedisKeyedLock;

  /** @param refreshLockMs lease of the refresh lock (a refresh with its retries must fit). @default 60000 */
  constructor(
    private readonly conn: RedisConnection,
    refreshLockMs = 60_000,
  ) {
    const c = conn.client as unknown as Partial<TokenCommands>;
    if (!c.zbTokenDelete) conn.client.defineCommand('zbTokenDelete', { numberOfKeys: 1, lua: DELETE_IF });
    this.commands = conn.client as unknown as TokenCommands;
    this.lock = new RedisKeyedLock(conn, { namespace: 'token-refresh', leaseMs: refreshLockMs, maxWaitMs: 2 * refreshLockMs });
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const text = await this.conn.run('token.get', (r: Redis) => r.get(this.redisKey(key)));
    if (text === null) return undefined;
    try {
      const t = JSON.parse(text) as StoredToken;
      return typeof t.accessToken === 'string' && typeof t.apiDomain === 'string' && typeof t.expiresAt === 'number' ? t : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, token: StoredToken): Promise<void> {
    const ttl = Math.max(1000, Math.floor(token.expiresAt - Date.now()));
    const value = JSON.stringify({ accessToken: token.accessToken, apiDomain: token.apiDomain, expiresAt: token.expiresAt });
    // A fresh token closes every replica's refresh breaker.
    await this.conn.run('token.set', (r) => r.multi().set(this.redisKey(key), value, 'PX', ttl).del(this.failureKey(key)).exec());
  }

  async refreshFailure(key: string): Promise<RefreshFailure | undefined> {
    const text = await this.conn.run('token.failure', (r) => r.get(this.failureKey(key)));
    if (text === null) return undefined;
    try {
      const f = JSON.parse(text) as RefreshFailure;
      return typeof f.message === 'string' && typeof f.reason === 'string' && typeof f.until === 'number' && typeof f.backoffMs === 'number' ? f : undefined;
    } catch {
      return undefined;
    }
  }

  async noteRefreshFailure(key: string, failure: RefreshFailure): Promise<void> {
    const ttl = Math.max(1, Math.ceil(failure.until - Date.now()));
    const value = JSON.stringify({
      message: failure.message,
      reason: failure.reason,
      until: failure.until,
      backoffMs: failure.backoffMs,
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      ...(failure.v2Code !== undefined ? { v2Code: failure.v2Code } : {}),
    });
    await this.conn.run('token.failure', (r) => r.set(this.failureKey(key), value, 'PX', ttl));
  }

  async delete(key: string, onlyIf?: string): Promise<void> {
    await this.conn.run('token.delete', () => this.commands.zbTokenDelete(this.redisKey(key), onlyIf ?? ''));
    if (onlyIf !== undefined) this.conn.publish({ kind: 'token-refused', key, hash: tokenHash(onlyIf) });
  }

  /** Run `work` while holding the refresh lock of `key` (one refresh across all replicas). */
  async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const unlock = await this.lock.acquire([key]);
    try {
      return await work();
    } finally {
      await unlock();
    }
  }

  /** Called with (key, token hash) when any replica found a token refused. */
  onRefused(listener: (key: string, accessTokenHash: string) => void): () => void {
    return this.conn.onMessage((m) => {
      if (m.kind === 'token-refused' && typeof m.key === 'string' && typeof m.hash === 'string') listener(m.key, m.hash);
    });
  }

  close(): void {
    this.lock.close();
  }

  private redisKey(key: string): string {
    return `${this.conn.prefix}${key}`;
  }

  private failureKey(key: string): string {
    return `${this.conn.prefix}${key}:refresh-failure`;
  }
}
