/**
 * getRelatedRecords children beyond plain modules (docs/PROTOCOL-READS.md §11.1), through the proxy to the
 * sandbox over sockets: the pseudo-children Attachments, ContactRoles and PotStageHistory (from v2's
 * `Attachments`, `Contact_Roles` and `Stage_History` lists), Notes, and Tasks / Events / Calls from v2's activity
 * lists (`Activities` open, `Activities_History` closed, told apart by `Activity_Type`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { seedRecord, startTestProxy, TOKEN, type TestProxy } from './helpers.js';

const running: TestProxy[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.close()));
});
async function proxy(): Promise<TestProxy> {
  const p = await startTestProxy();
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

const related = (p: TestProxy, child: string, parent: string, id: string, extra = '', fmt = 'xml') =>
  p.http.get(`/crm/private/${fmt}/${child}/getRelatedRecords?${auth}&parentModule=${parent}&id=${id}${extra}`);

const owner = (p: TestProxy) => p.sandbox.state.metadata.users[0];
const FL = (label: string, value: string) => `<FL val="${label}"><![CDATA[${value}]]></FL>`;
const RAW = (label: string, value: string) => `<FL val="${label}">${value}</FL>`;
/** `yyyy-MM-dd HH:mm:ss` of a sandbox time in the profile's zone (the test profile has none: the user's wall clock). */
const v1Time = (text: string) => /(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)/.exec(text);

