/**
 * Benchmark 4 — concurrency: 200 concurrent legacy clients through the zbridge proxy (profile concurrency 10)
 * to a sandbox that allows 10 concurrent requests per user+client and answers writes after 20 ms. Nothing may
 * reach a legacy client as 4820 or HTTP 429, and throughput should stay within 20% of the limit-bound maximum
 * 10 / 0.020 s = 500 req/s. Run alone: `npx tsx bench/concurrency.ts [--quick]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchDir, runJsonChild, startServerChild, type ServerChild } from './lib/child.js';
import { fmt, isQuick, mdTable, type BenchOptions, type BenchSection } from './lib/measure.js';
import { legacyFormBody, legacyPath, makePayload } from './lib/payloads.js';
import type { LoadResult } from './loadgen.js';

export const CONCURRENCY_SETUP = {
  sandboxLimit: 10,
  profileConcurrency: 10,
  clients: 200,
  /** Injected sandbox write latency; BENCH_LATENCY_MS overrides it (to check whether the run is CPU- or limit-bound). */
  latencyMs: Number(process.env.BENCH_LATENCY_MS ?? 20),
} as const;
const AUTHTOKEN = 'bench0concurrency0authtoken00000';

export interface ConcurrencyFigures {
  result: LoadResult;
  limitBoundRps: number;
  /** HTTP statuses the sandbox answered (429s there were absorbed by the proxy's limiter/retries). */
  sandboxStatuses: Record<string, number>;
}

export async function runConcurrency(options: BenchOptions): Promise<{ section: BenchSection; figures: ConcurrencyFigures }> {
  const { sandboxLimit, profileConcurrency, clients, latencyMs } = CONCURRENCY_SETUP;
  const servers: ServerChild[] = [];
  let result: LoadResult;
  let sandboxStatuses: Record<string, number> = {};
  try {
    const sandbox = await startServerChild(join(benchDir, 'servers', 'sandbox.ts'), [JSON.stringify({ concurrencyLimit: sandboxLimit, latencyMs })]);
    servers.push(sandbox);
    const s = sandbox.info as ServerChild['info'] & { clientId: string; clientSecret: string; refreshToken: string };
    const proxy = await startServerChild(join(benchDir, 'servers', 'proxy.ts'), [
      JSON.stringify({ sandboxUrl: s.url, clientId: s.clientId, clientSecret: s.clientSecret, refreshToken: s.refreshToken, authtoken: AUTHTOKEN, concurrency: profileConcurrency }),
    ]);
    servers.push(proxy);
    const payload = makePayload('leads', 1);
    const dir = join(benchDir, 'out', 'concurrency');
    mkdirSync(dir, { recursive: true });
    const bodyFile = join(dir, 'legacy-1.txt');
    writeFileSync(bodyFile, legacyFormBody(payload, AUTHTOKEN));
    result = await runJsonChild<LoadResult>(join(benchDir, 'loadgen.ts'), [
      JSON.stringify({
        url: `${proxy.info.url}${legacyPath(payload)}`,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        bodyFile,
        connections: clients,
        warmupMs: options.quick ? 1000 : 2000,
        durationMs: options.quick ? 4000 : 10_000,
        expect: 'legacy',
      }),
    ]);
  } finally {
    const reports = [];
    for (const server of servers.reverse()) reports.push(...(await server.stop()));
    sandboxStatuses = (reports.find((r) => r.statuses)?.statuses as Record<string, number> | undefined) ?? {};
  }
  const limitBoundRps = CONCURRENCY_SETUP.sandboxLimit / (CONCURRENCY_SETUP.latencyMs / 1000);
  const figures = { result, limitBoundRps, sandboxStatuses };
  console.log(
    `concurrency: ${fmt(result.rps, 0)} req/s = ${fmt((100 * result.rps) / limitBoundRps)}% of ${limitBoundRps}; 4820 ${result.legacyErrors['4820'] ?? 0}, ` +
      `HTTP 429 ${result.statuses['429'] ?? 0}, other legacy errors ${JSON.stringify(result.legacyErrors)}, sandbox statuses ${JSON.stringify(sandboxStatuses)}`,
  );
  return { section: concurrencySection(figures, options), figures };
}

function concurrencySection({ result, limitBoundRps, sandboxStatuses }: ConcurrencyFigures, options: BenchOptions): BenchSection {
  const c4820 = result.legacyErrors['4820'] ?? 0;
  const c429 = result.statuses['429'] ?? 0;
  const otherErrors = Object.entries(result.legacyErrors).filter(([code]) => code !== '4820');
  const share = result.rps / limitBoundRps;
  const table = mdTable(
    ['answers', 'req/s', 'limit-bound max', 'ratio', 'p50 ms', 'p99 ms', '4820 to clients', 'HTTP 429 to clients', 'other legacy errors', 'sandbox answers'],
    [[
      result.requests.toLocaleString('en-US'),
      fmt(result.rps, 0),
      fmt(limitBoundRps, 0),
      `${fmt(100 * share)}%`,
      fmt(result.p50Ms, 1),
      fmt(result.p99Ms, 1),
      c4820,
      c429,
      otherErrors.length ? otherErrors.map(([c, n]) => `${c}×${n}`).join(', ') : '0',
      Object.entries(sandboxStatuses).map(([s, n]) => `${s}×${n}`).join(', '),
    ]],
  );
  const markdown =
    `Sandbox process: \`concurrencyLimit: ${CONCURRENCY_SETUP.sandboxLimit}\`, \`faults: { latencyMs: ${CONCURRENCY_SETUP.latencyMs}, onlyWrites: true }\`. ` +
    `Proxy process: profile concurrency ${CONCURRENCY_SETUP.profileConcurrency}, journal in a tmp dir, logLevel silent. Load: ${CONCURRENCY_SETUP.clients} ` +
    `keep-alive connections sending 1-row Leads inserts back to back for ${options.quick ? 4 : 10} s after a ${options.quick ? 1 : 2} s warm-up. ` +
    `Limit-bound maximum = ${CONCURRENCY_SETUP.sandboxLimit} / ${CONCURRENCY_SETUP.latencyMs / 1000} s = ${limitBoundRps} req/s (it ignores the ` +
    "sandbox's own service time on top of the injected latency, so the true ceiling is a little lower). \"sandbox answers\" counts every " +
    'HTTP status the sandbox sent (429s there were absorbed by the bridge).\n\n' +
    table;
  return {
    title: '4. Concurrency',
    markdown,
    verdicts: [
      `${c4820 === 0 && c429 === 0 ? 'MET' : 'MISSED'}: 200 clients, limit 10: ${c4820} answers with 4820 and ${c429} HTTP 429 reached clients (target 0)`,
      `${share >= 0.8 ? 'MET' : 'MISSED'}: throughput ${fmt(result.rps, 0)} req/s = ${fmt(100 * share)}% of the limit-bound ${limitBoundRps} req/s (target ≥ 80%)`,
    ],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { section } = await runConcurrency({ quick: isQuick() });
  console.log(section.verdicts.join('\n'));
}
