/**
 * The zbridge proxy as its own process, upstream = a sandbox process reached like a Zoho data centre (explicit
 * accountsUrl/apiDomain), journal in a temporary directory (as in production; `"journalDir": ""` = in memory),
 * log level silent, code from the measured build (bench/lib/code.ts: dist/ unless ZBRIDGE_BENCH_CODE=src). Argument: JSON `{ sandboxUrl, clientId, clientSecret, refreshToken, authtoken,
 * concurrency?, journalDir?, redisUrl?, replicaId? }` (redisUrl: shared state on that Redis, as a replica).
 * Prints `{"url"}` when listening; on SIGTERM prints `{"stateOps"}` (Redis round trips by operation: count and
 * summed ms, from the metrics) when shared, then closes gracefully.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeModule } from '../lib/code.js';

// The measured build (bench/lib/code.ts): dist unless ZBRIDGE_BENCH_CODE=src.
const { parseConfig } = await codeModule<typeof import('../../src/config.js')>('config.js');
const { startProxy } = await codeModule<typeof import('../../src/server/index.js')>('server/index.js');

interface Options {
  sandboxUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  authtoken: string;
  concurrency?: number;
  journalDir?: string;
  redisUrl?: string;
  replicaId?: string;
}
const o = JSON.parse(process.argv[2] ?? '{}') as Options;
const tmp = o.journalDir === undefined ? mkdtempSync(join(tmpdir(), 'zbridge-bench-journal-')) : undefined;
const config = parseConfig({
  port: 0,
  host: '127.0.0.1',
  upstream: 'zoho',
  logLevel: 'silent',
  journal: { dir: tmp ?? o.journalDir ?? '' },
  profiles: [
    {
      name: 'bench',
      authtokens: [o.authtoken],
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      refreshToken: o.refreshToken,
      accountsUrl: o.sandboxUrl,
      apiDomain: o.sandboxUrl,
      timeZone: 'America/Toronto',
      concurrency: o.concurrency ?? 10,
    },
  ],
  ...(o.redisUrl ? { state: { kind: 'redis', url: o.redisUrl, keyPrefix: 'bench:' }, replicaId: o.replicaId } : {}),
});
const proxy = await startProxy(config, { defaultMetrics: false });
console.log(JSON.stringify({ url: proxy.url, journal: tmp ? 'tmp dir' : o.journalDir ? 'dir' : 'memory' }));
process.once('SIGTERM', () => {
  void (async () => {
    if (o.redisUrl) {
      // Redis round trips by operation, from the histogram's _count and _sum series.
      const ops: Record<string, { count: number; ms: number }> = {};
      for (const v of (await proxy.metrics.stateDuration.get()).values) {
        const op = String(v.labels.op);
        const entry = (ops[op] ??= { count: 0, ms: 0 });
        if (v.metricName?.endsWith('_count')) entry.count += v.value;
        if (v.metricName?.endsWith('_sum')) entry.ms += v.value * 1000;
      }
      let calls = 0;
      for (const v of (await proxy.metrics.calls.get()).values) calls += v.value;
      console.log(JSON.stringify({ stateOps: ops, calls }));
    }
    await proxy.close();
  })().finally(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    process.exit(0);
  });
});
