/**
 * One Redis connection pair per proxy process (ioredis): `client` for commands and Lua scripts, `sub` for the
 * events channel (slot released, lock released, token refused). Commands fail fast while Redis is unreachable
 * (no offline queue, nothing resent after a reconnect: a resent acquire could hold a slot twice) and become
 * SharedStateError (v1 4500). ioredis reconnects by itself; the health seen by /readyz and the metrics follows.
 */
import { Redis } from 'ioredis';
import { SharedStateError } from '../errors.js';

export interface RedisHealth {
  /** True while the command connection is ready. */
  up: boolean;
  /** Why it is not, secret-free (no URL, no password). */
  reason?: string;
  /** Epoch ms of the last change. */
  since: number;
}

export interface StateObserver {
  /** Each Redis round trip made for a legacy call: `op` is the component operation (`slot.acquire`, …). */
  onCommand?(e: { op: string; durationMs: number; ok: boolean }): void;
  /** The connection went up or down. */
  onHealth?(health: RedisHealth): void;
}

export interface RedisConnectionOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…`. */
  url: string;
  /** Prefix of every key and of the events channel. @default "zbridge:" */
  keyPrefix: string;
  /** A command not answered within this is failed. @default 2000 */
  commandTimeoutMs?: number;
  /** Connection attempt timeout. @default 2000 */
  connectTimeoutMs?: number;
  observer?: StateObserver;
}

/** The reason before the first answer or failure. */
const CONNECTING = 'connecting';

type Listener = (message: { kind: string; [k: string]: unknown }) => void;

export class RedisConnection {
  readonly client: Redis;
  readonly sub: Redis;
  readonly prefix: string;
  readonly channel: string;
  private health: RedisHealth = { up: false, reason: CONNECTING, since: Date.now() };
  private readonly listeners = new Set<Listener>();
  private readonly observer: StateObserver;
  private closed = false;

  constructor(options: RedisConnectionOptions) {
    this.prefix = options.keyPrefix;
    this.channel = `${options.keyPrefix}events`;
    this.observer = options.observer ?? {};
    const common = {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectTimeout: options.connectTimeoutMs ?? 2000,
      // Reconnect for ever, at most every second: the proxy must recover by itself when Redis returns.
      retryStrategy: (times: number) => Math.min(1000, 50 * times),
    };
    this.client = new Redis(options.url, { ...common, commandTimeout: options.commandTimeoutMs ?? 2000 });
    this.sub = new Redis(options.url, { ...common, enableOfflineQueue: true });
    this.client.on('ready', () => this.setHealth(true));
    // The reason is the cause (ECONNREFUSED, WRONGPASS …): the `close` that follows each failed attempt is its
    // consequence and keeps it, so an outage is one reason, not two alternating ones per reconnect.
    this.client.on('error', (error: Error) => this.setHealth(false, describe(error)));
    this.client.on('close', () => this.setHealth(false, this.health.up || this.health.reason === CONNECTING ? 'connection closed' : this.health.reason));
    this.client.on('reconnecting', () => this.setHealth(false, this.health.reason ?? 'reconnecting'));
    this.sub.on('error', () => undefined); // the command connection reports; avoid unhandled 'error' events
    this.sub.on('message', (_channel: string, text: string) => {
      let message: { kind: string };
      try {
        message = JSON.parse(text) as { kind: string };
      } catch {
        return;
      }
      for (const l of this.listeners) {
        try {
          l(message);
        } catch {
          /* a listener's failure is its own */
        }
      }
    });
  }

  /** Connect both connections; rejects (SharedStateError) when Redis cannot be reached at start. */
  async connect(): Promise<void> {
    try {
      await Promise.all([this.client.connect(), this.sub.connect()]);
      await this.sub.subscribe(this.channel);
    } catch (error) {
      throw new SharedStateError(`shared state (Redis) unreachable at start: ${this.cause(error)}`, error);
    }
  }

  status(): RedisHealth {
    return { ...this.health };
  }

  /** Listen to messages on the events channel. Returns the unsubscriber. */
  onMessage(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Publish on the events channel (best effort: a lost message only delays a waiter until its next poll). */
  publish(message: { kind: string; [k: string]: unknown }): void {
    this.client.publish(this.channel, JSON.stringify(message)).catch(() => undefined);
  }

  /** Run one Redis operation of component `op`; any failure becomes SharedStateError naming `op` and the cause. */
  async run<T>(op: string, work: (r: Redis) => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await work(this.client);
      this.observer.onCommand?.({ op, durationMs: performance.now() - started, ok: true });
      return result;
    } catch (error) {
      this.observer.onCommand?.({ op, durationMs: performance.now() - started, ok: false });
      // While the connection is down, ioredis only says its stream is not writeable: the cause is the health's.
      throw new SharedStateError(`shared state (Redis) unavailable for ${op}: ${this.cause(error)}`, error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await Promise.all([this.client.quit().catch(() => this.client.disconnect()), this.sub.quit().catch(() => this.sub.disconnect())]);
  }

  /**
   * Why `error` happened, secret-free: while the connection is down ioredis only says "Connection is closed" or
   * that its stream is not writeable; the cause (ECONNREFUSED, WRONGPASS …) is the health's reason.
   */
  private cause(error: unknown): string {
    return !this.health.up && this.health.reason && this.health.reason !== CONNECTING && this.health.reason !== 'connection closed'
      ? this.health.reason
      : describe(error);
  }

  private setHealth(up: boolean, reason?: string): void {
    if (this.closed) return;
    const changed = up !== this.health.up || (!up && reason !== this.health.reason);
    if (!changed) return;
    this.health = { up, reason: up ? undefined : reason, since: Date.now() };
    try {
      this.observer.onHealth?.(this.status());
    } catch {
      /* observers are best-effort */
    }
  }
}

/** A short, secret-free description of a Redis/network error (never the URL, which may carry a password). */
export function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { name?: string };
  if (e?.code && typeof e.code === 'string') return e.code;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return message.replace(/rediss?:\/\/\S+/g, 'redis://…').slice(0, 200);
}
