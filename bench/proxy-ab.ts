/**
 * `npx tsx bench/proxy-ab.ts <checkout A> [<checkout B>] [--call read|insert] [--rounds N] [--seconds S] [--connections C]`:
 * the zbridge proxy of two checkouts (A, e.g. a worktree of main before a change; B, another checkout or, when
 * omitted, this tree) beside the naive express + axios passthrough, all in front of ONE sandbox process, in rounds
 * whose order rotates so a load swing on a shared machine hits all three alike.
 *
 * `--call read` (default): getRecordById of one Lead (v1 XML out, v2 GET /crm/v2/Leads/{id} for the naive).
 * `--call insert`: a 1-row Leads insertRecords (legacy form POST; the naive forwards the v2 body the bridge sends).
 * Per run: req/s at `--connections` (default 10) and the serving process's CPU ms per request (/proc). Prints
 * per-round ratios and their median (min–max); writes nothing but its payload files under bench/out/.
 * Each checkout must have bench/servers/proxy.ts taking the JSON argument documented there. Both proxies (and the
 * sandbox) run their TypeScript through tsx, because an older checkout's server knows no other way
 * (ZBRIDGE_BENCH_CODE=dist makes this tree's servers run dist/, for two checkouts that both have bench/lib/code.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseLegacyRequest } from '../src/legacy/request.js';
import { Schema, stringifyV2 } from '../src/mapping/index.js';
import { translateCall } from '../src/mapping/translate.js';
import { benchDir, processCpuMs, runJsonChild, startSandboxWithLead, startServerChild, type ServerChild } from './lib/child.js';
import { fmt } from './lib/measure.js';
import { legacyFormBody, legacyPath, makePayload } from './lib/payloads.js';
import type { LoadResult, LoadSpec } from './loadgen.js';

const AUTHTOKEN = 'bench0reads0authtoken000000000000';
type Target = 'naive' | 'A' | 'B';
type Spec = Omit<LoadSpec, 'connections' | 'warmupMs' | 'durationMs'>;

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};

/** The v2 body the bridge sends for a 1-row Leads insert (the naive forwards exactly that). */
function insertBodies(): { v2File: string; legacyFile: string; path: string } {
  const payload = makePayload('leads', 1);
  const form = legacyFormBody(payload, AUTHTOKEN);
  const call = parseLegacyRequest({ method: 'POST', url: legacyPath(payload), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form) });
  const { plan } = translateCall(call, { schema: Schema.bundled(), timeZone: 'America/Toronto' });
  if (!plan || plan.requests.length !== 1) throw new Error('expected one v2 request');
  const dir = join(benchDir, 'out', 'proxy-ab');
  mkdirSync(dir, { recursive: true });
  const v2File = join(dir, 'v2-insert.json');
  const legacyFile = join(dir, 'legacy-insert.txt');
  writeFileSync(v2File, stringifyV2(plan.requests[0].body));
  writeFileSync(legacyFile, form);
  return { v2File, legacyFile, path: legacyPath(payload) };
}

