/**
 * Where the proxy's extra CPU per getRecordById goes: the naive express + axios passthrough and the zbridge proxy
 * each profiled (`--cpu-prof`) under the same load in front of one sandbox, then self time per package / project
 * file in CPU µs per request (samples of the load window only, idle excluded), side by side with the difference.
 * `npx tsx bench/profile/compare-naive.ts [connections=10] [seconds=5] [top=30]`. Writes nothing but bench/out/.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, runJsonChild, startSandboxWithLead, startServerChild, type ServerChild } from '../lib/child.js';
import type { LoadResult } from '../loadgen.js';

const connections = Number(process.argv[2] ?? 10);
const seconds = Number(process.argv[3] ?? 5);
const top = Number(process.argv[4] ?? 30);
const authtoken = 'bench0reads0authtoken000000000000';

interface Node { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; endTime: number; startTime: number }

const group = (n: Node): string => {
  const url = n.callFrame.url.replace(/^file:\/\//, '');
  if (!url) return `(native) ${n.callFrame.functionName}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) { const rest = url.slice(nm + 13).split('/'); return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]; }
  const m = /\/(src|dist|bench)\/(.*)$/.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return url.startsWith('node:') ? url.split('/').slice(0, 2).join('/') : url;
};

/** µs of self time per group within the last `windowMs` of the profile (the load window). */
function usByGroup(dir: string, windowMs: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of readdirSync(dir)) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    let t = p.startTime;
    const from = p.endTime - windowMs * 1000;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i];
      if (t < from) continue;
      const n = byId.get(p.samples[i])!;
      const g = group(n);
      if (g === '(native) (idle)') continue;
      const dt = p.timeDeltas[i + 1] ?? 0;
      out.set(g, (out.get(g) ?? 0) + dt);
    }
  }
  return out;
}

const servers: ServerChild[] = [];
try {
  const { sandbox: s, leadId: id } = await startSandboxWithLead(servers);
  const results: Record<string, { us: Map<string, number>; sent: number; rps: number }> = {};
  for (const target of ['naive', 'proxy'] as const) {
    const dir = join(benchDir, 'out', `prof-compare-${target}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const prof = ['--cpu-prof', '--cpu-prof-dir', dir];
    const server = target === 'naive'
      ? await startServerChild(join(benchDir, 'servers', 'naive-proxy.ts'), [s.url], prof)
      : await startServerChild(join(benchDir, 'servers', 'proxy.ts'), [JSON.stringify({ sandboxUrl: s.url, clientId: s.clientId, clientSecret: s.clientSecret, refreshToken: s.refreshToken, authtoken, concurrency: 10 })], prof);
    const url = target === 'naive'
      ? `${server.info.url}/crm/v2/Leads/${id}`
      : `${server.info.url}/crm/private/xml/Leads/getRecordById?${new URLSearchParams({ authtoken, scope: 'crmapi', id })}`;
    const headers = target === 'naive' ? { authorization: `Zoho-oauthtoken ${s.accessToken}` } : {};
    const r = await runJsonChild<LoadResult>(join(benchDir, 'loadgen.ts'), [JSON.stringify({ url, method: 'GET', headers, connections, warmupMs: 1000, durationMs: seconds * 1000, expect: target === 'naive' ? 'v2' : 'legacy' })]);
    await server.stop();
    results[target] = { us: usByGroup(dir, seconds * 1000), sent: r.sent, rps: r.rps };
  }
  const groups = new Set([...results.naive.us.keys(), ...results.proxy.us.keys()]);
  const per = (t: string, g: string) => (results[t].us.get(g) ?? 0) / results[t].sent;
  const rows = [...groups].map((g) => ({ g, naive: per('naive', g), proxy: per('proxy', g) })).sort((a, b) => (b.proxy - b.naive) - (a.proxy - a.naive));
  const total = (t: string) => [...results[t].us.values()].reduce((a, b) => a + b, 0) / results[t].sent;
  console.log(`naive ${results.naive.rps.toFixed(0)} req/s, ${total('naive').toFixed(0)} µs CPU/req | proxy ${results.proxy.rps.toFixed(0)} req/s, ${total('proxy').toFixed(0)} µs CPU/req`);
  console.log('µs/req  naive  proxy  diff  group');
  for (const r of rows.slice(0, top)) console.log(`${r.naive.toFixed(1).padStart(12)} ${r.proxy.toFixed(1).padStart(6)} ${(r.proxy - r.naive).toFixed(1).padStart(6)}  ${r.g}`);
} finally {
  for (const server of servers.reverse()) await server.stop();
}
