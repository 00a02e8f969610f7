import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import { manualClock, sandbox, type TestSandbox } from './helpers.js';

async function insertOne(t: TestSandbox, module: string, record: Record<string, unknown>): Promise<string> {
  const res = await t.http.post(`/crm/v2/${module}`).set(t.auth).send({ data: [record] });
  if (res.status !== 201) throw new Error(`insert ${module} failed: ${res.text}`);
  return res.body.data[0].details.id as string;
}

describe('DELETE and the recycle bin', () => {
  it('deletes by ids (record deleted), reports unknown ids per entry, lists deleted newest first', async () => {
    const clock = manualClock();
    const t = await sandbox({ now: clock.now });
    const a = await insertOne(t, 'Leads', { Last_Name: 'A', Company: 'X' });
    const b = await insertOne(t, 'Leads', { Last_Name: 'B', Company: 'X' });
    const del = await t.http.delete(`/crm/v2/Leads?ids=${a},1234567890123456789&wf_trigger=false`).set(t.auth);
    expect(del.status).toBe(200);
    expect(del.body.data).toEqual([
      { code: 'SUCCESS', details: { id: a }, message: 'record deleted', status: 'success' },
      { code: 'INVALID_DATA', details: { id: '1234567890123456789' }, message: 'record not deleted', status: 'error' },
    ]);
    clock.advance(60_000);
    expect((await t.http.delete(`/crm/v2/Leads/${b}`).set(t.auth)).status).toBe(200);
    expect((await t.http.get(`/crm/v2/Leads/${a}`).set(t.auth)).status).toBe(204);
    const listed = await t.http.get('/crm/v2/Leads/deleted?type=all').set(t.auth);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((d: { id: string }) => d.id)).toEqual([b, a]);
    expect(Object.keys(listed.body.data[0])).toEqual(['deleted_by', 'id', 'display_name', 'type', 'created_by', 'deleted_time']);
    expect(listed.body.data[0]).toMatchObject({ type: 'recycle', display_name: 'B' });
    expect(listed.body.info).toMatchObject({ count: 2, page: 1, more_records: false });
    // If-Modified-Since: only deletions after it; 304 when there are none.
    const since = new Date(clock.now() - 30_000).toISOString();
    const newer = await t.http.get('/crm/v2/Leads/deleted').set(t.auth).set('If-Modified-Since', since);
    expect(newer.body.data.map((d: { id: string }) => d.id)).toEqual([b]);
    const none = await t.http.get('/crm/v2/Leads/deleted').set(t.auth).set('If-Modified-Since', new Date(clock.now() + 1000).toISOString());
    expect(none.status).toBe(304);
    expect((await t.http.get('/crm/v2/Contacts/deleted').set(t.auth)).status).toBe(204);
  });

  it('refuses more than 100 ids and a missing ids parameter', async () => {
    const t = await sandbox();
    const ids = Array.from({ length: 101 }, (_, i) => String(1e18 + i));
    expect((await t.http.delete(`/crm/v2/Leads?ids=${ids.join(',')}`).set(t.auth)).body.code).toBe('LIMIT_EXCEEDED');
    expect((await t.http.delete('/crm/v2/Leads').set(t.auth)).body.code).toBe('REQUIRED_PARAM_MISSING');
  });
});

