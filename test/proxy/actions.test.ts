/**
 * deleteRecords, updateRelatedRecords, delink, convertLead and the file methods through the real proxy to the
 * embedded sandbox over sockets (docs/PROTOCOL-READS.md §7, §11–§13).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestProxy, TOKEN, type TestProxy } from './helpers.js';

const running: TestProxy[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.close()));
});

async function proxy(config: Record<string, unknown> = {}): Promise<TestProxy> {
  const p = await startTestProxy(config);
  running.push(p);
  return p;
}

const DECL = '<?xml version="1.0" encoding="UTF-8" ?>\n';
const auth = `authtoken=${TOKEN}&scope=crmapi`;

async function insert(p: TestProxy, module: string, fields: Record<string, string>): Promise<string> {
  const fl = Object.entries(fields).map(([k, v]) => `<FL val="${k}">${v}</FL>`).join('');
  const res = await p.http.post(`/crm/private/xml/${module}/insertRecords`).type('form').send({ authtoken: TOKEN, scope: 'crmapi', xmlData: `<${module}><row no="1">${fl}</row></${module}>` });
  const id = /<FL val="Id">(\d+)<\/FL>/.exec(res.text)?.[1];
  if (!id) throw new Error(`insert failed: ${res.text}`);
  return id;
}

const v2Module = (module: string): string => (module === 'Potentials' ? 'Deals' : module);
const stored = (p: TestProxy, module: string, id: string) => p.sandbox.state.store.get(v2Module(module), id);

describe('deleteRecords', () => {
  it('deletes one id (XML and JSON answers as v1), journals the request before the v2 DELETE with wf_trigger=false', async () => {
    const p = await proxy();
    const a = await insert(p, 'Leads', { 'Last Name': 'A', Company: 'X' });
    const xml = await p.http.get(`/crm/private/xml/Leads/deleteRecords?${auth}&id=${a}`);
    expect(xml.text).toBe(
      `${DECL}<response uri="/crm/private/xml/Leads/deleteRecords"><result><code>5000</code><message>Record Id(s) : ${a},Record(s) deleted successfully</message></result></response>\n`,
    );
    expect(stored(p, 'Leads', a)).toBeUndefined();
    expect(p.sandbox.state.store.deleted.has(a)).toBe(true);
    const req = p.requests().find((r) => r.method === 'deleteRecords')!;
    expect(req.plan).toMatchObject({ operation: 'delete', module: 'Leads', requests: [{ method: 'DELETE', path: `/crm/v2/Leads?ids=${a}&wf_trigger=false` }] });
    const b = await insert(p, 'Leads', { 'Last Name': 'B', Company: 'X' });
    const json = await p.http.post('/crm/private/json/Leads/deleteRecords').type('form').send({ authtoken: TOKEN, scope: 'crmapi', id: b });
    expect(json.text).toBe(
      `{"response":{"result":{"message":"Record Id(s) : ${b},Record(s) deleted successfully","code":"5000"},"uri":"/crm/private/json/Leads/deleteRecords"}}\n`,
    );
  });

  it('idlist deletes several; unknown numeric ids still answer success (v1 did), non-numeric ids 4600 with nothing sent', async () => {
    const p = await proxy();
    const ids = [await insert(p, 'Contacts', { 'Last Name': 'C1' }), await insert(p, 'Contacts', { 'Last Name': 'C2' })];
    const list = `${ids.join(';')};12345`;
    const res = await p.http.get(`/crm/private/xml/Contacts/deleteRecords?${auth}&idlist=${list}`);
    expect(res.text).toContain(`<code>5000</code><message>Record Id(s) : ${list},Record(s) deleted successfully</message>`);
    for (const id of ids) expect(stored(p, 'Contacts', id)).toBeUndefined();
    expect(p.outcomes().at(-1)?.notes?.[0]).toContain('12345');
    const before = p.sandbox.state.stats().requests['DELETE /crm/v2/:module'] ?? 0;
    for (const bad of ['id=abc', 'idlist=1;x', '']) {
      const r = await p.http.get(`/crm/private/xml/Contacts/deleteRecords?${auth}&${bad}`);
      expect(r.text).toContain('<code>4600</code>');
    }
    expect(p.sandbox.state.stats().requests['DELETE /crm/v2/:module'] ?? 0).toBe(before);
  });
});

describe('updateRelatedRecords and delink', () => {
  it('relates Leads to a Campaign with member_status, tells added from updated ids, and delinks', async () => {
    const p = await proxy();
    const campaign = await insert(p, 'Campaigns', { 'Campaign Name': 'Spring' });
    const lead1 = await insert(p, 'Leads', { 'Last Name': 'L1', Company: 'X' });
    const lead2 = await insert(p, 'Leads', { 'Last Name': 'L2', Company: 'X' });
    const xmlData = (ids: string[], status: string) =>
      `<Leads>${ids.map((id, i) => `<row no="${i + 1}"><FL val="LEADID">${id}</FL><FL val="member_status">${status}</FL></row>`).join('')}</Leads>`;
    const first = await p.http.post('/crm/private/xml/Campaigns/updateRelatedRecords').type('form').send({ authtoken: TOKEN, scope: 'crmapi', id: campaign, relatedModule: 'Leads', xmlData: xmlData([lead1], 'Sent') });
    expect(first.text).toBe(
      `${DECL}<response uri="/crm/private/xml/Campaigns/updateRelatedRecords"><result><status><code>200</code></status><success><code>4800</code></success><added-ids>[${lead1}]</added-ids></result></response>\n`,
    );
    const second = await p.http.post('/crm/private/json/Campaigns/updateRelatedRecords').type('form').send({ authtoken: TOKEN, scope: 'crmapi', id: campaign, relatedModule: 'Leads', xmlData: xmlData([lead1, lead2], 'Responded') });
    expect(JSON.parse(second.text).response.result).toEqual({ status: { code: '200' }, 'added-ids': `[${lead2}]`, success: { code: '4800' }, 'updated-ids': `[${lead1}]` });
    const relations = [...p.sandbox.state.store.relations.values()];
    expect(relations.map((r) => [r.childId, r.fields.Member_Status])).toEqual([[lead1, 'Responded'], [lead2, 'Responded']]);

    const delink = await p.http.get(`/crm/private/xml/Campaigns/delink?${auth}&id=${campaign}&relatedModule=Leads&relatedId=${lead1}`);
    expect(delink.text).toContain('<success><code>4800</code>');
    expect([...p.sandbox.state.store.relations.values()].map((r) => r.childId)).toEqual([lead2]);
  });

  it('Products ↔ Contacts by CONTACTID; a relatedModule without a relation is 4600 "relatedModule"', async () => {
    const p = await proxy();
    const product = await insert(p, 'Products', { 'Product Name': 'Widget' });
    const contact = await insert(p, 'Contacts', { 'Last Name': 'Buyer' });
    const ok = await p.http.get(`/crm/private/xml/Products/updateRelatedRecords?${auth}&id=${product}&relatedModule=Contacts&xmlData=${encodeURIComponent(`<Contacts><row no="1"><FL val="CONTACTID">${contact}</FL></row></Contacts>`)}`);
    expect(ok.text).toContain(`<added-ids>[${contact}]</added-ids>`);
    const bad = await p.http.get(`/crm/private/xml/Products/updateRelatedRecords?${auth}&id=${product}&relatedModule=Solutions&xmlData=${encodeURIComponent('<Solutions><row no="1"><FL val="SOLUTIONID">1</FL></row></Solutions>')}`);
    expect(bad.text).toContain('"relatedModule" parameter');
  });
});

describe('convertLead', () => {
  const options = (createPotential: boolean, assignTo?: string) =>
    `<row no="1"><option val="createPotential">${createPotential}</option>${assignTo ? `<option val="assignTo">${assignTo}</option>` : ''}<option val="notifyLeadOwner">false</option><option val="notifyNewEntityOwner">false</option></row>`;

  it('with a potential: Contact, Potential, Account in the unwrapped <success>; the Deal carries the row-2 fields', async () => {
    const p = await proxy();
    const lead = await insert(p, 'Leads', { 'Last Name': 'Convert', 'First Name': 'Ann', Company: 'Zylker' });
    const xmlData = `<Potentials>${options(true)}<row no="2"><FL val="Potential Name">Big deal</FL><FL val="Closing Date">12/21/2026</FL><FL val="Potential Stage">Qualification</FL><FL val="Amount">3432.23</FL><FL val="Contact Role">Purchasing</FL></row></Potentials>`;
    const res = await p.http.post('/crm/private/xml/Leads/convertLead').type('form').send({ authtoken: TOKEN, scope: 'crmapi', leadId: lead, xmlData });
    const m = /^<\?xml version="1.0" encoding="UTF-8" \?>\n<success><Contact param="id">(\d+)<\/Contact><Potential param="id">(\d+)<\/Potential><Account param="id">(\d+)<\/Account><\/success>\n$/.exec(res.text);
    expect(m, res.text).not.toBeNull();
    const [, contactId, dealId, accountId] = m!;
    expect(stored(p, 'Contacts', contactId)?.values).toMatchObject({ Last_Name: 'Convert', First_Name: 'Ann' });
    expect(stored(p, 'Potentials', dealId)?.values).toMatchObject({ Deal_Name: 'Big deal', Closing_Date: '2026-12-21', Stage: 'Qualification', Amount: 3432.23 });
    expect(stored(p, 'Accounts', accountId)?.values.Account_Name).toBe('Zylker');
    expect(stored(p, 'Leads', lead)).toBeUndefined();
    expect(p.outcomes().at(-1)?.notes).toEqual(['Contact Role has no slot in the v2 convert body: dropped']);
  });

  it('without a potential (JSON): Contact and Account only; assignTo by e-mail becomes the owner', async () => {
    const p = await proxy();
    const users = p.sandbox.state.metadata.users;
    const other = users[1] ?? users[0];
    const lead = await insert(p, 'Leads', { 'Last Name': 'Solo', Company: 'Acme' });
    const res = await p.http.get(`/crm/private/json/Leads/convertLead?${auth}&leadId=${lead}&xmlData=${encodeURIComponent(`<Potentials>${options(false, other.email)}</Potentials>`)}`);
    const body = JSON.parse(res.text);
    expect(Object.keys(body.success)).toEqual(['Contact', 'Account']);
    expect(body.success.Contact.param).toBe('id');
    expect(res.text).toMatch(/^\{"success":\{"Contact":\{"content":"\d+","param":"id"\},"Account":\{"content":"\d+","param":"id"\}\}\}\n$/);
    expect(stored(p, 'Contacts', body.success.Contact.content)?.ownerId).toBe(other.id);
  });

  it('an unknown lead and a non-numeric leadId answer 4600 "leadId" in the normal envelope', async () => {
    const p = await proxy();
    const unknown = await p.http.get(`/crm/private/json/Leads/convertLead?${auth}&leadId=1234567890123456789`);
    expect(unknown.text).toBe(
      '{"response":{"error":{"message":"Unable to process your request. Please verify if the name and value is appropriate for the \\"leadId\\" parameter.","code":"4600"},"uri":"/crm/private/json/Leads/convertLead"}}\n',
    );
    const bad = await p.http.get(`/crm/private/xml/Leads/convertLead?${auth}&leadId=abc`);
    expect(bad.text).toContain('"leadId" parameter');
  });
});

describe('files and photos', () => {
  it('a file name outside ASCII comes back whole in the download (RFC 6266 filename*), an ASCII one as before', async () => {
    const p = await proxy();
    const lead = await insert(p, 'Leads', { 'Last Name': 'Names', Company: 'X' });
    for (const [name, expected] of [
      ['日本.txt', "attachment; filename=\"??.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt"],
      ['résumé €.txt', "attachment; filename=\"r?sum? ?.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.txt"],
      ['plain.txt', 'attachment;filename="plain.txt"'],
    ]) {
      const up = await p.http.post('/crm/private/xml/Leads/uploadFile').field('authtoken', TOKEN).field('scope', 'crmapi').field('id', lead).attach('content', Buffer.from('x'), { filename: name, contentType: 'text/plain' });
      const id = /<FL val="Id">(\d+)<\/FL>/.exec(up.text)?.[1];
      expect(id, up.text).toBeDefined();
      const down = await p.http.get(`/crm/private/xml/Leads/downloadFile?${auth}&id=${id}`);
      expect(down.headers['content-disposition']).toBe(expected);
    }
  });

  it('uploads 15 MB, downloads it byte for byte, deletes it; the attachment map survives a proxy restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zb-files-'));
    const dataFile = join(dir, 'sandbox.json');
    const config = { journal: { dir: join(dir, 'journal') }, sandbox: { dataFile } };
    let p = await startTestProxy(config);
    const lead = await insert(p, 'Leads', { 'Last Name': 'Files', Company: 'X' });
    const bytes = Buffer.alloc(15 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 4096) bytes.writeUInt32BE(i, i);
    const up = await p.http.post('/crm/private/xml/Leads/uploadFile').field('authtoken', TOKEN).field('scope', 'crmapi').field('id', lead).attach('content', bytes, { filename: 'big.bin', contentType: 'application/octet-stream' });
    expect(up.text).toMatch(/<result><message>File has been attached successfully<\/message><recorddetail><FL val="Id">\d+<\/FL><FL val="Created Time">[\d-]+ [\d:]+<\/FL>/);
    const attachmentId = /<FL val="Id">(\d+)<\/FL>/.exec(up.text)![1];
    await p.close();

    p = await startTestProxy(config);
    running.push(p);
    const down = await p.http.get(`/crm/private/xml/Leads/downloadFile?${auth}&id=${attachmentId}`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(down.headers['content-type']).toBe('application/octet-stream');
    expect((down.body as Buffer).length).toBe(bytes.length);
    expect(Buffer.compare(down.body as Buffer, bytes)).toBe(0);
    const del = await p.http.get(`/crm/private/xml/Leads/deleteFile?${auth}&id=${attachmentId}`);
    expect(del.text).toBe(`${DECL}<response uri="/crm/private/xml/Leads/deleteFile"><success><code>4800</code><message>Attachment deleted successfully.</message></success></response>\n`);
    expect((await p.http.get(`/crm/private/xml/Leads/deleteFile?${auth}&id=${attachmentId}`)).text).toContain('"id" parameter');
  });

  it('enforces v1 limits: a file over 20 MB → 4807, nothing sent; a photo that is no image → 4424', async () => {
    const p = await proxy();
    const lead = await insert(p, 'Leads', { 'Last Name': 'Big', Company: 'X' });
    const tooBig = await p.http.post('/crm/private/xml/Leads/uploadFile').field('authtoken', TOKEN).field('scope', 'crmapi').field('id', lead).attach('content', Buffer.alloc(20 * 1024 * 1024 + 1), 'x.bin');
    expect(tooBig.text).toContain('<code>4807</code><message>Exceeded file size limit</message>');
    expect(p.sandbox.state.store.attachments.size).toBe(0);
    const notImage = await p.http.post('/crm/private/xml/Leads/uploadPhoto').field('authtoken', TOKEN).field('scope', 'crmapi').field('id', lead).attach('content', Buffer.from('hello'), { filename: 'a.txt', contentType: 'text/plain' });
    expect(notImage.text).toContain('<code>4424</code>');
  });

  it('uploadPhoto / downloadPhoto / deletePhoto', async () => {
    const p = await proxy();
    const contact = await insert(p, 'Contacts', { 'Last Name': 'Face' });
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(1000, 1)]);
    const up = await p.http.post('/crm/private/json/Contacts/uploadPhoto').field('authtoken', TOKEN).field('scope', 'crmapi').field('id', contact).attach('content', png, { filename: 'me.png', contentType: 'image/png' });
    expect(up.text).toBe('{"response":{"success":{"message":"Photo uploaded succuessfully","code":"4800"},"uri":"/crm/private/json/Contacts/uploadPhoto"}}\n');
    const down = await p.http.get(`/crm/private/xml/Contacts/downloadPhoto?${auth}&id=${contact}`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(Buffer.compare(down.body as Buffer, png)).toBe(0);
    expect((await p.http.get(`/crm/private/xml/Contacts/deletePhoto?${auth}&id=${contact}`)).text).toContain('<code>4800</code>');
    expect((await p.http.get(`/crm/private/xml/Contacts/downloadPhoto?${auth}&id=${contact}`)).text).toContain('<code>4422</code>');
  });
});

describe('getDeletedRecordIds and getRelatedRecords', () => {
  it('getDeletedRecordIds lists deleted ids newest first, windowed, and nodata when there are none', async () => {
    const p = await proxy();
    expect((await p.http.get(`/crm/private/xml/Leads/getDeletedRecordIds?${auth}`)).text).toContain('<nodata><code>4422</code>');
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push(await insert(p, 'Leads', { 'Last Name': `D${i}`, Company: 'X' }));
    for (const id of ids) await p.http.get(`/crm/private/xml/Leads/deleteRecords?${auth}&id=${id}`);
    const all = await p.http.get(`/crm/private/xml/Leads/getDeletedRecordIds?${auth}`);
    const listed = /<DeletedIDs>([\d,]+)<\/DeletedIDs>/.exec(all.text)![1].split(',');
    expect(new Set(listed)).toEqual(new Set(ids));
    const json = await p.http.get(`/crm/private/json/Leads/getDeletedRecordIds?${auth}&fromIndex=1&toIndex=2`);
    expect(JSON.parse(json.text).response.result.DeletedIDs.split(',')).toHaveLength(2);
    expect(json.text).toMatch(/^\{"response":\{"result":\{"DeletedIDs":"\d+,\d+"\},"uri":"\/crm\/private\/json\/Leads\/getDeletedRecordIds"\}\}\n$/);
  });

  it('getRelatedRecords answers the child rows of a parent (lookup and junction lists), nodata when empty, 4600 for a bad parent', async () => {
    const p = await proxy();
    const account = await insert(p, 'Accounts', { 'Account Name': 'Parent Co' });
    const contact = await insert(p, 'Contacts', { 'Last Name': 'Child', ACCOUNTID: account });
    await insert(p, 'Contacts', { 'Last Name': 'Unrelated' });
    const res = await p.http.get(`/crm/private/xml/Contacts/getRelatedRecords?${auth}&parentModule=Accounts&id=${account}`);
    expect(res.text).toContain('<response uri="/crm/private/xml/Contacts/getRelatedRecords"><result><Contacts><row no="1">');
    expect(res.text).toContain(`<FL val="CONTACTID">${contact}</FL>`);
    expect(res.text).not.toContain('Unrelated');
    expect((await p.http.get(`/crm/private/xml/Potentials/getRelatedRecords?${auth}&parentModule=Accounts&id=${account}`)).text).toContain('<code>4422</code>');
    expect((await p.http.get(`/crm/private/xml/Contacts/getRelatedRecords?${auth}&parentModule=Nope&id=${account}`)).text).toContain('"parentModule" parameter');
    const campaign = await insert(p, 'Campaigns', { 'Campaign Name': 'C' });
    const lead = await insert(p, 'Leads', { 'Last Name': 'Member', Company: 'X' });
    await p.http.get(`/crm/private/xml/Campaigns/updateRelatedRecords?${auth}&id=${campaign}&relatedModule=Leads&xmlData=${encodeURIComponent(`<Leads><row no="1"><FL val="LEADID">${lead}</FL></row></Leads>`)}`);
    const members = await p.http.get(`/crm/private/json/Leads/getRelatedRecords?${auth}&parentModule=Campaigns&id=${campaign}`);
    expect(members.text).toContain(`"content":"${lead}","val":"LEADID"`);
  });
});
