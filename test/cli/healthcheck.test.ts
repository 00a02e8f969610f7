/**
 * `zbridge healthcheck` (the Dockerfile's HEALTHCHECK): real `zbridge serve` processes whose ports are set in a
 * config file, asked by the subcommand with the same file and environment. It must find the admin listener when
 * one is configured, never count the proxy port's legacy 4600 answer as healthy, and name why it is not ready.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zbridge, zbridgeServer } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'zbridge-healthcheck-'));
let files = 0;
const configFile = (doc: unknown): string => {
  const f = join(dir, `c${++files}.json`);
  writeFileSync(f, JSON.stringify(doc));
  return f;
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** No port, host or config from the test runner's own environment. */
const CLEAN_ENV = { PORT: '', HOST: '', ZBRIDGE_ADMIN_PORT: '', ZBRIDGE_CONFIG: '', ZBRIDGE_JOURNAL_DIR: '' };

describe('zbridge healthcheck', () => {
  const servers: ReturnType<typeof zbridgeServer>[] = [];
  const ports: Record<'proxyA' | 'adminA' | 'proxyB' | 'proxyC' | 'closed', number> = { proxyA: 0, adminA: 0, proxyB: 0, proxyC: 0, closed: 0 };
  const configs: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

  beforeAll(async () => {
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    // A: every address, ports in the file, /readyz only on the admin listener (loopback by default).
    configs.a = configFile({ host: '0.0.0.0', port: ports.proxyA, admin: { port: ports.adminA }, journal: { dir: '' } });
    // B: loopback, /readyz on the proxy port.
    configs.b = configFile({ host: '127.0.0.1', port: ports.proxyB, journal: { dir: '' } });
    // C: a Zoho profile whose accounts server and API do not answer: not ready.
    const nowhere = `http://127.0.0.1:${ports.closed}`;
    configs.c = configFile({
      host: '127.0.0.1',
      port: ports.proxyC,
      journal: { dir: '' },
      upstream: 'zoho',
      profiles: [{ name: 'erp', authtokens: ['hc-token'], clientId: '1000.HC', clientSecret: 'hc-secret', refreshToken: '1000.hc.refresh', accountsUrl: nowhere, apiDomain: nowhere }],
    });
    for (const config of [configs.a, configs.b, configs.c]) {
      const run = zbridgeServer(['serve', '--config', config], { env: CLEAN_ENV });
      servers.push(run);
      await run.waitFor(() => run.out().includes('"msg":"started"'), 'the start-up line');
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  const ready = (port: () => number) => (r: { code: number | null; stdout: string; stderr: string }) => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`ready (http://127.0.0.1:${port()}/readyz)\n`);
  };
  const notReady = (reason: () => RegExp) => (r: { code: number | null; stdout: string; stderr: string }) => {
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toMatch(reason());
    expect(r.stderr).not.toMatch(/hc-secret|1000\.hc\.refresh/);
  };

  const cases: [string, () => string[], () => Record<string, string>, (r: { code: number | null; stdout: string; stderr: string }) => void][] = [
    ['admin port in the file (proxy bound to 0.0.0.0)', () => ['--config', configs.a], () => ({}), ready(() => ports.adminA)],
    ['the config file through ZBRIDGE_CONFIG', () => [], () => ({ ZBRIDGE_CONFIG: configs.a }), ready(() => ports.adminA)],
    ['proxy port in the file, no admin listener', () => ['--config', configs.b], () => ({}), ready(() => ports.proxyB)],
    [
      'the proxy port of a proxy whose /readyz is on its admin listener: the legacy 4600 answer is not health',
      () => ['--config', configFile({ port: ports.proxyA })],
      () => ({}),
      notReady(() => new RegExp(`http://127\\.0\\.0\\.1:${ports.proxyA}/readyz: HTTP 200 text/xml is not a readiness answer`)),
    ],
    ['admin port from the environment over the file', () => ['--config', configFile({ port: ports.proxyA })], () => ({ ZBRIDGE_ADMIN_PORT: String(ports.adminA) }), ready(() => ports.adminA)],
    ['ports from the environment only', () => [], () => ({ PORT: String(ports.proxyB), HOST: '127.0.0.1' }), ready(() => ports.proxyB)],
    ['--port as serve was given it', () => ['--config', configFile({ port: ports.closed }), '--port', String(ports.proxyB)], () => ({}), ready(() => ports.proxyB)],
    ['nothing listening', () => ['--config', configFile({ port: ports.closed })], () => ({}), notReady(() => new RegExp(`:${ports.closed}/readyz: ECONNREFUSED`))],
    ['a proxy that is not ready (503): the failing profile named', () => ['--config', configs.c], () => ({}), notReady(() => /HTTP 503 not ready: profile erp: /)],
    ['port 0 (chosen at start)', () => ['--config', configFile({ port: 0 })], () => ({}), notReady(() => /port is 0/)],
    ['admin.port 0', () => ['--config', configFile({ port: ports.proxyB, admin: { port: 0 } })], () => ({}), notReady(() => /admin\.port is 0/)],
    ['a configuration that cannot be loaded: exit 1, not 2 (reserved by Docker)', () => ['--config', configFile({ port: 'eighty' })], () => ({}), notReady(() => /cannot load the configuration: config: port: /)],
  ];

  it.each(cases)('%s', async (_name, args, env, check) => {
    check(await zbridge(['healthcheck', ...args()], { env: { ...CLEAN_ENV, ...env() } }));
  }, 60_000);

  // Docker reserves exit 2 of a health check: a typo in a HEALTHCHECK line must not produce it.
  const usage: [string, string[], RegExp][] = [
    ['an unknown option', ['--bogus'], /unknown option '--bogus'/],
    ['a --timeout that is no number', ['--timeout', 'abc'], /--timeout/],
    ['a --timeout of 0', ['--timeout', '0'], /--timeout/],
    ['a --port out of range', ['--port', '99999'], /--port/],
    ['an extra argument', ['extra'], /too many arguments|unknown command|excess/i],
    ['an option without its value', ['--config'], /argument missing/],
  ];
  it.each(usage)('usage error, %s: exit 1 with the reason, never 2', async (_name, args, reason) => {
    const r = await zbridge(['healthcheck', ...args], { env: CLEAN_ENV });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(reason);
  }, 60_000);

  it('--help still exits 0; the other commands keep exit 2 for usage errors', async () => {
    expect((await zbridge(['healthcheck', '--help'], { env: CLEAN_ENV })).code).toBe(0);
    expect((await zbridge(['config', 'check', '--bogus'], { env: CLEAN_ENV })).code).toBe(2);
  }, 60_000);
});
