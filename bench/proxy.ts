/**
 * Benchmark 3 — proxy overhead on loopback. Three targets get the same insert load from a separate load-generator
 * process: the sandbox directly (v2 POST with an OAuth token), a naive express + axios passthrough in front of
 * the sandbox (same v2 request), and the zbridge proxy (the legacy call, fully translated) in front of the same
 * sandbox. Sandbox, naive proxy and zbridge proxy each run in their own process.
 * Run alone: `npx tsx bench/proxy.ts [--quick]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseLegacyRequest } from '../src/legacy/request.js';
import { Schema, stringifyV2 } from '../src/mapping/index.js';
import { translateCall } from '../src/mapping/translate.js';
import { benchDir, runJsonChild, startServerChild, type ServerChild } from './lib/child.js';
import { fmt, isQuick, mdTable, type BenchOptions, type BenchSection } from './lib/measure.js';
import { legacyFormBody, legacyPath, makePayload, type Payload } from './lib/payloads.js';
import type { LoadResult, LoadSpec } from './loadgen.js';

export const PROXY_TARGETS = { addedP50Ms: 1, throughputVsNaive: 0.8 } as const;
const AUTHTOKEN = 'bench0proxy0authtoken00000000000';

type Target = 'direct' | 'naive' | 'zbridge';
export interface ProxyFigure {
  rows: number;
  connections: number;
  target: Target;
  result: LoadResult;
}

/** The v2 body the bridge sends for this payload (so direct and naive load carry exactly the same work). */
function v2BodyOf(payload: Payload): string {
  const form = legacyFormBody(payload, AUTHTOKEN);
  const call = parseLegacyRequest({ method: 'POST', url: legacyPath(payload), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form) });
  const { plan } = translateCall(call, { schema: Schema.bundled(), timeZone: 'America/Toronto' });
  if (!plan || plan.requests.length !== 1) throw new Error('expected one v2 request');
  return stringifyV2(plan.requests[0].body);
}

export async function runProxy(options: BenchOptions): Promise<{ section: BenchSection; figures: ProxyFigure[] }> {
  const warmupMs = options.quick ? 500 : 1000;
  const durationMs = options.quick ? 2000 : 5000;
  const rowsList = options.quick ? [1, 10] : [1, 10, 100];
  const outDir = join(benchDir, 'out', 'proxy');
  mkdirSync(outDir, { recursive: true });
  const loadgen = join(benchDir, 'loadgen.ts');
  const figures: ProxyFigure[] = [];
  const servers: ServerChild[] = [];
  try {
    const sandbox = await startServerChild(join(benchDir, 'servers', 'sandbox.ts'), ['{}']);
    servers.push(sandbox);
    const s = sandbox.info as ServerChild['info'] & { accessToken: string; clientId: string; clientSecret: string; refreshToken: string };
    const naive = await startServerChild(join(benchDir, 'servers', 'naive-proxy.ts'), [s.url]);
    servers.push(naive);
    const proxy = await startServerChild(join(benchDir, 'servers', 'proxy.ts'), [
      JSON.stringify({ sandboxUrl: s.url, clientId: s.clientId, clientSecret: s.clientSecret, refreshToken: s.refreshToken, authtoken: AUTHTOKEN, concurrency: 10 }),
    ]);
    servers.push(proxy);
    console.log(`proxy: sandbox ${s.url}, naive ${naive.info.url}, zbridge ${proxy.info.url} (journal: ${String(proxy.info.journal)})`);

    for (const rows of rowsList) {
      const payload = makePayload('leads', rows);
      const v2File = join(outDir, `v2-${rows}.json`);
      const legacyFile = join(outDir, `legacy-${rows}.txt`);
      writeFileSync(v2File, v2BodyOf(payload));
      writeFileSync(legacyFile, legacyFormBody(payload, AUTHTOKEN));
      const specs: Record<Target, Omit<LoadSpec, 'connections' | 'warmupMs' | 'durationMs'>> = {
        direct: { url: `${s.url}/crm/v2/Leads`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Zoho-oauthtoken ${s.accessToken}` }, bodyFile: v2File, expect: 'v2' },
        naive: { url: `${naive.info.url}/crm/v2/Leads`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Zoho-oauthtoken ${s.accessToken}` }, bodyFile: v2File, expect: 'v2' },
        zbridge: { url: `${proxy.info.url}${legacyPath(payload)}`, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, bodyFile: legacyFile, expect: 'legacy' },
      };
      // c=1 isolates per-request latency; c=10 (= the profile's upstream concurrency) measures throughput.
      for (const connections of [1, 10]) {
        for (const target of ['direct', 'naive', 'zbridge'] as const) {
          const result = await runJsonChild<LoadResult>(loadgen, [JSON.stringify({ ...specs[target], connections, warmupMs, durationMs })]);
          if (result.bad > 0 || result.transportErrors > 0) {
            throw new Error(`${target} ${rows} rows c=${connections}: ${result.bad} bad answers, ${result.transportErrors} transport errors ${JSON.stringify(result.legacyErrors)} ${JSON.stringify(result.statuses)}`);
          }
          figures.push({ rows, connections, target, result });
          console.log(`proxy ${rows} row(s) c=${connections} ${target.padEnd(7)}: ${fmt(result.rps, 0)} req/s, p50 ${fmt(result.p50Ms, 3)} ms, p99 ${fmt(result.p99Ms, 3)} ms`);
        }
      }
    }
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
  return { section: proxySection(figures, options), figures };
}

