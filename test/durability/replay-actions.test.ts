/**
 * Issue 18 item 5: replay understands the journal lines of the v1 actions (deleteRecords, updateRelatedRecords,
 * delink, convertLead, files and photos). Each case makes real calls through the proxy to an external sandbox
 * over HTTP, with the sandbox's fault queue cutting a v2 write off before or after it was applied, then runs
 * `zbridge replay` on the journal against the same sandbox and counts what the sandbox holds.
 *
 * Rules under test (journal/writes.ts isRepeatable, summariseAction):
 * - a request whose outcome says done is never sent again;
 * - deletes, conversions, link uploads and photo deletes in doubt are held until --retry-in-doubt;
 * - relations, delinks and file deletes converge when repeated: sent again without it;
 * - an id already absent when a removal is resent is reported as such, and the request counts as done;
 * - file and photo uploads cannot be replayed (bytes not journaled), each with that reason.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { runReplay, type ReplayClient } from '../../src/convert/replay.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import type { FailNext } from '../../src/sandbox/types.js';
import { startProxy, type RunningProxy } from '../../src/server/index.js';
import { createLogger } from '../../src/server/logger.js';
import { ZohoClient, type V2Send } from '../../src/zoho/client.js';
import { memoryIO } from '../convert/helpers.js';
import { AUTHTOKEN, CREDS, externalSandbox, readJournalDir, replayStateLines, tempDir, writeConfig } from './helpers.js';

let sandbox: RunningSandbox | undefined;
let proxy: RunningProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await sandbox?.close();
  sandbox = undefined;
});

interface World {
  sb: RunningSandbox;
  url: string;
  root: string;
  journalDir: string;
  config: string;
  /** A v1 call through the proxy (GET query), answered text. */
  call(module: string, method: string, params: Record<string, string>, format?: 'xml' | 'json'): Promise<string>;
  insert(module: string, fields: Record<string, string>): Promise<string>;
  /** The next v2 write fails: `reset` before (not applied) or after (applied) processing. */
  cut(applied: boolean): void;
  /** Writes made by the sandbox for a route, e.g. `DELETE /crm/v2/:module`. */
  count(route: string): number;
}

async function world(prefix: string): Promise<World> {
  const sb = await externalSandbox();
  sandbox = sb;
  const root = tempDir(prefix);
  const journalDir = join(root, 'journal');
  const config = writeConfig(root, sb.url, { journalDir });
  // maxRetries 0: a cut-off repeatable write is journaled in doubt instead of being retried by the client.
  const parsed = parseConfig({
    upstream: 'zoho',
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    journal: { dir: journalDir },
    profiles: [{ name: 'sb', authtokens: [AUTHTOKEN], ...CREDS, accountsUrl: sb.url, apiDomain: sb.url, timeZone: 'UTC', maxRetries: 0 }],
  });
  proxy = await startProxy(parsed, { defaultMetrics: false, logger: createLogger('silent') });
  const url = proxy.url;
  const call = async (module: string, method: string, params: Record<string, string>, format: 'xml' | 'json' = 'xml') => {
    const q = new URLSearchParams({ authtoken: AUTHTOKEN, scope: 'crmapi', ...params });
    return (await fetch(`${url}/crm/private/${format}/${module}/${method}?${q}`)).text();
  };
  return {
    sb,
    url,
    root,
    journalDir,
    config,
    call,
    async insert(module, fields) {
      const fl = Object.entries(fields).map(([k, v]) => `<FL val="${k}">${v}</FL>`).join('');
      const text = await call(module, 'insertRecords', { xmlData: `<${module}><row no="1">${fl}</row></${module}>` });
      const id = /<FL val="Id">(\d+)<\/FL>/.exec(text)?.[1];
      if (!id) throw new Error(`insert failed: ${text}`);
      return id;
    },
    cut(applied) {
      const failNext: FailNext = { count: 1, kind: 'reset', applyAfterProcessing: applied };
      sb.state.setFaults({ failNext });
    },
    count: (route) => sb.state.stats().requests[route] ?? 0,
  };
}

