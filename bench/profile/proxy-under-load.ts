/**
 * Profiling target: the zbridge proxy process under load, for `node --cpu-prof` (the flag is passed to the
 * proxy child only). `npx tsx bench/profile/proxy-under-load.ts [rows=1] [connections=10] [seconds=5]`;
 * the profile lands in bench/out/prof-proxy/ — summarise it with bench/profile/summarise.ts.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, runJsonChild, startServerChild } from '../lib/child.js';
import { legacyFormBody, legacyPath, makePayload } from '../lib/payloads.js';
import type { LoadResult } from '../loadgen.js';

const rows = Number(process.argv[2] ?? 1);
const connections = Number(process.argv[3] ?? 10);
const seconds = Number(process.argv[4] ?? 5);
const profDir = join(benchDir, 'out', 'prof-proxy');
rmSync(profDir, { recursive: true, force: true });
mkdirSync(profDir, { recursive: true });
const authtoken = 'bench0proxy0authtoken00000000000';
const sandbox = await startServerChild(join(benchDir, 'servers', 'sandbox.ts'), ['{}']);
const s = sandbox.info as Record<string, string>;
const proxy = await startServerChild(
  join(benchDir, 'servers', 'proxy.ts'),
  [JSON.stringify({ sandboxUrl: s.url, clientId: s.clientId, clientSecret: s.clientSecret, refreshToken: s.refreshToken, authtoken })],
  ['--cpu-prof', '--cpu-prof-dir', profDir],
);
const payload = makePayload('leads', rows);
const bodyFile = join(profDir, 'body.txt');
writeFileSync(bodyFile, legacyFormBody(payload, authtoken));
const result = await runJsonChild<LoadResult>(join(benchDir, 'loadgen.ts'), [
  JSON.stringify({ url: `${proxy.info.url}${legacyPath(payload)}`, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, bodyFile, connections, warmupMs: 500, durationMs: seconds * 1000, expect: 'legacy' }),
]);
await proxy.stop();
await sandbox.stop();
console.log(JSON.stringify({ rps: result.rps, p50Ms: result.p50Ms, bad: result.bad, profDir }));