function proxySection(figures: ProxyFigure[], options: BenchOptions): BenchSection {
  const get = (rows: number, c: number, t: Target): LoadResult => figures.find((f) => f.rows === rows && f.connections === c && f.target === t)!.result;
  const rowsList = [...new Set(figures.map((f) => f.rows))];
  const table = mdTable(
    ['rows', 'connections', 'target', 'req/s', 'p50 ms', 'p99 ms', 'p50 added vs direct ms'],
    figures.map((f) => [f.rows, f.connections, f.target, fmt(f.result.rps, 0), fmt(f.result.p50Ms, 3), fmt(f.result.p99Ms, 3), f.target === 'direct' ? '—' : fmt(f.result.p50Ms - get(f.rows, f.connections, 'direct').p50Ms, 3)]),
  );
  const ratios = mdTable(
    ['rows', 'zbridge p50 added (c=1) ms', 'naive p50 added (c=1) ms', 'zbridge ÷ naive req/s (c=10)', 'zbridge ÷ direct req/s (c=10)'],
    rowsList.map((rows) => [
      rows,
      fmt(get(rows, 1, 'zbridge').p50Ms - get(rows, 1, 'direct').p50Ms, 3),
      fmt(get(rows, 1, 'naive').p50Ms - get(rows, 1, 'direct').p50Ms, 3),
      `${fmt((100 * get(rows, 10, 'zbridge').rps) / get(rows, 10, 'naive').rps)}%`,
      `${fmt((100 * get(rows, 10, 'zbridge').rps) / get(rows, 10, 'direct').rps)}%`,
    ]),
  );
  const added = get(1, 1, 'zbridge').p50Ms - get(1, 1, 'direct').p50Ms;
  const share = get(1, 10, 'zbridge').rps / get(1, 10, 'naive').rps;
  const verdicts = [
    `${added < PROXY_TARGETS.addedP50Ms ? 'MET' : 'MISSED'}: proxy-added p50, 1 row, c=1: ${fmt(added, 3)} ms (target < ${PROXY_TARGETS.addedP50Ms} ms)`,
    `${share >= PROXY_TARGETS.throughputVsNaive ? 'MET' : 'MISSED'}: proxy throughput, 1 row, c=10: ${fmt(100 * share)}% of the naive passthrough (target ≥ 80%)`,
  ];
  const markdown =
    'Leads inserts. **direct**: `POST /crm/v2/Leads` to the sandbox with `Authorization: Zoho-oauthtoken …` and the exact v2 body the bridge ' +
    'would send. **naive**: the same request through bench/servers/naive-proxy.ts (express + axios, raw body forwarded, no translation). ' +
    '**zbridge**: the legacy form POST `/crm/private/xml/Leads/insertRecords` through `startProxy` (upstream "zoho" profile pointed at the ' +
    'sandbox process, profile concurrency 10, journal in a tmp dir, logLevel silent, time zone America/Toronto). Each server is its own ' +
    'process; load comes from bench/loadgen.ts in another process (keep-alive connections sending back to back, latency per request in µs). ' +
    `Every answer is checked (v2 2xx; legacy without \`<error>\`). Warm-up ${options.quick ? 0.5 : 1} s, measured ${options.quick ? 2 : 5} s per run. ` +
    'The machine has 2 cores: with the proxy in the path there are 3 busy processes (load generator, proxy, sandbox) instead of 2, so ' +
    'throughput ratios include CPU contention that separate hosts would not have.\n\n' +
    table +
    '\n\nRatios (same run):\n\n' +
    ratios;
  return { title: '3. Proxy overhead', markdown, verdicts };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { section } = await runProxy({ quick: isQuick() });
  console.log(section.verdicts.join('\n'));
}