/** The journal without the outcome lines of these call ids (the proxy died after the request line). */
function dropOutcomes(dir: string, ids: string[]): void {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
    const path = join(dir, f);
    const kept = readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => {
        if (!line) return false;
        const e = JSON.parse(line) as { type: string; id: string };
        return !(e.type === 'outcome' && ids.includes(e.id));
      });
    writeFileSync(path, kept.map((l) => `${l}\n`).join(''));
  }
}

const lastRequestId = (dir: string, method: string): string => readJournalDir(dir).requests.filter((r) => r.method === method).at(-1).id;

async function closeProxy(): Promise<void> {
  await proxy?.close();
  proxy = undefined;
}

describe('replay of deleteRecords lines', () => {
  it('done deletes are skipped; deletes in doubt are held, then resent with --retry-in-doubt; ids already gone are reported absent', async () => {
    const w = await world('rdel');
    const [done, applied, notApplied, lost1, lost2] = [
      await w.insert('Leads', { 'Last Name': 'del-done', Company: 'D' }),
      await w.insert('Leads', { 'Last Name': 'del-applied', Company: 'D' }),
      await w.insert('Leads', { 'Last Name': 'del-not-applied', Company: 'D' }),
      await w.insert('Leads', { 'Last Name': 'del-lost-1', Company: 'D' }),
      await w.insert('Leads', { 'Last Name': 'del-lost-2', Company: 'D' }),
    ];
    expect(await w.call('Leads', 'deleteRecords', { id: done })).toContain('<code>5000</code>');
    w.cut(true); // applied, then the connection is reset: in doubt
    expect(await w.call('Leads', 'deleteRecords', { id: applied })).toContain('<error>');
    w.cut(false); // reset before the sandbox processed it: in doubt too (the client cannot know)
    expect(await w.call('Leads', 'deleteRecords', { id: notApplied })).toContain('<error>');
    expect(await w.call('Leads', 'deleteRecords', { idlist: `${lost1};${lost2}` })).toContain('<code>5000</code>');
    await closeProxy();
    const j = readJournalDir(w.journalDir);
    // Every delete journaled its request (with wf_trigger=false) before the v2 call, then its outcome with `writes`.
    const deletes = j.requests.filter((r) => r.method === 'deleteRecords');
    expect(deletes.map((r) => r.plan.requests[0].path)).toEqual([
      `/crm/v2/Leads?ids=${done}&wf_trigger=false`,
      `/crm/v2/Leads?ids=${applied}&wf_trigger=false`,
      `/crm/v2/Leads?ids=${notApplied}&wf_trigger=false`,
      `/crm/v2/Leads?ids=${lost1}%2C${lost2}&wf_trigger=false`,
    ]);
    const writes = deletes.map((r) => j.outcomes.find((o) => o.id === r.id)?.writes?.[0]?.status);
    expect(writes).toEqual(['done', 'in-doubt', 'in-doubt', 'done']);
    // The idlist call's outcome is lost (the proxy died after sending it): in doubt by absence.
    dropOutcomes(w.journalDir, [lastRequestId(w.journalDir, 'deleteRecords')]);
    const deletesBefore = w.count('DELETE /crm/v2/:module');

    const dry = memoryIO();
    const planned = await runReplay({ source: w.journalDir, config: w.config, dryRun: true }, dry);
    // 5 inserts and the first delete are done.
    expect(planned.summary?.plan).toMatchObject({ requests: 9, done: 6, toSend: 0, heldInDoubt: 3 });
    expect(dry.err()).toContain('the journal has no outcome for this call');

    const held = await runReplay({ source: w.journalDir, config: w.config }, memoryIO());
    expect(held.summary).toMatchObject({ sent: 0, heldInDoubt: 3 });
    expect(held.exitCode).not.toBe(0);
    expect(w.count('DELETE /crm/v2/:module')).toBe(deletesBefore);
    expect(w.sb.state.store.get('Leads', notApplied)).toBeDefined();

    const io = memoryIO();
    const forced = await runReplay({ source: w.journalDir, config: w.config, retryInDoubt: true }, io);
    expect(forced.summary).toMatchObject({ sent: 3, done: 3, failed: 0, inDoubt: 0 });
    expect(forced.exitCode).toBe(0);
    expect(w.sb.state.store.get('Leads', notApplied)).toBeUndefined();
    // The delete applied before its answer was lost: resent, and reported truthfully as already absent.
    expect(io.err()).toMatch(new RegExp(`delete: already absent upstream .*: ${applied}\\n`));
    expect(io.err()).toMatch(new RegExp(`delete: already absent upstream .*: ${lost1}, ${lost2}\\n`));
    expect(io.err()).not.toContain(`: ${notApplied}\n`);
    // Nothing is in the module any more, and each id is once in the recycle bin.
    for (const id of [done, applied, notApplied, lost1, lost2]) {
      expect(w.sb.state.store.get('Leads', id)).toBeUndefined();
      expect(w.sb.state.store.deleted.has(id)).toBe(true);
    }
    // Beside the journal folder, never in it (breaker finding 5).
    const state = replayStateLines(`${w.journalDir}.replay-state.jsonl`);
    expect(state.filter((l) => l.status === 'attempting')).toHaveLength(3);

    const again = await runReplay({ source: w.journalDir, config: w.config, retryInDoubt: true }, memoryIO());
    expect(again.summary).toMatchObject({ requests: 9, alreadyDone: 9, sent: 0 });
  });

  it('sends DELETE with the journaled query (ids, wf_trigger=false) as the journaled method', async () => {
    const w = await world('rdelq');
    const id = await w.insert('Contacts', { 'Last Name': 'q' });
    w.cut(false);
    await w.call('Contacts', 'deleteRecords', { id });
    await closeProxy();
    const client = new ZohoClient({ id: 'sb', ...CREDS, accountsUrl: w.sb.url, apiDomain: w.sb.url });
    const sent: V2Send[] = [];
    const recording: ReplayClient = {
      execute: (req, op) => client.execute(req, op),
      send: (req) => (sent.push(req), client.send(req)),
    };
    try {
      const io = memoryIO();
      const r = await runReplay({ source: w.journalDir, client: recording, retryInDoubt: true }, io);
      expect(r.summary, io.err()).toMatchObject({ sent: 1, done: 1 });
    } finally {
      client.close();
    }
    expect(sent).toEqual([expect.objectContaining({ method: 'DELETE', path: '/crm/v2/Contacts', query: { ids: id, wf_trigger: 'false' }, write: true, repeatable: false })]);
    expect(w.sb.state.store.get('Contacts', id)).toBeUndefined();
  });
});

