/**
 * `npx tsx bench/reads-ab.ts <baseline checkout> [--rounds N] [--seconds S]`: getRecordById through the zbridge
 * proxy of another checkout (A, e.g. a worktree of main before a change) and of this tree (B), beside the naive
 * express + axios passthrough, all in front of ONE sandbox process, in rounds whose order rotates so a load swing
 * on a shared machine hits all three alike. Per run: req/s at 10 connections and the serving process's CPU ms per
 * request (/proc). Prints per-round ratios and their median (min–max); writes nothing.
 */
import { join, resolve } from 'node:path';
import { benchDir, processCpuMs, runJsonChild, startSandboxWithLead, startServerChild, type ServerChild } from './lib/child.js';
import { fmt } from './lib/measure.js';
import type { LoadResult, LoadSpec } from './loadgen.js';

const AUTHTOKEN = 'bench0reads0authtoken000000000000';
type Target = 'naive' | 'A' | 'B';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function main(): Promise<void> {
  const baseDir = process.argv[2];
  if (!baseDir || baseDir.startsWith('--')) throw new Error('usage: tsx bench/reads-ab.ts <baseline checkout> [--rounds N] [--seconds S]');
  const rounds = arg('--rounds', 5);
  const durationMs = arg('--seconds', 3) * 1000;
  const connections = arg('--connections', 10);
  const servers: ServerChild[] = [];
  try {
    const { sandbox: s, leadId: id } = await startSandboxWithLead(servers);
    const auth = { authorization: `Zoho-oauthtoken ${s.accessToken}` };
    const proxyArgs = [JSON.stringify({ sandboxUrl: s.url, clientId: s.clientId, clientSecret: s.clientSecret, refreshToken: s.refreshToken, authtoken: AUTHTOKEN, concurrency: 10 })];
    const naive = await startServerChild(join(benchDir, 'servers', 'naive-proxy.ts'), [s.url]);
    const a = await startServerChild(join(resolve(baseDir), 'bench', 'servers', 'proxy.ts'), proxyArgs);
    const b = await startServerChild(join(benchDir, 'servers', 'proxy.ts'), proxyArgs);
    servers.push(naive, a, b);
    const legacy = (url: string): Omit<LoadSpec, 'connections' | 'warmupMs' | 'durationMs'> => ({
      url: `${url}/crm/private/xml/Leads/getRecordById?${new URLSearchParams({ authtoken: AUTHTOKEN, scope: 'crmapi', id })}`,
      method: 'GET',
      headers: {},
      expect: 'legacy',
    });
    const specs: Record<Target, Omit<LoadSpec, 'connections' | 'warmupMs' | 'durationMs'>> = {
      naive: { url: `${naive.info.url}/crm/v2/Leads/${id}`, method: 'GET', headers: auth, expect: 'v2' },
      A: legacy(a.info.url),
      B: legacy(b.info.url),
    };
    const pids: Record<Target, number | undefined> = { naive: naive.child.pid, A: a.child.pid, B: b.child.pid };
    const orders: Target[][] = [['naive', 'A', 'B'], ['B', 'naive', 'A'], ['A', 'B', 'naive']];
    const results: Record<Target, { rps: number; cpu?: number }>[] = [];
    for (let round = 0; round < rounds; round++) {
      const got = {} as Record<Target, { rps: number; cpu?: number }>;
      for (const target of orders[round % orders.length]) {
        const before = processCpuMs(pids[target]);
        const r = await runJsonChild<LoadResult>(join(benchDir, 'loadgen.ts'), [JSON.stringify({ ...specs[target], connections, warmupMs: 500, durationMs })]);
        const after = processCpuMs(pids[target]);
        if (r.bad > 0 || r.transportErrors > 0) throw new Error(`${target}: ${r.bad} bad answers, ${r.transportErrors} transport errors`);
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
    console.log(`\nc=${connections}, ${rounds} rounds of ${durationMs / 1000} s, median (min–max) of per-round ratios:`);
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
