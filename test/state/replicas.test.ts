/**
 * Issue 20, end to end: three `zbridge serve` processes share one Redis in front of one sandbox whose
 * concurrency limit is 10. Zoho limits per user and app, so the replicas together must behave as one proxy:
 * one token refresh, never more than 10 calls in flight at the sandbox, no 4820 to clients, one record for
 * concurrent duplicate-checked inserts of one e-mail, slots of a killed replica back after their lease, and
 * 4500 (not per-process limits) while Redis is down, serving again by itself when it returns.
 * Assertions are on counts; every wait is a bounded poll on an observable condition.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { hasRedis, startRedis, type TestRedis } from './redis-server.js';
import {
  AUTHTOKEN,
  answerCode,
  leadXml,
  legacyInsert,
  replicaScope,
  startReplica,
  startSharedSandbox,
  stopReplica,
  waitUntil,
  type Replica,
} from './replicas.js';

const LIMIT = 10;
const KEY_PREFIX = 'e2e:';

let redis: TestRedis;
let sandbox: RunningSandbox;
let journalDir: string;
let replicas: Replica[] = [];
let admin: Redis;

const leadsWithEmail = (email: string) =>
  sandbox.state.records('Leads').filter((r) => String(r.values.Email ?? '').toLowerCase() === email.toLowerCase()).length;
const holders = () => admin.zrange(`${KEY_PREFIX}sem:${replicaScope(sandbox)}:holders`, 0, -1);
/** Every answer a success; otherwise the failing answers and the replicas' warn/error lines say why. */
const expectAllOk = (answers: string[]) => {
  const failed = answers.filter((a) => answerCode(a) !== 'ok');
  expect(failed, `${failed.join('\n')}\n${replicas.map((r) => `--- ${r.id}\n${r.log().slice(-4000)}`).join('\n')}`).toEqual([]);
};