describe('replay of relations, conversions, files and photos', () => {
  it('relate and delink in doubt are resent without --retry-in-doubt (they converge); a delink already applied is reported absent', async () => {
    const w = await world('rrel');
    const campaign = await w.insert('Campaigns', { 'Campaign Name': 'Spring' });
    const [a, b, c] = [
      await w.insert('Leads', { 'Last Name': 'rel-a', Company: 'R' }),
      await w.insert('Leads', { 'Last Name': 'rel-b', Company: 'R' }),
      await w.insert('Leads', { 'Last Name': 'rel-c', Company: 'R' }),
    ];
    const relate = (id: string, status: string) =>
      w.call('Campaigns', 'updateRelatedRecords', { id: campaign, relatedModule: 'Leads', xmlData: `<Leads><row no="1"><FL val="LEADID">${id}</FL><FL val="member_status">${status}</FL></row></Leads>` });
    expect(await relate(a, 'Sent')).toContain('<added-ids>');
    expect(await relate(c, 'Sent')).toContain('<added-ids>');
    w.cut(false);
    expect(await relate(b, 'Planned')).toContain('<error>');
    w.cut(true);
    expect(await w.call('Campaigns', 'delink', { id: campaign, relatedModule: 'Leads', relatedId: c })).toContain('<error>');
    await closeProxy();
    const relations = () => [...w.sb.state.store.relations.values()].map((r) => [r.childId, r.fields.Member_Status]);
    expect(relations()).toEqual([[a, 'Sent']]);

    const io = memoryIO();
    const r = await runReplay({ source: w.journalDir, config: w.config }, io);
    // 4 inserts and 2 relations are done.
    expect(r.summary).toMatchObject({ requests: 8, alreadyDone: 6, sent: 2, done: 2, heldInDoubt: 0 });
    expect(relations()).toEqual([[a, 'Sent'], [b, 'Planned']]);
    expect(io.err()).toMatch(new RegExp(`delink: already absent upstream`));
  });

  it('convertLead in doubt is held; forced, a lead already converted fails truthfully and an unconverted one converts once', async () => {
    const w = await world('rconv');
    const applied = await w.insert('Leads', { 'Last Name': 'conv-applied', Company: 'Applied Co' });
    const notApplied = await w.insert('Leads', { 'Last Name': 'conv-not-applied', Company: 'Pending Co' });
    const options = '<Potentials><row no="1"><option val="createPotential">false</option></row></Potentials>';
    w.cut(true);
    expect(await w.call('Leads', 'convertLead', { leadId: applied, xmlData: options })).toContain('<error>');
    w.cut(false);
    expect(await w.call('Leads', 'convertLead', { leadId: notApplied, xmlData: options })).toContain('<error>');
    await closeProxy();
    const contacts = (name: string) => w.sb.state.records('Contacts').filter((r) => r.values.Last_Name === name).length;
    expect([contacts('conv-applied'), contacts('conv-not-applied')]).toEqual([1, 0]);

    const held = await runReplay({ source: w.journalDir, config: w.config }, memoryIO());
    expect(held.summary).toMatchObject({ sent: 0, heldInDoubt: 2 });
    const io = memoryIO();
    const forced = await runReplay({ source: w.journalDir, config: w.config, retryInDoubt: true }, io);
    expect(forced.summary).toMatchObject({ sent: 2, done: 1, failed: 1 });
    expect(io.err()).toMatch(/: failed: HTTP 400 INVALID_DATA/);
    expect([contacts('conv-applied'), contacts('conv-not-applied')]).toEqual([1, 1]);
    expect(w.sb.state.store.get('Leads', notApplied)).toBeUndefined();
  });

  it('uploads of bytes are reported unreplayable with the reason; a link upload is held in doubt, then sent; file deletes converge, photo deletes are held', async () => {
    const w = await world('rfiles');
    const lead = await w.insert('Leads', { 'Last Name': 'files', Company: 'F' });
    const contact = await w.insert('Contacts', { 'Last Name': 'face' });
    const http = supertest(w.url);
    const upload = (method: string, module: string, id: string, bytes: Buffer, name: string, type: string) =>
      http.post(`/crm/private/xml/${module}/${method}`).field('authtoken', AUTHTOKEN).field('scope', 'crmapi').field('id', id).attach('content', bytes, { filename: name, contentType: type });
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(100, 7)]);

    const kept = await upload('uploadFile', 'Leads', lead, Buffer.from('kept'), 'kept.txt', 'text/plain');
    const keptId = /<FL val="Id">(\d+)<\/FL>/.exec(kept.text)![1];
    const doomed = /<FL val="Id">(\d+)<\/FL>/.exec((await upload('uploadFile', 'Leads', lead, Buffer.from('doomed'), 'doomed.txt', 'text/plain')).text)![1];
    w.cut(false);
    expect((await upload('uploadFile', 'Leads', lead, Buffer.from('lost'), 'lost.txt', 'text/plain')).text).toContain('<error>');
    w.cut(false);
    expect((await upload('uploadPhoto', 'Contacts', contact, png, 'me.png', 'image/png')).text).toContain('<error>');
    w.cut(false);
    expect(await w.call('Leads', 'uploadFile', { id: lead, attachmentUrl: 'https://files.example.com/spec.pdf' })).toContain('<error>');
    w.cut(true);
    expect(await w.call('Leads', 'deleteFile', { id: doomed })).toContain('<error>');
    expect((await upload('uploadPhoto', 'Contacts', contact, png, 'me.png', 'image/png')).text).toContain('<code>4800</code>');
    w.cut(false);
    expect(await w.call('Contacts', 'deletePhoto', { id: contact })).toContain('<error>');
    await closeProxy();
    const files = () => [...w.sb.state.store.attachments.values()].map((f) => f.fileName).sort();
    expect(files()).toEqual(['kept.txt']);

    const io = memoryIO();
    const r = await runReplay({ source: w.journalDir, config: w.config }, io);
    // kept, doomed, photo (second): done; deleteFile: resent (absent); the link upload and the photo delete: held;
    // the lost file and the first photo: unreplayable.
    expect(r.summary?.plan).toMatchObject({ requests: 10, done: 5, toSend: 1, heldInDoubt: 2, failed: 2 });
    expect(io.err()).toContain("uploadFile: the file's bytes are not journaled (send it again through the proxy)");
    expect(io.err()).toContain("uploadPhoto: the photo's bytes are not journaled (send it again through the proxy)");
    expect(io.err()).toMatch(/delete-file: already absent upstream/);
    expect(keptId).toBeDefined();

    const forced = await runReplay({ source: w.journalDir, config: w.config, retryInDoubt: true }, memoryIO());
    expect(forced.summary).toMatchObject({ sent: 2, done: 2 });
    expect(files()).toEqual(['kept.txt', 'spec.pdf']);
    expect(w.sb.state.store.photos.has(contact)).toBe(false);
  });
});

