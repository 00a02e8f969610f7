/**
 * The log lines about the shared state (Redis) being reachable or not: once per real change, never once per
 * reconnect attempt. While Redis is down ioredis retries about once a second and reports every attempt; the
 * lines an operator needs are: when it went down and why, each new cause during the outage (ECONNREFUSED, then
 * WRONGPASS after a restart with another password …, each said once), a reminder every `reminderMs` while it
 * lasts, and when it is back with how long it was down.
 */
import type { RedisHealth } from '../state/index.js';
import type { Logger } from './logger.js';

/** While the shared state stays unreachable, it is said again this often. @default 5 minutes */
export const STATE_REMINDER_MS = 5 * 60_000;

export interface StateHealthLogOptions {
  /** @default STATE_REMINDER_MS */
  reminderMs?: number;
  /** Clock, epoch ms. @default Date.now */
  now?: () => number;
}

export class StateHealthLog {
  /** Epoch ms the current outage began; undefined while up (or before the first report). */
  private downSince: number | undefined;
  /** Causes already logged in this outage. */
  private readonly said = new Set<string>();
  private lastReason = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly reminderMs: number;
  private readonly now: () => number;

  constructor(
    private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>,
    options: StateHealthLogOptions = {},
  ) {
    this.reminderMs = options.reminderMs ?? STATE_REMINDER_MS;
    this.now = options.now ?? Date.now;
  }

  /** Told every health report of the connection (RedisConnection reports changes of `up` and of `reason`). */
  onHealth(h: RedisHealth): void {
    if (h.up) {
      if (this.downSince === undefined) return;
      const downMs = this.now() - this.downSince;
      this.reset();
      this.logger.info({ state: 'redis', downMs }, 'shared state reachable again: serving');
      return;
    }
    const reason = h.reason ?? 'unreachable';
    this.lastReason = reason;
    if (this.said.has(reason)) return;
    this.said.add(reason);
    if (this.downSince === undefined) {
      this.downSince = this.now();
      this.logger.error({ state: 'redis', reason }, 'shared state unreachable: calls answer 4500 until it is back');
      this.timer = setInterval(() => this.remind(), this.reminderMs);
      this.timer.unref();
    } else {
      this.logger.error({ state: 'redis', reason, downMs: this.now() - this.downSince }, 'shared state still unreachable, another cause');
    }
  }

  /** The periodic reminder (public for tests with a fake clock). */
  remind(): void {
    if (this.downSince === undefined) return;
    this.logger.error({ state: 'redis', reason: this.lastReason, downMs: this.now() - this.downSince }, 'shared state still unreachable: calls answer 4500');
  }

  close(): void {
    this.reset();
  }

  private reset(): void {
    this.downSince = undefined;
    this.said.clear();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
