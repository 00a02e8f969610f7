/**
 * Benchmark 5 — the read side (issue 15).
 *
 * a) getRecords answer path: a v2 list answer of 200 full Leads records (the JSON text the client receives) →
 *    JSON.parse → v2 record → v1 row (mapping/rows) → v1 XML (legacy/read-response). Target ≤ 5 ms per call.
 *    Also timed: the same 200 rows as v1 JSON (org.json conversion with Java-7 key order).
 * b) getRecordById through the proxy: throughput of `GET /crm/private/xml/Leads/getRecordById?id=…` via zbridge
 *    against the naive express + axios passthrough of `GET /crm/v2/Leads/{id}`, both in front of the same sandbox
 *    process, same run. Target ≥ 80 %.
 * Run alone: `npx tsx bench/reads.ts [--quick]`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { codeModule } from './lib/code.js';
import { benchDir, processCpuMs, runJsonChild, startSandboxWithLead, startServerChild, type ServerChild } from './lib/child.js';
import { fmt, isQuick, mdTable, timeOp, type BenchOptions, type BenchSection } from './lib/measure.js';
import type { LoadResult, LoadSpec } from './loadgen.js';

// The measured build (bench/lib/code.ts): dist unless ZBRIDGE_BENCH_CODE=src.
const { renderLegacyJson, renderLegacyXml } = await codeModule<typeof import('../src/legacy/response.js')>('legacy/response.js');
const { moduleColumns } = await codeModule<typeof import('../src/mapping/columns.js')>('mapping/columns.js');
const { toV1Row } = await codeModule<typeof import('../src/mapping/rows.js')>('mapping/rows.js');
const { Schema } = await codeModule<typeof import('../src/mapping/schema.js')>('mapping/schema.js');

export const READ_TARGETS = { getRecords200Ms: 5, throughputVsNaive: 0.8 } as const;
const AUTHTOKEN = 'bench0reads0authtoken000000000000';
const TZ = 'America/Toronto';

/** 200 Leads as v2 GET answers them: every field (empty ones null), `$` keys, owner/creator objects. */
export function leadsAnswer(n: number): string {
  const owner = { name: 'Dexter Heng', id: '1386586000000105001', email: 'dexter.heng@example.com' };
  const data = Array.from({ length: n }, (_, i) => ({
    Owner: owner,
    $currency_symbol: '$',
    Salutation: i % 3 === 0 ? 'Mr.' : null,
    First_Name: `First${i}`,
    Last_Name: `Last ${i} & Sons`,
    Full_Name: `First${i} Last ${i} & Sons`,
    Company: `Company ${i % 17}`,
    Designation: i % 2 ? 'CTO' : null,
    Email: `lead${i}@example.com`,
    Secondary_Email: null,
    Phone: `0${(4_155_550_000 + i).toString()}`,
    Mobile: null,
    Fax: null,
    Website: i % 4 === 0 ? `https://l${i}.example` : null,
    Lead_Source: 'Advertisement',
    Lead_Status: 'Contacted',
    Industry: null,
    No_of_Employees: i % 5 === 0 ? 250 : null,
    Annual_Revenue: i % 5 === 0 ? 1234567.5 : null,
    Rating: null,
    Skype_ID: null,
    Twitter: null,
    Email_Opt_Out: i % 7 === 0,
    Street: `${i} Main Street`,
    City: 'Toronto',
    State: 'ON',
    Zip_Code: '01234',
    Country: 'Canada',
    Description: i % 3 === 0 ? `Notes about lead ${i} <b>important</b>` : null,
    Last_Activity_Time: '2024-03-04T09:15:02-05:00',
    Initial_Campaign: null,
    Stripe_ID: null,
    Date_Field: '2024-02-29',
    Created_By: owner,
    Modified_By: owner,
    Created_Time: '2024-03-04T09:15:02-05:00',
    Modified_Time: '2024-03-04T10:15:02-05:00',
    Tag: [],
    $approved: true,
    $editable: true,
    $state: 'save',
    $process_flow: false,
    $converted: false,
    id: String(1386586000001000000n + BigInt(i)),
  }));
  return JSON.stringify({ data, info: { per_page: 200, count: n, page: 1, more_records: true } });
}