async function main(): Promise<void> {
  process.env.ZBRIDGE_BENCH_CODE ??= 'src';
  const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(i > 0 && all[i - 1].startsWith('--')));
  const [aDir, bDir] = positional;
  if (!aDir) throw new Error('usage: tsx bench/proxy-ab.ts <checkout A> [<checkout B>] [--call read|insert] [--rounds N] [--seconds S] [--connections C]');
  const call = arg('--call', 'read');
  if (call !== 'read' && call !== 'insert') throw new Error('--call is read or insert');
  const rounds = Number(arg('--rounds', '5'));
  const durationMs = Number(arg('--seconds', '3')) * 1000;
  const connections = Number(arg('--connections', '10'));
  const servers: ServerChild[] = [];
  try {
    const { sandbox: s, leadId: id } = await startSandboxWithLead(servers);
    const auth = { authorization: `Zoho-oauthtoken ${s.accessToken}` };
    const proxyArgs = [JSON.stringify({ sandboxUrl: s.url, clientId: s.clientId, clientSecret: s.clientSecret, refreshToken: s.refreshToken, authtoken: AUTHTOKEN, concurrency: 10 })];
    const naive = await startServerChild(join(benchDir, 'servers', 'naive-proxy.ts'), [s.url]);
    const a = await startServerChild(join(resolve(aDir), 'bench', 'servers', 'proxy.ts'), proxyArgs);
    const b = await startServerChild(bDir ? join(resolve(bDir), 'bench', 'servers', 'proxy.ts') : join(benchDir, 'servers', 'proxy.ts'), proxyArgs);
    servers.push(naive, a, b);
    let specs: Record<Target, Spec>;
    if (call === 'read') {
      const legacy = (url: string): Spec => ({
        url: `${url}/crm/private/xml/Leads/getRecordById?${new URLSearchParams({ authtoken: AUTHTOKEN, scope: 'crmapi', id })}`,
        method: 'GET',
        headers: {},
        expect: 'legacy',
      });
      specs = { naive: { url: `${naive.info.url}/crm/v2/Leads/${id}`, method: 'GET', headers: auth, expect: 'v2' }, A: legacy(a.info.url), B: legacy(b.info.url) };
    } else {
      const { v2File, legacyFile, path } = insertBodies();
      const legacy = (url: string): Spec => ({ url: `${url}${path}`, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, bodyFile: legacyFile, expect: 'legacy' });
      specs = {
        naive: { url: `${naive.info.url}/crm/v2/Leads`, method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, bodyFile: v2File, expect: 'v2' },
        A: legacy(a.info.url),
        B: legacy(b.info.url),
      };
    }
    const pids: Record<Target, number | undefined> = { naive: naive.child.pid, A: a.child.pid, B: b.child.pid };
    const orders: Target[][] = [['naive', 'A', 'B'], ['B', 'naive', 'A'], ['A', 'B', 'naive']];
    const results: Record<Target, { rps: number; cpu?: number }>[] = [];
    console.log(`${call}, c=${connections}: A = ${resolve(aDir)}, B = ${bDir ? resolve(bDir) : 'this tree'}`);
    for (let round = 0; round < rounds; round++) {
      const got = {} as Record<Target, { rps: number; cpu?: number }>;
      for (const target of orders[round % orders.length]) {
        const before = processCpuMs(pids[target]);
        const r = await runJsonChild<LoadResult>(join(benchDir, 'loadgen.ts'), [JSON.stringify({ ...specs[target], connections, warmupMs: 500, durationMs })]);
        const after = processCpuMs(pids[target]);
        if (r.bad > 0 || r.transportErrors > 0) throw new Error(`${target}: ${r.bad} bad answers, ${r.transportErrors} transport errors ${JSON.stringify(r.legacyErrors)}`);
        got[target] = { rps: r.rps, cpu: before !== undefined && after !== undefined && r.sent > 0 ? (after - before) / r.sent : undefined };
      }
      results.push(got);
      const cpu = (t: Target) => (got[t].cpu === undefined ? '' : ` ${fmt(got[t].cpu!, 3)} CPU ms/req`);
      console.log(`round ${round + 1}: naive ${fmt(got.naive.rps, 0)} req/s${cpu('naive')} | A ${fmt(got.A.rps, 0)}${cpu('A')} | B ${fmt(got.B.rps, 0)}${cpu('B')}`);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const spread = (xs: number[], pct: boolean) => {
      const f = (v: number) => (pct ? `${fmt(100 * v)}%` : `×${fmt(v, 2)}`);
      return xs.length ? `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})` : '—';
    };
    const ratio = (f: (r: Record<Target, { rps: number; cpu?: number }>) => number | undefined) =>
      results.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));
    console.log(`\n${call}, c=${connections}, ${rounds} rounds of ${durationMs / 1000} s, median (min–max) of per-round ratios:`);
    console.log(`| ratio | req/s | CPU ms per request |`);
    console.log(`| --- | --- | --- |`);
    console.log(`| A ÷ naive | ${spread(ratio((r) => r.A.rps / r.naive.rps), true)} | ${spread(ratio((r) => (r.A.cpu && r.naive.cpu ? r.A.cpu / r.naive.cpu : undefined)), false)} |`);
    console.log(`| B ÷ naive | ${spread(ratio((r) => r.B.rps / r.naive.rps), true)} | ${spread(ratio((r) => (r.B.cpu && r.naive.cpu ? r.B.cpu / r.naive.cpu : undefined)), false)} |`);
    console.log(`| B ÷ A | ${spread(ratio((r) => r.B.rps / r.A.rps), false)} | ${spread(ratio((r) => (r.B.cpu && r.A.cpu ? r.B.cpu / r.A.cpu : undefined)), false)} |`);
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

await main();
