/**
 * Small shared caches: name → id lookup resolutions and the remembered modules of Notes parents. Keys are
 * hashed (lookup keys hold names and e-mails); values are record ids and module api_names.
 */
import { createHash } from 'node:crypto';
import type { SharedCache } from '../cache.js';
import type { RedisConnection } from './connection.js';

export class RedisCache implements SharedCache {
  /**
   * @param namespace  key namespace (`lookup`, `note-parent:<profile>`)
   * @param defaultTtlMs lifetime when set() gives none
   */
  constructor(
    private readonly conn: RedisConnection,
    private readonly namespace: string,
    private readonly defaultTtlMs: number,
  ) {}

  get(key: string): Promise<string | undefined> {
    return this.conn.run(`${this.op()}.get`, async (r) => (await r.get(this.redisKey(key))) ?? undefined);
  }

  async set(key: string, value: string, ttlMs = this.defaultTtlMs): Promise<void> {
    if (ttlMs <= 0) return;
    await this.conn.run(`${this.op()}.set`, (r) => r.set(this.redisKey(key), value, 'PX', Math.ceil(ttlMs)));
  }

  private op(): string {
    return this.namespace.split(':')[0];
  }

  private redisKey(key: string): string {
    return `${this.conn.prefix}${this.namespace}:${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
  }
}