describe('pseudo-children', () => {
  it('Attachments of a record: one row per file, newest first; listing teaches the attachment map (downloadFile works after)', async () => {
    const p = await proxy();
    const lead = await insert(p, 'Leads', { 'Last Name': 'Files', Company: 'F' });
    expect((await related(p, 'Attachments', 'Leads', lead)).text).toContain('<nodata><code>4422</code>');
    // Files attached outside this proxy (the web UI): the proxy's attachment map does not know them yet.
    const store = p.sandbox.state.store;
    // One creation time for both (two clock reads can fall on either side of a second under load).
    const createdAt = p.sandbox.state.now();
    const add = (name: string, bytes: string) => {
      const { id } = store.next();
      store.attachments.set(id, { id, module: 'Leads', parentId: lead, fileName: name, contentType: 'text/plain', bytes: Buffer.from(bytes), createdAt, createdBy: owner(p).id });
      return id;
    };
    const first = add('a.txt', 'alpha');
    const second = add('b & c.txt', 'bravo!');
    expect((await p.http.get(`/crm/private/xml/Leads/downloadFile?${auth}&id=${first}`)).text).toContain('"id" parameter');

    const xml = (await related(p, 'Attachments', 'Leads', lead)).text;
    const t = v1Time(xml)![0];
    expect(xml).toBe(
      `${DECL}<response uri="/crm/private/xml/Attachments/getRelatedRecords"><result><Attachments>` +
        `<row no="1">${RAW('id', second)}${FL('File Name', 'b & c.txt')}${FL('Size', '6')}${RAW('SMOWNERID', owner(p).id)}${FL('Attached By', owner(p).fullName)}${FL('Created Time', t)}${FL('Modified Time', t)}</row>` +
        `<row no="2">${RAW('id', first)}${FL('File Name', 'a.txt')}${FL('Size', '5')}${RAW('SMOWNERID', owner(p).id)}${FL('Attached By', owner(p).fullName)}${FL('Created Time', t)}${FL('Modified Time', t)}</row>` +
        `</Attachments></result></response>\n`,
    );
    const json = JSON.parse((await related(p, 'Attachments', 'Leads', lead, '&fromIndex=2&toIndex=2', 'json')).text);
    expect(json.response.result.Attachments.row).toEqual({
      no: '1',
      FL: [
        { content: first, val: 'id' },
        { content: 'a.txt', val: 'File Name' },
        { content: '5', val: 'Size' },
        { content: owner(p).id, val: 'SMOWNERID' },
        { content: owner(p).fullName, val: 'Attached By' },
        { content: t, val: 'Created Time' },
        { content: t, val: 'Modified Time' },
      ],
    });
    // The listing taught the map: the attachment can now be downloaded by its id alone, as in v1.
    const down = await p.http.get(`/crm/private/xml/Leads/downloadFile?${auth}&id=${first}`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect((down.body as Buffer).toString()).toBe('alpha');
  });

  it('ContactRoles of a Potential: each contact with its role (v2 Contact_Roles); only under Potentials', async () => {
    const p = await proxy();
    const deal = await insert(p, 'Potentials', { 'Potential Name': 'Roles', Stage: 'Qualification', 'Closing Date': '12/21/2026' });
    const ann = await insert(p, 'Contacts', { 'First Name': 'Ann', 'Last Name': 'Lee', Email: 'ann@example.com' });
    const bo = await insert(p, 'Contacts', { 'Last Name': 'Chen' });
    expect((await related(p, 'ContactRoles', 'Potentials', deal)).text).toContain('<code>4422</code>');
    // Roles are set in the org's UI (v1's updateRelatedRecords never covered Potentials ↔ Contacts).
    const store = p.sandbox.state.store;
    store.relate({ parentModule: 'Deals', parentId: deal, list: 'Contact_Roles', childModule: 'Contacts', childId: ann, fields: { Contact_Role: 'Decision Maker' } });
    store.relate({ parentModule: 'Deals', parentId: deal, list: 'Contact_Roles', childModule: 'Contacts', childId: bo, fields: { Contact_Role: 'Evaluator' } });
    const xml = (await related(p, 'ContactRoles', 'Potentials', deal)).text;
    expect(xml).toBe(
      `${DECL}<response uri="/crm/private/xml/ContactRoles/getRelatedRecords"><result><ContactRoles>` +
        `<row no="1">${RAW('CNTROLEID', ann)}${RAW('CONTACTID', ann)}${FL('Contact Name', 'Ann Lee')}${FL('Email', 'ann@example.com')}${FL('Contact Role', 'Decision Maker')}</row>` +
        `<row no="2">${RAW('CNTROLEID', bo)}${RAW('CONTACTID', bo)}${FL('Contact Name', 'Chen')}${FL('Contact Role', 'Evaluator')}</row>` +
        `</ContactRoles></result></response>\n`,
    );
    const json = (await related(p, 'ContactRoles', 'Potentials', deal, '&newFormat=2&toIndex=2&fromIndex=2', 'json')).text;
    expect(json).toBe(
      `{"response":{"result":{"ContactRoles":{"row":{"no":"1","FL":[{"content":"${bo}","val":"CNTROLEID"},{"content":"${bo}","val":"CONTACTID"},{"content":"Chen","val":"Contact Name"},{"content":"null","val":"Email"},{"content":"Evaluator","val":"Contact Role"}]}}},"uri":"/crm/private/json/ContactRoles/getRelatedRecords"}}\n`,
    );
    const lead = await insert(p, 'Leads', { 'Last Name': 'L', Company: 'C' });
    expect((await related(p, 'ContactRoles', 'Leads', lead)).text).toContain('"parentModule" parameter');
  });

  it('PotStageHistory of a Potential: one row per stage it went through, newest first', async () => {
    const p = await proxy();
    const deal = await insert(p, 'Potentials', { 'Potential Name': 'Staged', Stage: 'Qualification', Amount: '1000', Probability: '10', 'Closing Date': '12/21/2026' });
    await p.http.post('/crm/private/xml/Potentials/updateRecords').type('form').send({
      authtoken: TOKEN,
      scope: 'crmapi',
      id: deal,
      xmlData: '<Potentials><row no="1"><FL val="Stage">Negotiation/Review</FL><FL val="Probability">90</FL><FL val="Amount">3432.5</FL></row></Potentials>',
    });
    // An update that leaves the stage as it is adds no entry.
    await p.http.post('/crm/private/xml/Potentials/updateRecords').type('form').send({ authtoken: TOKEN, scope: 'crmapi', id: deal, xmlData: '<Potentials><row no="1"><FL val="Stage">Negotiation/Review</FL></row></Potentials>' });
    const xml = (await related(p, 'PotStageHistory', 'Potentials', deal)).text;
    const ids = p.sandbox.state.store.stageHistory.map((e) => e.id).reverse();
    expect(ids).toHaveLength(2);
    // Each entry keeps the time of its own write (the insert and the update may fall in different seconds).
    const [t1, t2] = [...xml.matchAll(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g)].map((m) => m[0]);
    expect(t1 >= t2).toBe(true);
    const by = `${RAW('MODIFIEDBY', owner(p).id)}${FL('Modified By', owner(p).fullName)}`;
    expect(xml).toBe(
      `${DECL}<response uri="/crm/private/xml/PotStageHistory/getRelatedRecords"><result><PotStageHistory>` +
        `<row no="1">${RAW('POTENTIALSTAGEHISTORYID', ids[0])}${FL('Stage', 'Negotiation/Review')}${FL('Amount', '3432.5')}${FL('Probability', '90')}${FL('Expected Revenue', '3089.25')}${FL('Closing Date', '2026-12-21')}${by}${FL('Modified Time', t1)}</row>` +
        `<row no="2">${RAW('POTENTIALSTAGEHISTORYID', ids[1])}${FL('Stage', 'Qualification')}${FL('Amount', '1000')}${FL('Probability', '10')}${FL('Expected Revenue', '100')}${FL('Closing Date', '2026-12-21')}${by}${FL('Modified Time', t2)}</row>` +
        `</PotStageHistory></result></response>\n`,
    );
    expect(JSON.parse((await related(p, 'PotStageHistory', 'Potentials', deal, '', 'json')).text).response.result.PotStageHistory.row).toHaveLength(2);
    const account = await insert(p, 'Accounts', { 'Account Name': 'A' });
    expect((await related(p, 'PotStageHistory', 'Accounts', account)).text).toContain('"parentModule" parameter');
    expect((await related(p, 'PotStageHistory', 'Potentials', 'abc')).text).toContain('"id" parameter');
  });
});

describe('Notes and activities', () => {
  it('Notes of a record (v2 Notes list, Notes columns)', async () => {
    const p = await proxy();
    const lead = await insert(p, 'Leads', { 'Last Name': 'Noted', Company: 'N' });
    seedRecord(p.sandbox, 'Notes', '4150868000000700001', { Note_Title: 'Call back', Note_Content: 'Tuesday', Parent_Id: { name: 'Noted', id: lead }, $se_module: 'Leads' });
    seedRecord(p.sandbox, 'Notes', '4150868000000700002', { Note_Title: 'Other', Note_Content: 'x', Parent_Id: { name: 'Else', id: '1' }, $se_module: 'Leads' });
    const xml = (await related(p, 'Notes', 'Leads', lead)).text;
    expect(xml).toContain('<response uri="/crm/private/xml/Notes/getRelatedRecords"><result><Notes><row no="1"><FL val="ACTIVITYID">4150868000000700001</FL>');
    expect(xml).toContain(FL('Note Title', 'Call back'));
    expect(xml).not.toContain('Other');
  });

  it('Tasks, Events and Calls of a record come from Activities + Activities_History, each filtered to its module and windowed', async () => {
    const p = await proxy();
    const lead = await insert(p, 'Leads', { 'Last Name': 'Busy', Company: 'B' });
    const what = { name: 'Busy', id: lead };
    const past = '2020-01-01T10:00:00+00:00';
    const future = '2099-01-01T10:00:00+00:00';
    seedRecord(p.sandbox, 'Tasks', '4150868000000800001', { Subject: 'open task', Status: 'Not Started', What_Id: what, $se_module: 'Leads' });
    seedRecord(p.sandbox, 'Tasks', '4150868000000800002', { Subject: 'done task', Status: 'Completed', What_Id: what, $se_module: 'Leads' });
    seedRecord(p.sandbox, 'Tasks', '4150868000000800003', { Subject: 'not ours', Status: 'Not Started', What_Id: { name: 'x', id: '1' }, $se_module: 'Leads' });
    seedRecord(p.sandbox, 'Events', '4150868000000800004', { Event_Title: 'coming meeting', Start_DateTime: future, End_DateTime: future, What_Id: what, $se_module: 'Leads' });
    seedRecord(p.sandbox, 'Events', '4150868000000800005', { Event_Title: 'past meeting', Start_DateTime: past, End_DateTime: past, What_Id: what, $se_module: 'Leads' });
    seedRecord(p.sandbox, 'Calls', '4150868000000800006', { Subject: 'logged call', Call_Type: 'Outbound', Call_Start_Time: past, What_Id: what, $se_module: 'Leads' });

    const subjects = (text: string) => [...text.matchAll(/<FL val="(?:Subject|Event Title|Title)"><!\[CDATA\[([^\]]+)\]\]><\/FL>/g)].map((m) => m[1]);
    const tasks = (await related(p, 'Tasks', 'Leads', lead)).text;
    expect(tasks).toContain('<response uri="/crm/private/xml/Tasks/getRelatedRecords"><result><Tasks><row no="1"><FL val="ACTIVITYID">4150868000000800001</FL>');
    expect(subjects(tasks)).toEqual(['open task', 'done task']);
    expect(subjects((await related(p, 'Events', 'Leads', lead)).text)).toEqual(['coming meeting', 'past meeting']);
    expect(subjects((await related(p, 'Calls', 'Leads', lead)).text)).toEqual(['logged call']);
    expect(subjects((await related(p, 'Tasks', 'Leads', lead, '&fromIndex=2&toIndex=2')).text)).toEqual(['done task']);
    const json = JSON.parse((await related(p, 'Tasks', 'Leads', lead, '&fromIndex=1&toIndex=1', 'json')).text);
    expect(json.response.result.Tasks.row.FL[0]).toEqual({ content: '4150868000000800001', val: 'ACTIVITYID' });
    const quiet = await insert(p, 'Leads', { 'Last Name': 'Quiet', Company: 'Q' });
    expect((await related(p, 'Calls', 'Leads', quiet)).text).toContain('<code>4422</code>');
  });
});
