/**
 * A real redis-server for tests (Debian package `redis-server`; .ci/run installs it): started on a free
 * loopback port with no persistence in a temp dir, stopped (and restarted on the same port) on demand.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_BINARY = process.env.REDIS_SERVER ?? 'redis-server';

/**
 * True when redis-server can be run here. Without it the Redis tests are skipped with a message — except where
 * ZBRIDGE_REQUIRE_REDIS=1 (.ci/run sets it): CI must run them, so a missing binary fails the run.
 */
export const hasRedis = spawnSync(REDIS_BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasRedis && process.env.ZBRIDGE_REQUIRE_REDIS === '1') {
  throw new Error(`${REDIS_BINARY} not found, and ZBRIDGE_REQUIRE_REDIS=1: the Redis tests must run (apt-get install redis-server)`);
}
if (!hasRedis) console.warn(`skipping Redis tests: ${REDIS_BINARY} not found (apt-get install redis-server)`);

/** A free loopback port (redis cannot listen on port 0): bind one, read it, let it go. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  url: string;
  port: number;
  /** Stop it (SIGTERM, wait for exit). Its data is gone: no persistence. */
  stop(): Promise<void>;
  /** Start it again on the same port. */
  start(): Promise<void>;
  /** Stop and remove the temp dir. */
  close(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'zbridge-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;

  const launch = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const c = spawn(
        REDIS_BINARY,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      c.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()).slice(-2000));
      const onExit = (code: number | null) => reject(new Error(`redis-server exited (${code}) before it was ready: ${err.slice(-500)}`));
      c.once('exit', onExit);
      child = c;
      // Ready = it answers PING (no log parsing).
      waitForPing(port).then(
        () => {
          c.off('exit', onExit);
          resolve();
        },
        (error: Error) => {
          c.kill('SIGKILL');
          reject(error);
        },
      );
    });

  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }

  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async start() {
      if (child) return;
      // The port was just freed; another process could take it in between, which would fail loudly here.
      await launch();
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolve once PING answers PONG, rejecting after about 20 s. */
async function waitForPing(port: number): Promise<void> {
  const { Redis } = await import('ioredis');
  for (let i = 0; i < 200; i++) {
    const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    r.on('error', () => undefined);
    try {
      await r.connect();
      if ((await r.ping()) === 'PONG') {
        r.disconnect();
        return;
      }
    } catch {
      /* not yet */
    }
    r.disconnect();
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`redis on port ${port} did not answer PING`);
}
