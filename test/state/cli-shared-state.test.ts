/**
 * Issue 20: `zbridge replay` and `metadata pull` open their v2 client through src/clients.ts; with
 * `state.kind: redis` it must be the replicas' state — their token (a CLI run that refreshed on its own would
 * cost the replicas a token: Zoho keeps 30 per refresh token and revokes the oldest), their concurrency slots and
 * their credit budget. Real redis-server, real sandbox over HTTP, the real replay command.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openV2Client } from '../../src/clients.js';
import { loadConfig } from '../../src/config.js';
import { runReplay } from '../../src/convert/replay.js';
import { runMetadataPull } from '../../src/convert/metadata-pull.js';
import type { JournalEntry } from '../../src/journal/types.js';
import { DEMO_CLIENT, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { RedisConnection } from '../../src/state/redis/connection.js';
import { RedisSemaphore } from '../../src/state/redis/semaphore.js';
import { memoryIO } from '../convert/helpers.js';
import { hasRedis, startRedis, type TestRedis } from './redis-server.js';
import { waitUntil } from './contracts/util.js';
import { upstreamIdentity } from '../../src/zoho/identity.js';

const PREFIX = 'cli:';
const PROFILE = 'erp';
let redis: TestRedis;
let sandbox: RunningSandbox;
let admin: RedisConnection;
let configFile: string;

function writeConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zbridge-cli-state-'));
  const file = join(dir, 'zbridge.json');
  const config = {
    upstream: 'zoho',
    profiles: [
      {
        name: PROFILE,
        authtokens: ['cli-shared-state-authtoken-0123'],
        clientId: DEMO_CLIENT.clientId,
        clientSecret: DEMO_CLIENT.clientSecret,
        refreshToken: DEMO_CLIENT.refreshToken,
        accountsUrl: sandbox.url,
        apiDomain: sandbox.url,
        timeZone: 'UTC',
        concurrency: 2,
        maxQueue: 50,
        creditsPerDay: 1000,
      },
    ],
    state: { kind: 'redis', url: redis.url, keyPrefix: PREFIX },
    journal: { dir: '' },
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

const base = (id: string, ts: string) => ({
  id,
  ts,
  client: { address: '127.0.0.1', tokenFingerprint: 'fp:000000000000' },
  format: 'xml' as const,
  module: 'Leads',
  method: 'insertRecords',
  path: '/crm/private/xml/Leads/insertRecords',
  params: { scope: 'crmapi' },
});

/**
 * A proxy journal with `n` inserts the proxy refused before sending (queue full): replay holds them by default
 * (finding 20: their clients were told to retry) and sends each once with --retry-refused.
 */
function journalOfRefusedInserts(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'zbridge-cli-state-journal-'));
  mkdirSync(dir, { recursive: true });
  const lines: JournalEntry[] = [];
  for (let i = 0; i < n; i++) {
    const ts = `2026-11-30T10:00:${String(i).padStart(2, '0')}.000Z`;
    lines.push({
      ...base(`call-${i}`, ts),
      type: 'request',
      xmlData: `<Leads><row no="1"><FL val="Last Name">Replayed ${i}</FL><FL val="Company">C</FL></row></Leads>`,
      plan: {
        operation: 'insert',
        module: 'Leads',
        requests: [{ method: 'POST', path: '/crm/v2/Leads', records: 1 }],
        bodies: [{ data: [{ Last_Name: `Replayed ${i}`, Company: 'C' }], trigger: [] }],
      },
    });
    lines.push({ ...base(`call-${i}`, ts), type: 'outcome', durationMs: 1, upstream: false, v2Calls: [], legacy: { kind: 'error', code: '4820' }, rows: [] });
  }
  writeFileSync(join(dir, 'journal-0001.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  return dir;
}

const grants = () => sandbox.state.stats().tokenGrants.refresh_token ?? 0;
const replayed = () => sandbox.state.records('Leads').filter((r) => String(r.values.Last_Name).startsWith('Replayed ')).length;

describe.skipIf(!hasRedis)('CLI commands on the replicas’ shared state (state.kind redis)', () => {
  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await startSandbox({ concurrencyLimit: 10 });
    admin = new RedisConnection({ url: redis.url, keyPrefix: PREFIX });
    await admin.connect();
    configFile = writeConfig();
  }, 60_000);
  afterAll(async () => {
    await admin?.close();
    await sandbox?.close();
    await redis?.close();
  });

  it('a second client (a replay next to a replica) uses the token the first one stored: one refresh in all', async () => {
    const config = loadConfig(configFile, {});
    const replica = await openV2Client(config, PROFILE);
    const cli = await openV2Client(config, PROFILE);
    try {
      expect((await replica.client.tokens.getToken()).accessToken).toBeTruthy();
      expect(grants()).toBe(1);
      expect((await cli.client.tokens.getToken()).accessToken).toBe((await replica.client.tokens.getToken()).accessToken);
      // metadata pull, through the same path, makes its calls on that token too.
      const out = mkdtempSync(join(tmpdir(), 'zbridge-cli-state-meta-'));
      const pulled = await runMetadataPull({ config: configFile, out: join(out, 'meta') }, memoryIO());
      expect(pulled.exitCode).toBe(0);
      expect(grants()).toBe(1);
    } finally {
      await replica.close();
      await cli.close();
    }
  });

  it('replay waits for the replicas’ slots and spends their credit budget', async () => {
    // The "replicas" hold both slots of the profile.
    // Keyed by the upstream's identity, as every replica's slots are.
    const scope = upstreamIdentity(loadConfig(configFile, {}).profiles[0]).scope;
    const replicaSlots = new RedisSemaphore(admin, { profile: PROFILE, scope, limit: 2, maxQueue: 50, replicaId: 'replica' });
    const held = [await replicaSlots.acquire(), await replicaSlots.acquire()];
    const grantsBefore = grants();
    const source = journalOfRefusedInserts(3);
    // Without --retry-refused nothing is sent (and no slot is asked for).
    const heldRun = await runReplay({ source, config: configFile, profile: PROFILE }, memoryIO());
    expect(heldRun.summary).toMatchObject({ sent: 0, heldRefused: 3 });
    expect(replayed()).toBe(0);
    let finished = false;
    const run = runReplay({ source, config: configFile, profile: PROFILE, retryRefused: true }, memoryIO()).finally(() => (finished = true));
    // The replay's first call queues behind the replicas' calls instead of counting its own slots.
    await waitUntil(async () => (await admin.client.zcard(`${PREFIX}sem:${scope}:queue`)) === 1, 'the replay waits for a shared slot');
    expect(replayed()).toBe(0);
    expect(finished).toBe(false);
    for (const release of held) release();
    const { exitCode, summary } = await run;
    expect(exitCode).toBe(0);
    expect(summary!.done).toBe(3);
    expect(replayed()).toBe(3);
    // Its credits are in the shared budget (one per insert), and it refreshed no token of its own.
    const buckets = await admin.client.hvals(`${PREFIX}credits:${scope}`);
    expect(buckets.reduce((sum, v) => sum + Number(v), 0)).toBeGreaterThanOrEqual(3);
    expect(grants()).toBe(grantsBefore);
    await replicaSlots.close();
  }, 120_000);

  it('Redis unreachable at start: the command refuses to run on its own limits and says why', async () => {
    const config = loadConfig(configFile, {});
    const down = { ...config, state: { ...config.state, url: 'redis://127.0.0.1:1' } };
    await expect(openV2Client(down, PROFILE)).rejects.toThrow(/shared state \(Redis\) unreachable/);
  });
});
