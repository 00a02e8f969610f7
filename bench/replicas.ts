/**
 * Benchmark 5 — replicas on Redis (issue 20): the 200-client load of benchmark 4 spread over three proxy
 * processes that share tokens, the 10 concurrency slots and credits through one real redis-server, against the
 * same sandbox (10 concurrent requests per user+client, 20 ms per write). Compared in the same run with one
 * proxy process on in-process state:
 *  - throughput as a share of the limit-bound 10 / 0.020 s = 500 req/s, 4820s / 429s reaching clients, and the
 *    sandbox's peak concurrency (must stay ≤ 10: the replicas together respect the limit);
 *  - the p50 latency Redis adds per call, at low load (4 clients, no queueing): p50(replica on Redis) −
 *    p50(in-process state), plus Redis round trips per call and their mean time from the replicas' metrics.
 * Needs `redis-server` (Debian package). Run alone: `npx tsx bench/replicas.ts [--quick]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { updateResultsSection } from './lib/results.js';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startRedis, hasRedis, type TestRedis } from '../test/state/redis-server.js';
import { benchDir, runJsonChild, startServerChild, type ServerChild } from './lib/child.js';
import { fmt, isQuick, mdTable, percentile, type BenchOptions, type BenchSection } from './lib/measure.js';
import { legacyFormBody, legacyPath, makePayload } from './lib/payloads.js';
import type { LoadResult, LoadSpec } from './loadgen.js';

const SETUP = { sandboxLimit: 10, concurrency: 10, clients: 200, lowClients: 4, latencyMs: 20, replicas: 3 } as const;
const AUTHTOKEN = 'bench0replicas0authtoken000000000';

interface ProxyStop {
  stateOps?: Record<string, { count: number; ms: number }>;
  calls?: number;
}

export async function runReplicas(options: BenchOptions): Promise<{ section: BenchSection }> {
  if (!hasRedis) {
    return {
      section: {
        title: '6. Replicas on Redis',
        markdown: 'Skipped: `redis-server` is not installed.',
        verdicts: ['INFO: replicas benchmark skipped (no redis-server)'],
        verdictMatch: /^(MET|MISSED|INFO): (3 replicas on Redis|Redis adds|replicas benchmark)/,
      },
    };
  }
  const payload = makePayload('leads', 1);
  const dir = join(benchDir, 'out', 'replicas');
  mkdirSync(dir, { recursive: true });
  const bodyFile = join(dir, 'legacy-1.txt');
  writeFileSync(bodyFile, legacyFormBody(payload, AUTHTOKEN));
  const warmupMs = options.quick ? 1000 : 2000;
  const durationMs = options.quick ? 4000 : 10_000;
  const load = (urls: string[], connections: number): Promise<LoadResult> =>
    runJsonChild<LoadResult>(join(benchDir, 'loadgen.ts'), [
      JSON.stringify({
        url: urls[0],
        urls,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        bodyFile,
        connections,
        warmupMs,
        durationMs,
        expect: 'legacy',
      } satisfies LoadSpec),
    ]);

  let redis: TestRedis | undefined;
  const servers: ServerChild[] = [];
  let sandboxStop: Record<string, unknown> = {};
  const stops: ProxyStop[] = [];
  let memLow: LoadResult, memHigh: LoadResult, redisLow: LoadResult, redisHigh: LoadResult;
  let isolated = { p50Ms: NaN, p99Ms: NaN };
  try {
    redis = await startRedis();
    isolated = await isolatedRedisPerCall(redis.url, options.quick ? 1000 : 3000);
    const sandbox = await startServerChild(join(benchDir, 'servers', 'sandbox.ts'), [JSON.stringify({ concurrencyLimit: SETUP.sandboxLimit, latencyMs: SETUP.latencyMs })]);
    servers.push(sandbox);
    const s = sandbox.info as ServerChild['info'] & { clientId: string; clientSecret: string; refreshToken: string };
    const proxyArgs = (extra: Record<string, unknown>) => [
      JSON.stringify({ sandboxUrl: s.url, clientId: s.clientId, clientSecret: s.clientSecret, refreshToken: s.refreshToken, authtoken: AUTHTOKEN, concurrency: SETUP.concurrency, ...extra }),
    ];
    const path = legacyPath(payload);

    // Baseline: one process, in-process state.
    const single = await startServerChild(join(benchDir, 'servers', 'proxy.ts'), proxyArgs({}));
    memLow = await load([`${single.info.url}${path}`], SETUP.lowClients);
    memHigh = await load([`${single.info.url}${path}`], SETUP.clients);
    await single.stop();

    // Three replicas on one Redis.
    const replicas = await Promise.all(
      Array.from({ length: SETUP.replicas }, (_, i) => startServerChild(join(benchDir, 'servers', 'proxy.ts'), proxyArgs({ redisUrl: redis!.url, replicaId: `bench-${i + 1}` }))),
    );
    servers.push(...replicas);
    redisLow = await load([`${replicas[0].info.url}${path}`], SETUP.lowClients);
    redisHigh = await load(replicas.map((r) => `${r.info.url}${path}`), SETUP.clients);
    for (const r of replicas) stops.push(...((await r.stop()) as ProxyStop[]));
    servers.splice(servers.indexOf(replicas[0]), replicas.length);
  } finally {
    for (const server of servers.reverse()) {
      const lines = await server.stop();
      sandboxStop = lines.find((l) => 'statuses' in l) ?? sandboxStop;
    }
    await redis?.close();
  }

  const limitBound = SETUP.sandboxLimit / (SETUP.latencyMs / 1000);
  const ops: Record<string, { count: number; ms: number }> = {};
  let calls = 0;
  for (const st of stops) {
    calls += st.calls ?? 0;
    for (const [op, v] of Object.entries(st.stateOps ?? {})) {
      const e = (ops[op] ??= { count: 0, ms: 0 });
      e.count += v.count;
      e.ms += v.ms;
    }
  }
  const totalOps = Object.values(ops).reduce((n, v) => n + v.count, 0);
  const totalMs = Object.values(ops).reduce((n, v) => n + v.ms, 0);
  const addedP50 = redisLow!.p50Ms - memLow!.p50Ms;
  const peak = Number(sandboxStop.concurrencyPeak ?? NaN);
  const grants = (sandboxStop.tokenGrants as { refresh_token?: number } | undefined)?.refresh_token;
  const errors = (r: LoadResult) => Object.entries(r.legacyErrors).map(([c, n]) => `${c}×${n}`).join(', ') || '0';
  const row = (label: string, r: LoadResult) => [
    label,
    r.requests.toLocaleString('en-US'),
    fmt(r.rps, 0),
    `${fmt((100 * r.rps) / limitBound)}%`,
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 1),
    r.legacyErrors['4820'] ?? 0,
    r.statuses['429'] ?? 0,
    errors(r),
  ];
  console.log(
    `replicas: 1 process ${fmt(memHigh!.rps, 0)} req/s, 3 replicas on Redis ${fmt(redisHigh!.rps, 0)} req/s of ${limitBound}; ` +
      `added p50 ${fmt(addedP50, 2)} ms; peak ${peak}; Redis ${fmt(totalOps / Math.max(1, calls), 2)} round trips/call`,
  );
  const table = mdTable(
    ['setup', 'answers', 'req/s', 'of limit-bound', 'p50 ms', 'p99 ms', '4820 to clients', 'HTTP 429 to clients', 'legacy errors'],
    [
      row(`1 process, in-process state, ${SETUP.lowClients} clients`, memLow!),
      row(`3 replicas on Redis, ${SETUP.lowClients} clients on one`, redisLow!),
      row(`1 process, in-process state, ${SETUP.clients} clients`, memHigh!),
      row(`3 replicas on Redis, ${SETUP.clients} clients over all`, redisHigh!),
    ],
  );
  const opsTable = mdTable(
    ['Redis operation', 'round trips', 'per legacy call', 'mean µs'],
    Object.entries(ops)
      .sort((a, b) => b[1].count - a[1].count)
      .map(([op, v]) => [op, v.count.toLocaleString('en-US'), fmt(v.count / Math.max(1, calls), 2), fmt((1000 * v.ms) / Math.max(1, v.count), 0)]),
  );
  const share = redisHigh!.rps / limitBound;
  const markdown =
    `Same sandbox process for every run: \`concurrencyLimit: ${SETUP.sandboxLimit}\`, \`faults: { latencyMs: ${SETUP.latencyMs}, onlyWrites: true }\`; ` +
    `one real \`redis-server\` (no persistence) on loopback. Proxies: profile concurrency ${SETUP.concurrency} (with Redis: across all replicas), ` +
    `journal in a tmp dir, logLevel silent; each replica is its own process. Load: keep-alive connections sending 1-row Leads inserts back to ` +
    `back for ${durationMs / 1000} s after a ${warmupMs / 1000} s warm-up, spread round robin over the replicas (one load-generator process). ` +
    `Limit-bound maximum = ${SETUP.sandboxLimit} / ${SETUP.latencyMs / 1000} s = ${limitBound} req/s. ` +
    `"Added p50" = p50 of a replica on Redis − p50 of the in-process proxy, both at ${SETUP.lowClients} clients (no queueing). ` +
    `Everything (3 proxies, sandbox, Redis, load generator) shares this machine's ${cpus().length} CPUs (load average ${loadavg()[0].toFixed(1)} when the ` +
    `run ended), so the replicas compete for CPU here, which a real deployment spreads over hosts.\n\n` +
    table +
    `\n\nSandbox: peak concurrent requests of the (user, client) ${peak} (limit ${SETUP.sandboxLimit}); refresh-token grants ${grants ?? '?'} ` +
    `(expected 3: the sandbox's own direct-load token, the single process, and one shared by the three replicas); answers ${Object.entries((sandboxStop.statuses as Record<string, number>) ?? {}).map(([k, n]) => `${k}×${n}`).join(', ')}.\n\n` +
    `Redis alone, per call, in one otherwise idle process (slot acquire + credit reserve awaited in sequence, slot release sent; ` +
    `the same Lua scripts and client as a replica; ${options.quick ? 1000 : 3000} calls): p50 ${fmt(isolated.p50Ms, 3)} ms, p99 ${fmt(isolated.p99Ms, 3)} ms.\n\n` +
    `Redis round trips of the replicas (${calls.toLocaleString('en-US')} legacy calls, warm-up included): ${fmt(totalOps / Math.max(1, calls), 2)} per call, ` +
    `${fmt((1000 * totalMs) / Math.max(1, calls), 0)} µs per call in total (mean; slot.acquire includes the polls of waiting calls). The times are taken ` +
    `inside the busy proxy processes, from sending to handling the reply, so they include those processes' event-loop delay; compare the ` +
    `isolated figure above for Redis itself.\n\n` +
    opsTable;
  return {
    section: {
      title: '6. Replicas on Redis',
      markdown,
      verdictMatch: /^(MET|MISSED|INFO): (3 replicas on Redis|Redis adds|replicas benchmark)/,
      verdicts: [
        `${(redisHigh!.legacyErrors['4820'] ?? 0) === 0 && (redisHigh!.statuses['429'] ?? 0) === 0 && peak <= SETUP.sandboxLimit ? 'MET' : 'MISSED'}: 3 replicas on Redis, 200 clients: ${redisHigh!.legacyErrors['4820'] ?? 0} × 4820 and ${redisHigh!.statuses['429'] ?? 0} × HTTP 429 to clients, sandbox peak ${peak} of ${SETUP.sandboxLimit}`,
        `INFO: 3 replicas on Redis: ${fmt(redisHigh!.rps, 0)} req/s = ${fmt(100 * share)}% of the limit-bound ${limitBound} req/s (1 process, in-process state: ${fmt((100 * memHigh!.rps) / limitBound)}%)`,
        `INFO: Redis adds ${fmt(addedP50, 2)} ms to the p50 of a call at low load through the proxies (${fmt(totalOps / Math.max(1, calls), 2)} round trips per call); its round trips alone: p50 ${fmt(isolated.p50Ms, 3)} ms per call`,
      ],
    },
  };
}

/** The Redis work of one call without HTTP around it: acquire a slot, reserve a credit, release (per-call p50/p99). */
async function isolatedRedisPerCall(url: string, n: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const { RedisConnection } = await import('../src/state/redis/connection.js');
  const { RedisSemaphore } = await import('../src/state/redis/semaphore.js');
  const { RedisCreditMeter } = await import('../src/state/redis/credits.js');
  const conn = new RedisConnection({ url, keyPrefix: 'isolated:' });
  await conn.connect();
  const sem = new RedisSemaphore(conn, { profile: 'p', limit: 10, maxQueue: 100, replicaId: 'bench' });
  // With a budget: a reservation is a round trip (without one nothing is kept and Redis is not asked).
  const meter = new RedisCreditMeter(conn, 'p', 1_000_000_000);
  const times: number[] = [];
  for (let i = 0; i < n + 200; i++) {
    const t0 = performance.now();
    const release = await sem.acquire();
    await meter.reserve(1);
    release();
    if (i >= 200) times.push(performance.now() - t0); // the first 200 warm up scripts and the JIT
  }
  await sem.close();
  meter.close();
  await conn.close();
  times.sort((a, b) => a - b);
  return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = isQuick();
  const { section } = await runReplicas({ quick });
  console.log(section.verdicts.join('\n'));
  if (updateResultsSection(section, `npx tsx bench/replicas.ts${quick ? ' --quick' : ''}`)) console.log(`updated bench/RESULTS.md (section "${section.title}")`);
}