describe.skipIf(!hasRedis)('three replicas on one Redis', () => {
  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
    sandbox = await startSharedSandbox(LIMIT);
    // Each v2 call takes a while, so 200 clients really compete for the 10 slots.
    sandbox.state.setFaults({ latencyMs: 30 });
    journalDir = mkdtempSync(join(tmpdir(), 'zbridge-replicas-journal-'));
    replicas = await Promise.all(['r1', 'r2', 'r3'].map((id) => startReplica({ id, redisUrl: redis.url, sandbox, journalDir, keyPrefix: KEY_PREFIX })));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(replicas.map(stopReplica));
    admin?.disconnect();
    await sandbox?.close();
    await redis?.close();
  }, 60_000);

  it('200 concurrent clients over 3 replicas: all served, at most 10 in flight upstream, one token refresh', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => legacyInsert(replicas[i % 3], 'Leads', leadXml(`Load ${i}`))),
    );
    expectAllOk(answers); // no 4820 (and no 429 behind it), no 4500
    expect(sandbox.state.records('Leads').filter((r) => String(r.values.Last_Name).startsWith('Load '))).toHaveLength(200);
    const stats = sandbox.state.stats();
    expect(stats.concurrencyPeak).toBeLessThanOrEqual(LIMIT);
    expect(stats.concurrencyPeak).toBeGreaterThan(1); // the replicas did run calls side by side
    expect(stats.tokenGrants.refresh_token).toBe(1);
    // Each replica journals into its own directory under the shared journal.dir.
    expect(readdirSync(journalDir).sort()).toEqual(['r1', 'r2', 'r3']);
  }, 180_000);

  it('50 concurrent duplicateCheck=1 inserts of one e-mail over the replicas create exactly one record', async () => {
    const email = 'one.record@replicas.example';
    const spellings = [email, email.toUpperCase(), ` ${email}`];
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        legacyInsert(replicas[i % 3], 'Leads', leadXml(`Dup ${i}`, spellings[i % 3]), { duplicateCheck: '1' }),
      ),
    );
    expect(leadsWithEmail(email)).toBe(1);
    expect(answers.filter((a) => a.includes('Record(s) added successfully'))).toHaveLength(1);
    expect(answers.filter((a) => a.includes('Record(s) already exists'))).toHaveLength(49);
    expect(sandbox.state.stats().tokenGrants.refresh_token).toBe(1);
  }, 180_000);

  it('concurrent inserts on different replicas naming the same missing Account create one Account', async () => {
    const account = 'Replicated Missing Account Ltd';
    const contact = (i: number) =>
      `<Contacts><row no="1"><FL val="Last Name">Linked ${i}</FL><FL val="Account Name">${i % 2 ? account.toUpperCase() : account}</FL></row></Contacts>`;
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => legacyInsert(replicas[i % 3], 'Contacts', contact(i))));
    expectAllOk(answers);
    const accounts = sandbox.state.records('Accounts').filter((r) => String(r.values.Account_Name).toLowerCase() === account.toLowerCase());
    expect(accounts).toHaveLength(1);
    const linked = sandbox.state.records('Contacts').filter((r) => String(r.values.Last_Name).startsWith('Linked '));
    expect(linked).toHaveLength(30);
    expect(new Set(linked.map((r) => JSON.stringify(r.values.Account_Name)))).toEqual(new Set([JSON.stringify(linked[0].values.Account_Name)]));
    expect(JSON.stringify(linked[0].values.Account_Name)).toContain(accounts[0].id);
  }, 180_000);

  it('while v2 search lags, records written through one replica are found by the others (shared recent-records memory, finding 25)', async () => {
    sandbox.state.setFaults({ latencyMs: 30, searchLagMs: 3_600_000 });
    try {
      const email = 'lagged.twice@replicas.example';
      const first = await legacyInsert(replicas[0], 'Leads', leadXml('Lag 1', email), { duplicateCheck: '1' });
      expect(first).toContain('Record(s) added successfully');
      const second = await legacyInsert(replicas[1], 'Leads', leadXml('Lag 2', email.toUpperCase()), { duplicateCheck: '1' });
      expect(second).toContain('Record(s) already exists');
      expect(leadsWithEmail(email)).toBe(1);

      const account = 'Lagged Replica Account Ltd';
      const created = await legacyInsert(replicas[1], 'Accounts', `<Accounts><row no="1"><FL val="Account Name">${account}</FL></row></Accounts>`);
      const accountId = /<FL val="Id">(\d+)<\/FL>/.exec(created)?.[1];
      expect(accountId).toBeDefined();
      expectAllOk([await legacyInsert(replicas[2], 'Contacts', `<Contacts><row no="1"><FL val="Last Name">Lag linked</FL><FL val="Account Name">${account}</FL></row></Contacts>`)]);
      expect(sandbox.state.records('Accounts').filter((r) => r.values.Account_Name === account)).toHaveLength(1);
      const contact = sandbox.state.records('Contacts').find((r) => r.values.Last_Name === 'Lag linked')!;
      expect(JSON.stringify(contact.values.Account_Name)).toContain(accountId);
      // The memory's keys are hashes: no e-mail or name in Redis.
      const keys = await admin.keys(`${KEY_PREFIX}*`);
      expect(keys.filter((k) => /lagged|@/i.test(k))).toEqual([]);
    } finally {
      sandbox.state.setFaults({ latencyMs: 30 });
    }
  }, 180_000);

  it('an attachment uploaded through one replica is downloaded and deleted through the others (shared attachment map)', async () => {
    const [a, b, c] = replicas;
    const inserted = await legacyInsert(a, 'Leads', leadXml('Has a file'));
    const leadId = /<FL val="Id">(\d+)<\/FL>/.exec(inserted)?.[1];
    expect(leadId).toBeDefined();
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const form = new FormData();
    form.set('authtoken', AUTHTOKEN);
    form.set('scope', 'crmapi');
    form.set('id', leadId!);
    form.set('content', new Blob([bytes], { type: 'application/octet-stream' }), 'shared.bin');
    const up = await (await fetch(`${a.url}/crm/private/xml/Leads/uploadFile`, { method: 'POST', body: form })).text();
    expect(up).toContain('File has been attached successfully');
    const attachmentId = /<FL val="Id">(\d+)<\/FL>/.exec(up)![1];
    const auth = `authtoken=${AUTHTOKEN}&scope=crmapi&id=${attachmentId}`;
    const down = await fetch(`${b.url}/crm/private/xml/Leads/downloadFile?${auth}`);
    expect(down.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await down.arrayBuffer()), bytes)).toBe(0);
    expect(await (await fetch(`${c.url}/crm/private/xml/Leads/deleteFile?${auth}`)).text()).toContain('Attachment deleted successfully');
    // Forgotten everywhere: a second delete through another replica is the v1 "id" error.
    expect(await (await fetch(`${a.url}/crm/private/xml/Leads/deleteFile?${auth}`)).text()).toContain('"id" parameter');
  }, 180_000);

  it('attachments listed through one replica (getRelatedRecords Attachments) are downloaded through another (issue 18)', async () => {
    const [a, b] = replicas;
    const inserted = await legacyInsert(a, 'Leads', leadXml('Files from elsewhere'));
    const leadId = /<FL val="Id">(\d+)<\/FL>/.exec(inserted)![1];
    // Attached outside the proxies (the web UI): no replica's map knows it until a listing.
    const { id: attachmentId } = sandbox.state.store.next();
    sandbox.state.store.attachments.set(attachmentId, {
      id: attachmentId,
      module: 'Leads',
      parentId: leadId,
      fileName: 'ui.txt',
      contentType: 'text/plain',
      bytes: Buffer.from('from the web UI'),
      createdAt: sandbox.state.now(),
      createdBy: sandbox.state.metadata.users[0].id,
    });
    const auth = `authtoken=${AUTHTOKEN}&scope=crmapi`;
    expect(await (await fetch(`${b.url}/crm/private/xml/Leads/downloadFile?${auth}&id=${attachmentId}`)).text()).toContain('"id" parameter');
    const listed = await (await fetch(`${a.url}/crm/private/xml/Attachments/getRelatedRecords?${auth}&parentModule=Leads&id=${leadId}`)).text();
    expect(listed).toContain(`<FL val="id">${attachmentId}</FL>`);
    const down = await fetch(`${b.url}/crm/private/xml/Leads/downloadFile?${auth}&id=${attachmentId}`);
    expect(await down.text()).toBe('from the web UI');
  }, 180_000);

  it('a replica killed while holding slots: the others get the slots back within the lease', async () => {
    const [victim, ...others] = replicas;
    sandbox.state.setFaults({ latencyMs: 8000 }); // the victim's calls hold their slots
    const held = Array.from({ length: LIMIT }, (_, i) => legacyInsert(victim, 'Leads', leadXml(`Victim ${i}`)).catch(() => 'killed'));
    await waitUntil(async () => (await holders()).filter((h) => h.startsWith(`${victim.id}:`)).length === LIMIT, 'the victim to hold every slot');
    victim.child.kill('SIGKILL');
    await victim.exited;
    replicas = others; // whatever follows, the next test runs on the live ones
    sandbox.state.setFaults({ latencyMs: 30 });
    const answers = await Promise.all(
      Array.from({ length: 2 * LIMIT }, (_, i) => legacyInsert(others[i % 2], 'Leads', leadXml(`After kill ${i}`))),
    );
    expectAllOk(answers);
    expect((await holders()).filter((h) => h.startsWith(`${victim.id}:`))).toEqual([]);
    await Promise.all(held);
  }, 180_000);

  it('Redis stopped mid-load: 4500 while it is down, nothing written twice, serving again once it is back', async () => {
    const [a, b] = replicas;
    const emails = Array.from({ length: 120 }, (_, i) => `outage.${i}@replicas.example`);
    const results = new Map<string, string[]>();
    let next = 0;
    let answered = 0;
    const worker = async (r: Replica) => {
      for (let i = next++; i < emails.length; i = next++) {
        const code = answerCode(await legacyInsert(r, 'Leads', leadXml(`Outage ${i}`, emails[i]), { duplicateCheck: '1' }));
        results.set(emails[i], [...(results.get(emails[i]) ?? []), code]);
        answered++;
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w % 2 ? a : b)));
    await waitUntil(() => answered >= 20, 'load before the outage');
    await redis.stop();
    await waitUntil(() => [...results.values()].some((codes) => codes.includes('4500')), 'a 4500 while Redis is down');
    // The outage is visible where operators look.
    const ready = await fetch(`${a.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain('"kind":"redis"');
    expect(await (await fetch(`${b.url}/metrics`)).text()).toMatch(/^zbridge_state_up 0$/m);
    await redis.start();
    await load;
    // Serving again by itself: a new call succeeds within a bounded number of tries.
    await waitUntil(async () => answerCode(await legacyInsert(a, 'Leads', leadXml('Back again'))) === 'ok', 'serving after Redis returned');
    expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
    // Clients retry what failed; with duplicateCheck=1 a retry never adds a second record.
    for (const [email, codes] of results) {
      if (codes.at(-1) === 'ok') continue;
      const code = answerCode(await legacyInsert(b, 'Leads', leadXml('Retry', email), { duplicateCheck: '1' }));
      expect(code).toBe('ok');
    }
    const failedCodes = [...results.values()].flat().filter((c) => c !== 'ok');
    expect(failedCodes.length).toBeGreaterThan(0);
    expect(new Set(failedCodes)).toEqual(new Set(['4500']));
    for (const email of emails) expect(leadsWithEmail(email)).toBe(1);
    expect(a.log() + b.log()).toContain('shared state unreachable');
  }, 240_000);
});