describe('zbridge convert of archived action calls, then replay', () => {
  it('URL-log action calls become the v2 requests they mean; replay sends each once; what cannot convert says why', async () => {
    const w = await world('convact');
    await closeProxy();
    const seedIt = (module: string, values: Record<string, unknown>) => {
      const { id } = w.sb.state.store.next();
      const owner = w.sb.state.metadata.users[0].id;
      w.sb.state.store.add({ id, module, seq: Number(id.slice(-7)), createdAt: 0, modifiedAt: 0, createdBy: owner, modifiedBy: owner, ownerId: owner, values });
      return id;
    };
    const gone = seedIt('Leads', { Last_Name: 'to delete', Company: 'C' });
    const campaign = seedIt('Campaigns', { Campaign_Name: 'Spring' });
    const member = seedIt('Leads', { Last_Name: 'member', Company: 'C' });
    const former = seedIt('Leads', { Last_Name: 'former', Company: 'C' });
    w.sb.state.store.relate({ parentModule: 'Campaigns', parentId: campaign, list: 'Leads', childModule: 'Leads', childId: former, fields: {} });
    const lead = seedIt('Leads', { Last_Name: 'convert me', Company: 'Convert Co' });
    const contact = seedIt('Contacts', { Last_Name: 'pictured' });
    w.sb.state.store.photos.set(contact, { id: contact, module: 'Contacts', parentId: contact, fileName: 'p.png', contentType: 'image/png', bytes: Buffer.from('png'), createdAt: 0, createdBy: w.sb.state.metadata.users[0].id });
    const fileId = w.sb.state.store.next().id;
    w.sb.state.store.attachments.set(fileId, { id: fileId, module: 'Leads', parentId: member, fileName: 'old.txt', contentType: 'text/plain', bytes: Buffer.from('x'), createdAt: 0, createdBy: w.sb.state.metadata.users[0].id });

    const base = 'https://crm.zoho.com/crm/private/xml';
    const q = (params: Record<string, string>) => new URLSearchParams({ authtoken: 'archived-token', scope: 'crmapi', ...params }).toString();
    const relateXml = `<Leads><row no="1"><FL val="LEADID">${member}</FL><FL val="member_status">Sent</FL></row></Leads>`;
    const convertXml = `<Potentials><row no="1"><option val="createPotential">true</option><option val="assignTo">someone@example.com</option></row><row no="2"><FL val="Potential Name">From archive</FL><FL val="Closing Date">12/21/2026</FL><FL val="Potential Stage">Qualification</FL></row></Potentials>`;
    const lines = [
      `${base}/Leads/deleteRecords?${q({ id: gone })}`,
      `${base}/Campaigns/updateRelatedRecords?${q({ id: campaign, relatedModule: 'Leads', xmlData: relateXml })}`,
      `${base}/Campaigns/delink?${q({ id: campaign, relatedModule: 'Leads', relatedId: former })}`,
      `${base}/Leads/convertLead?${q({ leadId: lead, xmlData: convertXml })}`,
      `${base}/Leads/uploadFile?${q({ id: member, attachmentUrl: 'https://files.example.com/terms.pdf' })}`,
      `${base}/Leads/deleteFile?${q({ id: fileId, parentId: member })}`,
      `${base}/Contacts/deletePhoto?${q({ id: contact })}`,
      // Not convertible, each with its reason:
      `${base}/Contacts/uploadPhoto?${q({ id: contact })}`,
      `${base}/Leads/downloadFile?${q({ id: fileId })}`,
      `${base}/Leads/deleteFile?${q({ id: fileId })}`,
      `${base}/Leads/convertLead?${q({ leadId: lead, xmlData: '<Potentials><row no="1"><option val="createPotential">1</option></row></Potentials>' })}`,
    ];
    const inputs = tempDir('convact-in');
    writeFileSync(join(inputs, 'calls.txt'), `${lines.join('\n')}\n`);
    const out = join(tempDir('convact-out'), 'out.jsonl');
    const { runConvert } = await import('../../src/convert/convert.js');
    await runConvert({ inputs: [join(inputs, 'calls.txt')], out }, memoryIO());
    const docs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(docs.map((d) => [d.operation ?? null, d.status, d.requests.map((r: { method: string; path: string }) => `${r.method} ${r.path}`)])).toEqual([
      ['delete', 'ok', [`DELETE /crm/v2/Leads?ids=${gone}&wf_trigger=false`]],
      ['relate', 'ok', [`PUT /crm/v2/Campaigns/${campaign}/Leads`]],
      ['delink', 'ok', [`DELETE /crm/v2/Campaigns/${campaign}/Leads/${former}`]],
      ['convert', 'ok', [`POST /crm/v2/Leads/${lead}/actions/convert`]],
      ['upload-file', 'ok', [`POST /crm/v2/Leads/${member}/Attachments`]],
      ['delete-file', 'ok', [`DELETE /crm/v2/Leads/${member}/Attachments/${fileId}`]],
      ['delete-photo', 'ok', [`DELETE /crm/v2/Contacts/${contact}/photo`]],
      [null, 'failed', []],
      [null, 'failed', []],
      [null, 'failed', []],
      [null, 'failed', []],
    ]);
    expect(docs[1].requests[0].body).toEqual({ data: [{ id: member, Member_Status: 'Sent' }] });
    expect(docs[3].requests[0].body).toEqual({ data: [{ overwrite: false, notify_lead_owner: false, notify_new_entity_owner: false, Deals: { Deal_Name: 'From archive', Closing_Date: '2026-12-21', Stage: 'Qualification' } }] });
    expect(docs[3].notes).toEqual([expect.stringContaining('assignTo is an e-mail')]);
    expect(docs.slice(7).map((d) => d.error.detail)).toEqual([
      "uploadPhoto: the photo's bytes are not in the archived call; the proxy translates it live",
      'downloadFile is a download: it writes nothing, so there is nothing to convert; the proxy translates it live',
      "deleteFile offline needs the attachment's parent record (the proxy's attachment map): give parentId",
      'convertLead option createPotential is not true or false',
    ]);
    expect(docs[10].error).toMatchObject({ code: '4600', message: expect.stringContaining('"createPotential" parameter') });

    const first = await runReplay({ source: out, config: w.config }, memoryIO());
    expect(first.summary).toMatchObject({ requests: 7, sent: 7, done: 7, failed: 0 });
    const store = w.sb.state.store;
    expect(store.get('Leads', gone)).toBeUndefined();
    expect(store.relationsOf('Campaigns', campaign, 'Leads', 'Leads').map((r) => [r.childId, r.fields.Member_Status])).toEqual([[member, 'Sent']]);
    expect(store.get('Leads', lead)).toBeUndefined();
    expect(w.sb.state.records('Deals').map((d) => d.values.Deal_Name)).toEqual(['From archive']);
    expect([...store.attachments.values()].map((f) => f.fileName)).toEqual(['terms.pdf']);
    expect(store.photos.has(contact)).toBe(false);
    const again = await runReplay({ source: out, config: w.config }, memoryIO());
    expect(again.summary).toMatchObject({ requests: 7, alreadyDone: 7, sent: 0 });
  });
});