describe('related lists', () => {
  it('Activities (open) and Activities_History (closed) hold Tasks, Events and Calls with their Activity_Type; Deals keep a Stage_History', async () => {
    const clock = manualClock();
    const t = await sandbox({ now: clock.now });
    const lead = await insertOne(t, 'Leads', { Last_Name: 'Busy', Company: 'B' });
    const what = { id: lead };
    const past = new Date(clock.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, '+00:00');
    const future = new Date(clock.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, '+00:00');
    const open = await insertOne(t, 'Tasks', { Subject: 'open', Status: 'Not Started', What_Id: what, $se_module: 'Leads' });
    const done = await insertOne(t, 'Tasks', { Subject: 'done', Status: 'Completed', What_Id: what, $se_module: 'Leads' });
    const meeting = await insertOne(t, 'Events', { Event_Title: 'soon', Start_DateTime: future, End_DateTime: future, What_Id: what, $se_module: 'Leads' });
    const call = await insertOne(t, 'Calls', { Subject: 'logged', Call_Type: 'Outbound', Call_Start_Time: past, Call_Duration: '00:10', What_Id: what, $se_module: 'Leads' });
    const openList = await t.http.get(`/crm/v2/Leads/${lead}/Activities`).set(t.auth);
    expect(openList.body.data.map((r: { id: string; Activity_Type: string }) => [r.id, r.Activity_Type])).toEqual([[meeting, 'Events'], [open, 'Tasks']]);
    const closed = await t.http.get(`/crm/v2/Leads/${lead}/Activities_History`).set(t.auth);
    expect(closed.body.data.map((r: { id: string; Activity_Type: string }) => [r.id, r.Activity_Type])).toEqual([[call, 'Calls'], [done, 'Tasks']]);

    const deal = await insertOne(t, 'Deals', { Deal_Name: 'D', Stage: 'Qualification', Amount: 1000, Probability: 10, Closing_Date: '2026-12-21' });
    clock.advance(60_000);
    expect((await t.http.put(`/crm/v2/Deals/${deal}`).set(t.auth).send({ data: [{ Stage: 'Closed Won', Probability: 100 }] })).status).toBe(200);
    expect((await t.http.put(`/crm/v2/Deals/${deal}`).set(t.auth).send({ data: [{ Stage: 'Closed Won', Amount: 5 }] })).status).toBe(200);
    const history = await t.http.get(`/crm/v2/Deals/${deal}/Stage_History`).set(t.auth);
    expect(history.body.data.map((e: Record<string, unknown>) => [e.Stage, e.Amount, e.Probability, e.Expected_Revenue])).toEqual([
      ['Closed Won', 1000, 100, 1000],
      ['Qualification', 1000, 10, 100],
    ]);
    expect(Object.keys(history.body.data[0])).toEqual(['Stage', 'Amount', 'Probability', 'Expected_Revenue', 'Closing_Date', 'Modified_Time', 'Modified_By', 'id']);
    expect((await t.http.get(`/crm/v2/Leads/${lead}/Stage_History`).set(t.auth)).status).toBe(400);
  });

  it('derives the lists from metadata and serves lookup and junction lists', async () => {
    const t = await sandbox();
    const lists = await t.http.get('/crm/v2/settings/related_lists?module=Accounts').set(t.auth);
    const names = lists.body.related_lists.map((l: { api_name: string }) => l.api_name);
    expect(names).toEqual(expect.arrayContaining(['Contacts', 'Deals', 'Products', 'Notes', 'Attachments', 'Activities', 'Activities_History']));
    expect(names).not.toContain('Tasks');
    const account = await insertOne(t, 'Accounts', { Account_Name: 'Zylker' });
    const c1 = await insertOne(t, 'Contacts', { Last_Name: 'One', Account_Name: { id: account } });
    await insertOne(t, 'Contacts', { Last_Name: 'Elsewhere' });
    const contacts = await t.http.get(`/crm/v2/Accounts/${account}/Contacts`).set(t.auth);
    expect(contacts.body.data.map((r: { id: string }) => r.id)).toEqual([c1]);
    expect((await t.http.get(`/crm/v2/Accounts/${account}/Deals`).set(t.auth)).status).toBe(204);

    const campaign = await insertOne(t, 'Campaigns', { Campaign_Name: 'Spring' });
    const lead = await insertOne(t, 'Leads', { Last_Name: 'L', Company: 'C' });
    const put = await t.http.put(`/crm/v2/Campaigns/${campaign}/Leads`).set(t.auth).send({ data: [{ id: lead, Member_Status: 'Sent' }] });
    expect(put.body.data).toEqual([{ code: 'SUCCESS', details: { id: lead }, message: 'relation updated', status: 'success' }]);
    const members = await t.http.get(`/crm/v2/Campaigns/${campaign}/Leads`).set(t.auth);
    expect(members.body.data[0]).toMatchObject({ id: lead, Member_Status: 'Sent' });
    // The other direction sees the same relation.
    const reverse = await t.http.get(`/crm/v2/Leads/${lead}/Campaigns`).set(t.auth);
    expect(reverse.body.data[0]).toMatchObject({ id: campaign, Member_Status: 'Sent' });
    const bad = await t.http.put(`/crm/v2/Campaigns/${campaign}/Leads`).set(t.auth).send({ data: [{ id: lead, Unknown: 1 }] });
    expect(bad.body.data[0].code).toBe('INVALID_DATA');
    const delink = await t.http.delete(`/crm/v2/Campaigns/${campaign}/Leads/${lead}`).set(t.auth);
    expect(delink.body.data[0]).toMatchObject({ code: 'SUCCESS', message: 'relation removed' });
    expect((await t.http.get(`/crm/v2/Campaigns/${campaign}/Leads`).set(t.auth)).status).toBe(204);
    expect((await t.http.get(`/crm/v2/Campaigns/${campaign}/NoSuchList`).set(t.auth)).body.code).toBe('INVALID_DATA');
  });
});

