/**
 * Breaker finding 16: while Redis is down every reconnect attempt (about one a second) used to report two
 * alternating reasons (ECONNREFUSED, then "connection closed"), each logged at error level. The connection's health
 * now changes only on a real change (the `close` after a failed attempt keeps its cause), the log says each change
 * once with a reminder every few minutes, and the real cause (WRONGPASS …) reaches /readyz and the errors instead
 * of ioredis' "Stream isn't writeable".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisConnection, type RedisHealth } from '../../src/state/redis/connection.js';
import { StateHealthLog } from '../../src/server/state-log.js';
import { parseConfig } from '../../src/config.js';
import { startProxy, type RunningProxy } from '../../src/server/index.js';
import { createLogger } from '../../src/server/logger.js';
import { MemoryJournal } from '../../src/journal/file-journal.js';
import { DEMO_CLIENT, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { hasRedis, startRedis, type TestRedis } from './redis-server.js';
import { waitUntil } from './contracts/util.js';

const PASSWORD = 'R3disP4ss!word';

/** A logger that keeps its lines. */
function memoryLogger() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => void lines.push({ level, obj, msg });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } as never };
}

describe('StateHealthLog: once per real change, a reminder while it lasts', () => {
  const down = (reason: string): RedisHealth => ({ up: false, reason, since: 0 });
  const up: RedisHealth = { up: true, since: 0 };

  it('an outage with causes that alternate on every reconnect is said once per cause, then only reminded', () => {
    let now = 1_000;
    const { lines, logger } = memoryLogger();
    const log = new StateHealthLog(logger, { now: () => now, reminderMs: 300_000 });
    // 60 reconnect attempts, the old alternation.
    for (let i = 0; i < 60; i++) {
      log.onHealth(down(i % 2 === 0 ? 'ECONNREFUSED' : 'connection closed'));
      now += 500;
    }
    expect(lines.map((l) => [l.level, l.obj.reason])).toEqual([
      ['error', 'ECONNREFUSED'],
      ['error', 'connection closed'],
    ]);
    log.remind();
    expect(lines.at(-1)).toMatchObject({ level: 'error', msg: expect.stringContaining('still unreachable'), obj: { reason: 'connection closed', downMs: 30_000 } });
    log.onHealth(up);
    log.onHealth(up);
    expect(lines.filter((l) => l.level === 'info')).toEqual([expect.objectContaining({ obj: { state: 'redis', downMs: 30_000 } })]);
    log.remind(); // nothing while up
    expect(lines).toHaveLength(4);
    // A new outage is said again.
    log.onHealth(down('ECONNREFUSED'));
    expect(lines).toHaveLength(5);
    log.close();
  });

  it('being up from the start says nothing', () => {
    const { lines, logger } = memoryLogger();
    const log = new StateHealthLog(logger);
    log.onHealth(up);
    expect(lines).toEqual([]);
    log.close();
  });
});

describe.skipIf(!hasRedis)('a real Redis going away', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  }, 60_000);
  afterAll(() => redis?.close());

  it('while it is down the health changes once (not on every reconnect attempt); back up once', async () => {
    const reports: RedisHealth[] = [];
    const conn = new RedisConnection({ url: redis.url, keyPrefix: 'health:', observer: { onHealth: (h) => reports.push(h) } });
    let attempts = 0;
    conn.client.on('reconnecting', () => attempts++);
    await conn.connect();
    try {
      await waitUntil(async () => conn.status().up, 'connected');
      const before = reports.length;
      await redis.stop();
      // Several reconnect attempts, each refused.
      await waitUntil(async () => attempts >= 6, 'six reconnect attempts', 60_000);
      const during = reports.slice(before);
      // Down (closed), then its cause (refused): at most these two, whatever the number of attempts.
      expect(during.length, JSON.stringify(during)).toBeLessThanOrEqual(2);
      expect(during.every((h) => !h.up)).toBe(true);
      expect(conn.status().reason).toBe('ECONNREFUSED');
      // A command names the cause, not ioredis' offline-queue text.
      const error = await conn.run('token.get', (r) => r.get('x')).catch((e: Error) => e);
      expect(String((error as Error).message)).toContain('ECONNREFUSED');
      expect(String((error as Error).message)).not.toContain("Stream isn't writeable");

      await redis.start();
      await waitUntil(async () => conn.status().up, 'reconnected', 60_000);
      expect(reports.slice(before + during.length).filter((h) => h.up)).toHaveLength(1);
    } finally {
      await conn.close();
    }
  }, 120_000);

  describe('with a password', () => {
    let sandbox: RunningSandbox;
    let proxy: RunningProxy | undefined;
    beforeAll(async () => {
      const admin = new Redis(redis.url);
      await admin.config('SET', 'requirepass', PASSWORD);
      admin.disconnect();
      sandbox = await startSandbox();
    });
    afterAll(async () => {
      await proxy?.close();
      await sandbox?.close();
      const admin = new Redis(`redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${redis.port}`);
      await admin.config('SET', 'requirepass', '').catch(() => undefined);
      admin.disconnect();
    });

    it('a wrong password is the reason in the health, the errors and /readyz (and the password is never shown)', async () => {
      const url = `redis://:not-${encodeURIComponent(PASSWORD)}@127.0.0.1:${redis.port}`;
      const conn = new RedisConnection({ url, keyPrefix: 'health:' });
      let attempts = 0;
      conn.client.on('reconnecting', () => attempts++);
      const start = await conn.connect().catch((e: Error) => e);
      expect(String(start)).toMatch(/WRONGPASS/);
      await waitUntil(async () => attempts >= 3, 'three reconnect attempts', 60_000);
      expect(conn.status()).toMatchObject({ up: false, reason: expect.stringMatching(/^WRONGPASS/) });
      const error = await conn.run('token.get', (r) => r.get('x')).catch((e: Error) => e);
      expect((error as Error).message).toMatch(/unavailable for token\.get: WRONGPASS/);
      await conn.close();

      const config = parseConfig({
        port: 0,
        host: '127.0.0.1',
        upstream: 'zoho',
        profiles: [{ name: 'p', authtokens: ['tok'], clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, refreshToken: DEMO_CLIENT.refreshToken, accountsUrl: sandbox.url, apiDomain: sandbox.url, timeZone: 'UTC' }],
        state: { kind: 'redis', url },
        journal: { dir: '' },
      });
      proxy = await startProxy(config, { journal: new MemoryJournal(), defaultMetrics: false, logger: createLogger('silent') });
      const ready = await fetch(`${proxy.url}/readyz`);
      const text = await ready.text();
      expect(ready.status).toBe(503);
      const body = JSON.parse(text) as { state: { reason: string } };
      expect(body.state.reason).toMatch(/^WRONGPASS/);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain("Stream isn't writeable");
    }, 120_000);
  });
});