function translationFigures(quick: boolean): { xmlUs: number; jsonUs: number; bytes: number } {
  const schema = Schema.bundled();
  const leads = schema.module('Leads')!;
  const columns = moduleColumns(leads);
  const text = leadsAnswer(200);
  const rows = () => (JSON.parse(text) as { data: Record<string, unknown>[] }).data.map((r) => toV1Row(r, columns, { timeZone: TZ }));
  const timing = { warmupMs: quick ? 200 : 500, batches: quick ? 5 : 9, batchMs: quick ? 150 : 300 };
  let bytes = 0;
  const xml = timeOp(() => {
    const body = renderLegacyXml('/crm/private/xml/Leads/getRecords', { kind: 'records', module: 'Leads', rows: rows() });
    bytes = body.length;
    return body;
  }, timing);
  const json = timeOp(() => renderLegacyJson('/crm/private/json/Leads/getRecords', { kind: 'records', module: 'Leads', rows: rows() }), timing);
  return { xmlUs: xml.medianUs, jsonUs: json.medianUs, bytes };
}

interface ProxyRun {
  round: number;
  connections: number;
  target: 'naive' | 'zbridge';
  result: LoadResult;
  /** CPU ms the serving process (naive passthrough or zbridge) spent per answered request; undefined without /proc. */
  cpuMsPerRequest?: number;
}

/** Rounds of naive/zbridge pairs (order alternating per round), so a load swing on the shared machine hits both. */
const ROUNDS = { quick: 2, full: 3 } as const;

async function proxyFigures(quick: boolean): Promise<ProxyRun[]> {
  const warmupMs = quick ? 500 : 1000;
  const durationMs = quick ? 2000 : 5000;
  const loadgen = join(benchDir, 'loadgen.ts');
  const servers: ServerChild[] = [];
  const runs: ProxyRun[] = [];
  try {
    const { sandbox: s, leadId: id } = await startSandboxWithLead(servers);
    const auth = { authorization: `Zoho-oauthtoken ${s.accessToken}` };
    const naive = await startServerChild(join(benchDir, 'servers', 'naive-proxy.ts'), [s.url]);
    servers.push(naive);
    const proxy = await startServerChild(join(benchDir, 'servers', 'proxy.ts'), [
      JSON.stringify({ sandboxUrl: s.url, clientId: s.clientId, clientSecret: s.clientSecret, refreshToken: s.refreshToken, authtoken: AUTHTOKEN, concurrency: 10 }),
    ]);
    servers.push(proxy);
    const specs: Record<ProxyRun['target'], Omit<LoadSpec, 'connections' | 'warmupMs' | 'durationMs'>> = {
      naive: { url: `${naive.info.url}/crm/v2/Leads/${id}`, method: 'GET', headers: auth, expect: 'v2' },
      zbridge: {
        url: `${proxy.info.url}/crm/private/xml/Leads/getRecordById?${new URLSearchParams({ authtoken: AUTHTOKEN, scope: 'crmapi', id })}`,
        method: 'GET',
        headers: {},
        expect: 'legacy',
      },
    };
    const pids = { naive: naive.child.pid, zbridge: proxy.child.pid };
    const rounds = quick ? ROUNDS.quick : ROUNDS.full;
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? (['naive', 'zbridge'] as const) : (['zbridge', 'naive'] as const);
      for (const connections of [1, 10]) {
        for (const target of order) {
          const cpuBefore = processCpuMs(pids[target]);
          const result = await runJsonChild<LoadResult>(loadgen, [JSON.stringify({ ...specs[target], connections, warmupMs, durationMs })]);
          const cpuAfter = processCpuMs(pids[target]);
          if (result.bad > 0 || result.transportErrors > 0) throw new Error(`${target} c=${connections}: ${result.bad} bad answers, ${result.transportErrors} transport errors`);
          const cpuMsPerRequest = cpuBefore !== undefined && cpuAfter !== undefined && result.sent > 0 ? (cpuAfter - cpuBefore) / result.sent : undefined;
          runs.push({ round, connections, target, result, cpuMsPerRequest });
          console.log(
            `reads getRecordById round ${round} c=${connections} ${target.padEnd(7)}: ${fmt(result.rps, 0)} req/s, p50 ${fmt(result.p50Ms, 3)} ms` +
              (cpuMsPerRequest !== undefined ? `, ${fmt(cpuMsPerRequest, 3)} CPU ms/request` : ''),
          );
        }
      }
    }
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
  return runs;
}

