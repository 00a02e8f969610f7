/**
 * Several real `zbridge serve` processes (spawned CLI) on one real redis-server against one sandbox (a real
 * HTTP server in the test process): the harness of the replica tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { DEMO_CLIENT, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { upstreamIdentity } from '../../src/zoho/identity.js';

export const AUTHTOKEN = 'replica-e2e-authtoken-0123456789';
export const PROFILE = 'erp';

/** What the replicas' shared keys are named by (zoho/identity.ts): the sandbox's API domain, the demo client, its grant. */
export const replicaScope = (sandbox: RunningSandbox): string =>
  upstreamIdentity({ clientId: DEMO_CLIENT.clientId, refreshToken: DEMO_CLIENT.refreshToken, accountsUrl: sandbox.url, apiDomain: sandbox.url }).scope;

export interface Replica {
  id: string;
  url: string;
  child: ChildProcess;
  /** Output so far: the banner and the JSON log lines (warn and above). */
  log(): string;
  exited: Promise<number | null>;
}

/** The sandbox every replica talks to: the demo OAuth client, a concurrency limit, some latency per call. */
export async function startSharedSandbox(concurrencyLimit: number): Promise<RunningSandbox> {
  // Idle connections kept for 2 min: the replicas' sockets idle between tests must not be closed by the sandbox just
  // as a replica reuses one (an insert in doubt, 4500 — the keep-alive race, not what these tests are about).
  return startSandbox({ concurrencyLimit, keepAliveTimeoutMs: 120_000 });
}

export interface ReplicaOptions {
  id: string;
  redisUrl: string;
  sandbox: RunningSandbox;
  journalDir: string;
  keyPrefix: string;
  /** @default 10 */
  concurrency?: number;
  /** @default 5000 */
  slotLeaseMs?: number;
}

/** Spawn `zbridge serve` with a config file for one replica; resolves when it listens. */
export async function startReplica(o: ReplicaOptions): Promise<Replica> {
  const dir = mkdtempSync(join(tmpdir(), `zbridge-replica-${o.id}-`));
  const config = {
    upstream: 'zoho',
    host: '127.0.0.1',
    port: 0,
    logLevel: 'warn',
    replicaId: o.id,
    profiles: [
      {
        name: PROFILE,
        authtokens: [AUTHTOKEN],
        clientId: DEMO_CLIENT.clientId,
        clientSecret: DEMO_CLIENT.clientSecret,
        refreshToken: DEMO_CLIENT.refreshToken,
        accountsUrl: o.sandbox.url,
        apiDomain: o.sandbox.url,
        timeZone: 'UTC',
        concurrency: o.concurrency ?? 10,
        maxQueue: 1000,
        // Generous: the machine may be loaded; retries of sandbox 429s must never be what a test relies on.
        requestTimeoutMs: 60_000,
      },
    ],
    state: { kind: 'redis', url: o.redisUrl, keyPrefix: o.keyPrefix, slotLeaseMs: o.slotLeaseMs ?? 5000, commandTimeoutMs: 20_000 },
    journal: { dir: o.journalDir },
    shutdownGraceMs: 5000,
  };
  const file = join(dir, 'zbridge.json');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', 'serve', '--config', file], {
    cwd: packageRoot,
    env: { ...process.env, ZBRIDGE_REDIS_URL: '', ZBRIDGE_CONFIG: '', ZBRIDGE_REPLICA_ID: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout!.on('data', (c: Buffer) => (stderr += c.toString())); // pino's JSON log lines
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
    if (m) return { id: o.id, url: m[1], child, log: () => stderr, exited };
    if (child.exitCode !== null) throw new Error(`replica ${o.id} exited with ${child.exitCode}: ${stderr.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`replica ${o.id} did not start: ${stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stop a replica: SIGTERM and wait (SIGKILL after a bound). */
export async function stopReplica(r: Replica): Promise<void> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return;
  r.child.kill('SIGTERM');
  const timer = setTimeout(() => r.child.kill('SIGKILL'), 20_000);
  await r.exited;
  clearTimeout(timer);
}

/** One legacy insert (form POST); resolves to the answer text. */
export async function legacyInsert(r: Replica, module: string, xmlData: string, params: Record<string, string> = {}): Promise<string> {
  const body = new URLSearchParams({ authtoken: AUTHTOKEN, scope: 'crmapi', xmlData, ...params });
  const res = await fetch(`${r.url}/crm/private/xml/${module}/insertRecords`, { method: 'POST', body });
  return res.text();
}

/** v1 code of an error answer (`<code>4500</code>`), or "ok" for a success answer. */
export function answerCode(xml: string): string {
  if (/<message>Record\(s\) (added|already exists)/.test(xml)) return 'ok';
  return /<code>(\d+)<\/code>/.exec(xml)?.[1] ?? `unexpected: ${xml.slice(0, 200)}`;
}

export const leadXml = (lastName: string, email?: string): string =>
  `<Leads><row no="1"><FL val="Last Name">${lastName}</FL><FL val="Company">Replica Co</FL>${email ? `<FL val="Email">${email}</FL>` : ''}</row></Leads>`;

/** Poll until `check` holds (no sleep as synchronisation); generous bound for a loaded machine. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