describe('lead conversion', () => {
  it('creates Contact + Account (+ Deal when asked) and removes the lead without a deleted entry', async () => {
    const t = await sandbox();
    const lead = await insertOne(t, 'Leads', { Last_Name: 'Boyle', First_Name: 'Ann', Company: 'Zylker', Email: 'a@z.example' });
    const res = await t.http
      .post(`/crm/v2/Leads/${lead}/actions/convert`)
      .set(t.auth)
      .send({ data: [{ overwrite: true, Deals: { Deal_Name: 'Big', Closing_Date: '2026-12-01', Stage: 'Qualification' } }] });
    expect(res.status).toBe(200);
    const out = res.body.data[0];
    expect(Object.keys(out)).toEqual(['Contacts', 'Deals', 'Accounts']);
    const contact = await t.http.get(`/crm/v2/Contacts/${out.Contacts}`).set(t.auth);
    expect(contact.body.data[0]).toMatchObject({ Last_Name: 'Boyle', Email: 'a@z.example', Account_Name: { id: out.Accounts } });
    const deal = await t.http.get(`/crm/v2/Deals/${out.Deals}`).set(t.auth);
    expect(deal.body.data[0]).toMatchObject({ Deal_Name: 'Big', Contact_Name: { id: out.Contacts } });
    expect((await t.http.get(`/crm/v2/Leads/${lead}`).set(t.auth)).status).toBe(204);
    expect((await t.http.get('/crm/v2/Leads/deleted').set(t.auth)).status).toBe(204);

    const lead2 = await insertOne(t, 'Leads', { Last_Name: 'Two', Company: 'Zylker' });
    const res2 = await t.http.post(`/crm/v2/Leads/${lead2}/actions/convert`).set(t.auth).send({ data: [{}] });
    expect(res2.body.data[0]).toMatchObject({ Deals: null, Accounts: out.Accounts }); // the existing account is reused
    expect((await t.http.post(`/crm/v2/Leads/${lead}/actions/convert`).set(t.auth).send({ data: [{}] })).status).toBe(400);
  });
});

describe('attachments and photos', () => {
  it('uploads, lists, downloads byte for byte and deletes', async () => {
    const t = await sandbox();
    const lead = await insertOne(t, 'Leads', { Last_Name: 'Files', Company: 'X' });
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
    const up = await t.http.post(`/crm/v2/Leads/${lead}/Attachments`).set(t.auth).attach('file', bytes, { filename: 'report.bin', contentType: 'application/octet-stream' });
    expect(up.status).toBe(200);
    expect(up.body.data[0]).toMatchObject({ code: 'SUCCESS', message: 'attachment uploaded successfully' });
    const attId = up.body.data[0].details.id as string;
    const list = await t.http.get(`/crm/v2/Leads/${lead}/Attachments`).set(t.auth);
    expect(list.body.data[0]).toMatchObject({ id: attId, File_Name: 'report.bin', Size: String(bytes.length), Parent_Id: { id: lead } });
    const down = await t.http.get(`/crm/v2/Leads/${lead}/Attachments/${attId}`).set(t.auth).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(Buffer.compare(down.body as Buffer, bytes)).toBe(0);
    expect(down.headers['content-disposition']).toContain('report.bin');
    expect((await t.http.delete(`/crm/v2/Leads/${lead}/Attachments/${attId}`).set(t.auth)).body.data[0].code).toBe('SUCCESS');
    expect((await t.http.get(`/crm/v2/Leads/${lead}/Attachments/${attId}`).set(t.auth)).status).toBe(400);

    const photo = Buffer.from('89504e470d0a1a0a', 'hex');
    const pu = await t.http.post(`/crm/v2/Leads/${lead}/photo`).set(t.auth).attach('file', photo, { filename: 'p.png', contentType: 'image/png' });
    expect(pu.body).toEqual({ code: 'SUCCESS', details: {}, message: 'photo uploaded successfully', status: 'success' });
    const pd = await t.http.get(`/crm/v2/Leads/${lead}/photo`).set(t.auth);
    expect(pd.headers['content-type']).toBe('image/png');
    expect((await t.http.delete(`/crm/v2/Leads/${lead}/photo`).set(t.auth)).body.message).toBe('Photo deleted');
    expect((await t.http.get(`/crm/v2/Leads/${lead}/photo`).set(t.auth)).status).toBe(204);
  });

  it('keeps deleted records, relations and files across a restart with dataFile', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'zb-sb-')), 'data.json');
    const t = await sandbox({ dataFile });
    const lead = await insertOne(t, 'Leads', { Last_Name: 'Keep', Company: 'X' });
    const gone = await insertOne(t, 'Leads', { Last_Name: 'Gone', Company: 'X' });
    const up = await t.http.post(`/crm/v2/Leads/${lead}/Attachments`).set(t.auth).attach('file', Buffer.from('hello'), 'h.txt');
    await t.http.delete(`/crm/v2/Leads/${gone}`).set(t.auth);
    await t.sb.close();
    const again = await startSandbox({ dataFile });
    try {
      expect(again.state.store.deleted.has(gone)).toBe(true);
      expect(again.state.store.attachments.get(up.body.data[0].details.id)?.bytes.toString()).toBe('hello');
    } finally {
      await again.close();
    }
  });
});