/** Per round: zbridge ÷ naive req/s and CPU per request at one connection count. */
function roundRatios(runs: ProxyRun[], connections: number): { throughput: number[]; cpu: number[] } {
  const throughput: number[] = [];
  const cpu: number[] = [];
  for (const round of new Set(runs.map((r) => r.round))) {
    const get = (target: ProxyRun['target']) => runs.find((r) => r.round === round && r.connections === connections && r.target === target)!;
    const z = get('zbridge');
    const n = get('naive');
    throughput.push(z.result.rps / n.result.rps);
    if (z.cpuMsPerRequest !== undefined && n.cpuMsPerRequest !== undefined && n.cpuMsPerRequest > 0) cpu.push(z.cpuMsPerRequest / n.cpuMsPerRequest);
  }
  return { throughput, cpu };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `median (min–max)` of ratios, as percentages or multipliers. */
function spread(values: number[], as: 'percent' | 'times'): string {
  if (values.length === 0) return '—';
  const f = (v: number) => (as === 'percent' ? `${fmt(100 * v)}%` : `×${fmt(v, 2)}`);
  return `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

export async function runReads(options: BenchOptions): Promise<{ section: BenchSection }> {
  const t = translationFigures(options.quick);
  console.log(`reads: 200 Leads v2 JSON → v1 XML ${fmt(t.xmlUs / 1000, 3)} ms, → v1 JSON ${fmt(t.jsonUs / 1000, 3)} ms`);
  const runs = await proxyFigures(options.quick);
  const c1 = roundRatios(runs, 1);
  const c10 = roundRatios(runs, 10);
  const share = median(c10.throughput);
  const verdicts = [
    `${t.xmlUs / 1000 <= READ_TARGETS.getRecords200Ms ? 'MET' : 'MISSED'}: getRecords of 200 Leads rows (v2 JSON in → v1 XML out): ${fmt(t.xmlUs / 1000, 3)} ms per call (target ≤ ${READ_TARGETS.getRecords200Ms} ms)`,
    `${share >= READ_TARGETS.throughputVsNaive ? 'MET' : 'MISSED'}: getRecordById throughput through zbridge, c=10: ${fmt(100 * share)}% of the naive express + axios passthrough, median of ${c10.throughput.length} rounds (target ≥ 80%)`,
  ];
  const markdown =
    '**a) Answer path.** One v2 list answer of 200 full Leads records (every field, nulls, `$` keys, owner objects; ' +
    `${fmt(leadsAnswer(200).length / 1024, 0)} KiB of JSON) → \`JSON.parse\` → \`toV1Row\` (canonical order, id+name pairs, ` +
    'times in America/Toronto) → the v1 body. Median of timed batches in one process.\n\n' +
    mdTable(
      ['output', 'ms per call', 'body bytes'],
      [
        ['v1 XML', fmt(t.xmlUs / 1000, 3), t.bytes],
        ['v1 JSON (org.json, Java-7 order)', fmt(t.jsonUs / 1000, 3), '—'],
      ],
    ) +
    '\n\n**b) getRecordById through the proxy.** **naive**: `GET /crm/v2/Leads/{id}` through bench/servers/naive-proxy.ts ' +
    '(express + axios, answer forwarded untouched). **zbridge**: `GET /crm/private/xml/Leads/getRecordById?id=…` through ' +
    '`startProxy` (profile "zoho" pointed at the sandbox process, journal in a tmp dir), which authenticates the legacy token, ' +
    'resolves the schema, sends the same v2 GET through the client (OAuth, limiter, credits) and renders the v1 row. Same ' +
    'sandbox process, load from bench/loadgen.ts in its own process. ' +
    `Warm-up ${options.quick ? 0.5 : 1} s, measured ${options.quick ? 2 : 5} s per run.\n\n` +
    `Rounds of naive/zbridge pairs, the order alternating per round; CPU ms per request = CPU time of the serving process ` +
    '(/proc, user + system) over every request it answered, warm-up included.\n\n' +
    mdTable(
      ['round', 'connections', 'target', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms / request'],
      runs.map((r) => [r.round, r.connections, r.target, fmt(r.result.rps, 0), fmt(r.result.p50Ms, 3), fmt(r.result.p99Ms, 3), r.cpuMsPerRequest === undefined ? '—' : fmt(r.cpuMsPerRequest, 3)]),
    ) +
    `\n\nzbridge ÷ naive, median (min–max) over ${c10.throughput.length} rounds: req/s c=1 ${spread(c1.throughput, 'percent')}, ` +
    `c=10 ${spread(c10.throughput, 'percent')}; CPU per request c=1 ${spread(c1.cpu, 'times')}, c=10 ${spread(c10.cpu, 'times')}.`;
  return { section: { title: '5. Reads (getRecords answer path, getRecordById through the proxy)', markdown, verdicts } };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { section } = await runReads({ quick: isQuick() });
  console.log(section.verdicts.join('\n'));
  console.log(`\n## ${section.title}\n\n${section.markdown}`);
}
