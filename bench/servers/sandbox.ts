/**
 * The v2 sandbox as its own process for the proxy benchmarks. Argument: JSON options
 * `{ "concurrencyLimit"?: number, "latencyMs"?: number }`. Prints `{"url","accessToken","clientId",
 * "clientSecret","refreshToken"}` when listening (accessToken: for direct v2 load; refreshToken: for a proxy),
 * and on SIGTERM a final `{"statuses":{…},"requests":{…}}` line before exiting.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { codeModule } from '../lib/code.js';

// The measured build (bench/lib/code.ts): dist unless ZBRIDGE_BENCH_CODE=src.
const { bundledSnapshot } = await codeModule<typeof import('../../src/v2/snapshot.js')>('v2/snapshot.js');
const { createSandboxApp } = await codeModule<typeof import('../../src/sandbox/index.js')>('sandbox/index.js');

interface Options {
  concurrencyLimit?: number;
  latencyMs?: number;
}
const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const userId = bundledSnapshot().users[0].id;
const client = {
  clientId: '1000.BENCHCLIENT',
  clientSecret: 'bench-client-secret',
  refreshTokens: [
    { token: '1000.bench.proxy', userId },
    { token: '1000.bench.direct', userId },
  ],
};
const { app, state } = createSandboxApp({
  clients: [client],
  concurrencyLimit: options.concurrencyLimit,
  faults: options.latencyMs ? { latencyMs: options.latencyMs, onlyWrites: true } : undefined,
});
const statuses: Record<string, number> = {};
const server = createServer((req, res) => {
  res.on('finish', () => {
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
  });
  app(req, res);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const grant = new URLSearchParams({
  grant_type: 'refresh_token',
  client_id: client.clientId,
  client_secret: client.clientSecret,
  refresh_token: '1000.bench.direct',
});
const token = (await (await fetch(`${url}/oauth/v2/token`, { method: 'POST', body: grant })).json()) as { access_token?: string };
if (!token.access_token) throw new Error('sandbox did not grant a token');
console.log(
  JSON.stringify({ url, accessToken: token.access_token, clientId: client.clientId, clientSecret: client.clientSecret, refreshToken: '1000.bench.proxy' }),
);

process.once('SIGTERM', () => {
  const stats = state.stats();
  console.log(JSON.stringify({ statuses, requests: Object.fromEntries(state.requests), concurrencyPeak: stats.concurrencyPeak, tokenGrants: stats.tokenGrants }));
  state.shutdown();
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
