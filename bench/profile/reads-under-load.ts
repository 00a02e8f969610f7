/**
 * Profiling target: the zbridge proxy answering `getRecordById` under load, for `node --cpu-prof` (the flag is
 * passed to the proxy child only). `npx tsx bench/profile/reads-under-load.ts [connections=10] [seconds=5] [xml|json]`;
 * the profile lands in bench/out/prof-reads/ — summarise it with bench/profile/summarise.ts.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, runJsonChild, startServerChild } from '../lib/child.js';
import type { LoadResult } from '../loadgen.js';

const connections = Number(process.argv[2] ?? 10);
const seconds = Number(process.argv[3] ?? 5);
const format = process.argv[4] === 'json' ? 'json' : 'xml';
const profDir = join(benchDir, 'out', 'prof-reads');
rmSync(profDir, { recursive: true, force: true });
mkdirSync(profDir, { recursive: true });
const authtoken = 'bench0reads0authtoken000000000000';
const sandbox = await startServerChild(join(benchDir, 'servers', 'sandbox.ts'), ['{}']);
const s = sandbox.info as Record<string, string>;
const created = await fetch(`${s.url}/crm/v2/Leads`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Zoho-oauthtoken ${s.accessToken}` },
  body: JSON.stringify({ data: [{ Last_Name: 'Bench', First_Name: 'Read', Company: 'Bench Inc', Email: 'read@bench.example', Phone: '0123456' }] }),
});
const id = ((await created.json()) as { data: { details: { id: string } }[] }).data[0].details.id;
const proxy = await startServerChild(
  join(benchDir, 'servers', 'proxy.ts'),
  [JSON.stringify({ sandboxUrl: s.url, clientId: s.clientId, clientSecret: s.clientSecret, refreshToken: s.refreshToken, authtoken, concurrency: 10 })],
  ['--cpu-prof', '--cpu-prof-dir', profDir],
);
const query = new URLSearchParams({ authtoken, scope: 'crmapi', id });
const result = await runJsonChild<LoadResult>(join(benchDir, 'loadgen.ts'), [
  JSON.stringify({ url: `${proxy.info.url}/crm/private/${format}/Leads/getRecordById?${query}`, method: 'GET', headers: {}, connections, warmupMs: 500, durationMs: seconds * 1000, expect: 'legacy' }),
]);
await proxy.stop();
await sandbox.stop();
console.log(JSON.stringify({ rps: result.rps, p50Ms: result.p50Ms, bad: result.bad, profDir }));
