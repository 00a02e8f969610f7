/**
 * Breaker finding 20, as the breaker ran it: a proxy on Redis state, Redis stopped, inserts answered 4500 before
 * anything was sent (the request line is journaled, the outcome has no v2 call), Redis back, the client retries
 * and succeeds. A replay of that journal must not send the refused inserts again (their clients already did):
 * they are held as refused locally until `--retry-refused`. Real redis-server, real sandbox over HTTP, the proxy's
 * own journal; replay through a client that records what it would send.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { runReplay, type ReplayClient } from '../../src/convert/replay.js';
import { MemoryJournal } from '../../src/journal/file-journal.js';
import type { JournalOutcomeEntry, JournalRequestEntry } from '../../src/journal/types.js';
import type { V2Outcome } from '../../src/mapping/types.js';
import { DEMO_CLIENT, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { startProxy, type RunningProxy } from '../../src/server/index.js';
import { createLogger } from '../../src/server/logger.js';
import { memoryIO } from '../convert/helpers.js';
import { hasRedis, startRedis, type TestRedis } from './redis-server.js';
import { waitUntil } from './contracts/util.js';

const TOKEN = 'redis-down-authtoken-0123456789';
let redis: TestRedis;
let sandbox: RunningSandbox;
let proxy: RunningProxy | undefined;

describe.skipIf(!hasRedis)('replay after a Redis outage (state.kind redis)', () => {
  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await startSandbox({});
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await sandbox?.close();
    await redis?.close();
  });

  it('inserts refused with 4500 while Redis was down are held, not resent; --retry-refused sends them', async () => {
    const config = parseConfig({
      port: 0,
      host: '127.0.0.1',
      upstream: 'zoho',
      logLevel: 'silent',
      profiles: [{ name: 'p', authtokens: [TOKEN], clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret, refreshToken: DEMO_CLIENT.refreshToken, accountsUrl: sandbox.url, apiDomain: sandbox.url, timeZone: 'UTC' }],
      state: { kind: 'redis', url: redis.url, keyPrefix: 'replay-down:' },
      journal: { dir: '' },
    });
    const journal = new MemoryJournal();
    proxy = await startProxy(config, { journal, defaultMetrics: false, logger: createLogger('silent') });
    const insert = async (last: string): Promise<string> => {
      const res = await fetch(`${proxy!.url}/crm/private/xml/Leads/insertRecords`, {
        method: 'POST',
        body: new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', xmlData: `<Leads><row no="1"><FL val="Last Name">${last}</FL><FL val="Company">RD</FL></row></Leads>` }),
      });
      const text = await res.text();
      return /<code>([^<]+)<\/code>/.exec(text)?.[1] ?? (text.includes('Record(s) added successfully') ? '2000' : text);
    };
    expect(await insert('Before outage')).toBe('2000');

    await redis.stop();
    const refused: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      expect(await insert(`Outage ${i}`)).toBe('4500');
      refused.push(`Outage ${i}`);
    }
    await redis.start();
    // The client retries what failed, as old clients do, once the proxy serves again.
    await waitUntil(async () => (await insert('Back')) === '2000', 'serving after Redis returned', 60_000);
    for (const name of refused) expect(await insert(name)).toBe('2000');
    await proxy.close();
    proxy = undefined;

    const stored = (name: string) => sandbox.state.records('Leads').filter((r) => r.values.Last_Name === name).length;
    for (const name of refused) expect(stored(name)).toBe(1);
    // The refused calls were journaled as about to write (request line), then refused before any v2 call.
    const requests = journal.entries.filter((e): e is JournalRequestEntry => e.type === 'request');
    const outcomes = journal.entries.filter((e): e is JournalOutcomeEntry => e.type === 'outcome');
    const refusedIds = outcomes.filter((o) => o.legacy.code === '4500').map((o) => o.id);
    const journaledRefusals = requests.filter((r) => refusedIds.includes(r.id));
    expect(journaledRefusals.length).toBeGreaterThan(0);
    for (const o of outcomes.filter((x) => refusedIds.includes(x.id))) expect(o.v2Calls).toEqual([]);

    const file = join(mkdtempSync(join(tmpdir(), 'zbridge-redis-down-')), 'journal-0001.jsonl');
    writeFileSync(file, journal.entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const sent: string[] = [];
    const client: ReplayClient = {
      async execute(req) {
        for (const r of req.body.data) sent.push(String(r.Last_Name));
        return { outcome: { kind: 'response', status: 201, body: { data: req.body.data.map(() => ({ code: 'SUCCESS', status: 'success', details: { id: '1' } })) } } as V2Outcome };
      },
    };
    const io = memoryIO();
    const held = await runReplay({ source: file, client }, io);
    expect(held.summary!.plan).toMatchObject({ toSend: 0, heldRefused: journaledRefusals.length, heldInDoubt: 0 });
    expect(sent).toEqual([]);
    expect(io.err()).toContain('refused locally, the client was told to retry — check before sending');
    expect(io.err()).toMatch(/; the client was answered 4500/);

    const forced = await runReplay({ source: file, client, retryRefused: true, state: join(mkdtempSync(join(tmpdir(), 'zbridge-redis-down-state-')), 's.jsonl') }, memoryIO());
    expect(forced.summary).toMatchObject({ sent: journaledRefusals.length, heldRefused: 0 });
    expect(sent.sort()).toEqual(journaledRefusals.map((r) => String((r.plan!.bodies![0] as { data: { Last_Name: string }[] }).data[0].Last_Name)).sort());
  }, 180_000);
});
