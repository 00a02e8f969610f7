/**
 * The v1 read methods end to end: real proxy on 127.0.0.1 → embedded sandbox over HTTP (PROTOCOL-READS.md).
 * getRecords windows over a 450-record module (with and without sorting), lastModifiedTime, getMyRecords,
 * getRecordById (id, idlist), searchRecords / getSearchRecords / getSearchRecordsByPDC, getFields, getModules,
 * getUsers; XML and JSON; GET and form POST; the journal lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox, StoredRecord } from '../../src/sandbox/index.js';
import { code, form, startTestProxy, TOKEN, type TestProxy } from './helpers.js';

const T0 = Date.UTC(2024, 0, 15, 18, 0, 0); // 10:00:00 in America/Los_Angeles (the profile's zone)
const HOUR = 3_600_000;
let t: TestProxy;
let leadIds: string[] = [];

/** Put records straight into the sandbox store with chosen times. */
function seed(sandbox: RunningSandbox, module: string, values: Record<string, unknown>, at: number, ownerId?: string): string {
  const store = sandbox.state.store;
  const owner = ownerId ?? sandbox.state.metadata.users[0].id;
  const { id, seq } = store.next();
  const record: StoredRecord = { id, module, seq, createdAt: at, modifiedAt: at, createdBy: owner, modifiedBy: owner, ownerId: owner, values };
  store.add(record);
  return id;
}

const get = (path: string, params: Record<string, string> = {}) =>
  t.http.get(`/crm/private/${path}?${new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', ...params })}`);
const rowIds = (xml: string, pseudo = 'LEADID') => [...xml.matchAll(new RegExp(`<FL val="${pseudo}">(\\d+)</FL>`, 'g'))].map((m) => m[1]);
const values = (xml: string, label: string) => [...xml.matchAll(new RegExp(`<FL val="${label}"><!\\[CDATA\\[([^\\]]*)\\]\\]></FL>`, 'g'))].map((m) => m[1]);

beforeAll(async () => {
  t = await startTestProxy();
  for (let i = 0; i < 450; i += 1) {
    // Names deliberately not in id order, so sorting by name differs from the default order.
    const n = (i * 7919) % 450;
    leadIds.push(seed(t.sandbox, 'Leads', { Last_Name: `Lead ${String(n).padStart(3, '0')}`, Company: `Co ${i % 10}`, Email: `lead${i}@example.com` }, T0 + i * 1000));
  }
  // Three leads changed two hours later.
  for (const i of [5, 200, 449]) {
    const r = t.sandbox.state.store.get('Leads', leadIds[i])!;
    r.modifiedAt = T0 + 2 * HOUR;
    r.values.Lead_Status = 'Contacted';
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('getRecords over 450 Leads', () => {
  it('pages 1–200, 201–400, 401–600: newest first, disjoint, complete; past the end → nodata', async () => {
    const pages = await Promise.all(['1-200', '201-400', '401-600'].map((w) => get('xml/Leads/getRecords', { fromIndex: w.split('-')[0], toIndex: w.split('-')[1] })));
    const ids = pages.map((p) => rowIds(p.text));
    expect(ids.map((i) => i.length)).toEqual([200, 200, 50]);
    expect(ids.flat()).toEqual([...leadIds].reverse());
    expect(pages[0].text).toMatch(/^<\?xml version="1.0" encoding="UTF-8" \?>\n<response uri="\/crm\/private\/xml\/Leads\/getRecords"><result><Leads><row no="1"><FL val="LEADID">/);
    expect(pages[2].text).toContain('<row no="50">');
    expect(pages[0].headers['content-type']).toBe('text/xml;charset=utf-8');
    const past = await get('xml/Leads/getRecords', { fromIndex: '601', toIndex: '800' });
    expect(code(past.text)).toBe('4422');
    expect(past.text).toContain('<nodata>');
  });

  it('sorted by Last Name ascending across the same windows (and descending)', async () => {
    const names: string[] = [];
    for (const [from, to] of [['1', '200'], ['201', '400'], ['401', '600']]) {
      const res = await get('xml/Leads/getRecords', { fromIndex: from, toIndex: to, sortColumnString: 'Last Name', sortOrderString: 'asc', selectColumns: 'Leads(Last Name)' });
      names.push(...values(res.text, 'Last Name'));
    }
    expect(names).toHaveLength(450);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(450);
    const desc = await get('xml/Leads/getRecords', { fromIndex: '1', toIndex: '3', sortColumnString: 'Last Name', sortOrderString: 'desc' });
    expect(values(desc.text, 'Last Name')).toEqual(['Lead 449', 'Lead 448', 'Lead 447']);
  });

  it('an unaligned window (150–250) still answers exactly its 101 rows', async () => {
    const res = await get('xml/Leads/getRecords', { fromIndex: '150', toIndex: '250' });
    expect(rowIds(res.text)).toEqual([...leadIds].reverse().slice(149, 250));
  });

  it('lastModifiedTime returns only the records changed after it', async () => {
    const res = await get('xml/Leads/getRecords', { lastModifiedTime: '2024-01-15 11:00:00', fromIndex: '1', toIndex: '200', sortColumnString: 'Modified Time', sortOrderString: 'asc' });
    expect(rowIds(res.text).sort()).toEqual([leadIds[5], leadIds[200], leadIds[449]].sort());
    expect(values(res.text, 'Lead Status')).toEqual(['Contacted', 'Contacted', 'Contacted']);
    expect(values(res.text, 'Modified Time')).toEqual(['2024-01-15 12:00:00', '2024-01-15 12:00:00', '2024-01-15 12:00:00']);
    // The boundary is inclusive (If-Modified-Since one second earlier): a record stamped exactly then is returned.
    const boundary = await get('xml/Leads/getRecords', { lastModifiedTime: '2024-01-15 12:00:00' });
    expect(rowIds(boundary.text)).toHaveLength(3);
    const none = await get('xml/Leads/getRecords', { lastModifiedTime: '2024-01-15 12:00:01' });
    expect(code(none.text)).toBe('4422');
  });

  it('JSON fromIndex=1&toIndex=1: one row as an object (what a Ruby client reflects fields from)', async () => {
    const res = await get('json/Leads/getRecords', { fromIndex: '1', toIndex: '1' });
    expect(res.headers['content-type']).toBe('application/jsonp;charset=utf-8');
    const body = JSON.parse(res.text);
    expect(body.response.uri).toBe('/crm/private/json/Leads/getRecords');
    expect(body.response.result.Leads.row.no).toBe('1');
    expect(body.response.result.Leads.row.FL[0]).toEqual({ content: leadIds[449], val: 'LEADID' });
    expect(res.text.startsWith('{"response":{"result":{"Leads":{"row":{"no":"1","FL":[{"content":')).toBe(true);
  });

  it('form POST with everything in the body, newFormat=2 prints every column', async () => {
    const res = await t.http
      .post('/crm/private/xml/Leads/getRecords')
      .type('form')
      .send(form({ authtoken: TOKEN, scope: 'crmapi', fromIndex: '1', toIndex: '2', newFormat: '2', selectColumns: 'Leads(Last Name,Industry,Lead Owner)' }));
    expect(rowIds(res.text)).toHaveLength(2);
    expect(res.text).toContain('<FL val="Industry"><![CDATA[null]]></FL>');
    expect(res.text).toMatch(/<row no="1"><FL val="LEADID">\d+<\/FL><FL val="SMOWNERID">\d+<\/FL><FL val="Lead Owner"><!\[CDATA\[Dexter Heng\]\]><\/FL><FL val="Last Name">/);
  });

  it('bad windows and parameters → 4600 naming them; windows over 200 are clamped', async () => {
    expect((await get('xml/Leads/getRecords', { fromIndex: '10', toIndex: '5' })).text).toContain('"toIndex" parameter');
    expect((await get('xml/Leads/getRecords', { fromIndex: 'x' })).text).toContain('"fromIndex" parameter');
    expect((await get('xml/Leads/getRecords', { lastModifiedTime: 'yesterday' })).text).toContain('"lastModifiedTime" parameter');
    expect((await get('xml/Leads/getRecords', { newFormat: '3' })).text).toContain('"newFormat" parameter');
    expect(rowIds((await get('xml/Leads/getRecords', { fromIndex: '1', toIndex: '450' })).text)).toHaveLength(200);
  });

  it('journal: method, parameters, v2 calls and row count; no record data by default', async () => {
    await get('xml/Leads/getRecords', { fromIndex: '101', toIndex: '300', selectColumns: 'Leads(Email)' });
    const entry = t.outcomes().filter((o) => o.method === 'getRecords' && o.params.fromindex === '101').pop()!;
    expect(entry.read?.rows).toBe(200);
    expect(entry.read?.records).toBeUndefined();
    expect(entry.v2Calls.map((c) => c.path)).toEqual(['/crm/v2/Leads', '/crm/v2/Leads']);
    expect(JSON.stringify(entry)).not.toContain('@example.com');
    expect(JSON.stringify(entry)).not.toContain(TOKEN);
  });
});

describe('getMyRecords', () => {
  it('only the token user’s records', async () => {
    const other = t.sandbox.state.metadata.users[1].id;
    const theirs = seed(t.sandbox, 'Contacts', { Last_Name: 'Theirs' }, T0, other);
    const mine = seed(t.sandbox, 'Contacts', { Last_Name: 'Mine' }, T0);
    const res = await get('xml/Contacts/getMyRecords');
    expect(rowIds(res.text, 'CONTACTID')).toContain(mine);
    expect(rowIds(res.text, 'CONTACTID')).not.toContain(theirs);
  });
});

describe('getRecordById', () => {
  it('id → one row; idlist → rows in request order, unknown ids skipped; unknown → nodata; bad → 4600', async () => {
    const one = await get('xml/Leads/getRecordById', { id: leadIds[7] });
    expect(rowIds(one.text)).toEqual([leadIds[7]]);
    const list = await get('xml/Leads/getRecordById', { idlist: `${leadIds[9]};1234567890123456789;${leadIds[3]}`, version: '2' });
    expect(rowIds(list.text)).toEqual([leadIds[9], leadIds[3]]);
    const unknown = await get('json/Leads/getRecordById', { id: '1234' });
    expect(unknown.text).toBe('{"response":{"nodata":{"message":"There is no data to show","code":"4422"},"uri":"/crm/private/json/Leads/getRecordById"}}\n');
    expect((await get('xml/Leads/getRecordById', { id: 'abc' })).text).toContain('"id" parameter');
    expect((await get('xml/Leads/getRecordById')).text).toContain('"id" parameter');
  });
});

describe('search', () => {
  it('searchRecords by Email (doubled parentheses), selectColumns narrowing, nodata', async () => {
    const res = await get('xml/Leads/searchRecords', { criteria: '((Email:lead17@example.com))', selectColumns: 'Leads(Last Name)' });
    expect(rowIds(res.text)).toEqual([leadIds[17]]);
    expect(res.text).toMatch(/<row no="1"><FL val="LEADID">\d+<\/FL><FL val="Last Name"><!\[CDATA\[Lead \d{3}\]\]><\/FL><\/row>/);
    expect(code((await get('xml/Leads/searchRecords', { criteria: '(Email:nobody@example.com)' })).text)).toBe('4422');
  });

  it('several conditions: v2 equals is loose, the answer is exact', async () => {
    const exact = seed(t.sandbox, 'Accounts', { Account_Name: 'ABC', Industry: 'Retail' }, T0);
    seed(t.sandbox, 'Accounts', { Account_Name: 'ABC Inc', Industry: 'Retail' }, T0);
    const res = await get('xml/Accounts/searchRecords', { criteria: '((Account Name:ABC)AND(Industry:Retail))' });
    expect(rowIds(res.text, 'ACCOUNTID')).toEqual([exact]);
    const starts = await get('xml/Accounts/searchRecords', { criteria: '(Account Name:ABC*)' });
    expect(rowIds(starts.text, 'ACCOUNTID')).toHaveLength(2);
    const contains = await get('xml/Accounts/searchRecords', { criteria: '(Account Name:*Inc*)' });
    expect(rowIds(contains.text, 'ACCOUNTID')).toHaveLength(1);
  });

  it('searchRecords paged over the filtered results', async () => {
    const res = await get('xml/Leads/searchRecords', { criteria: '(Company:Co 3)', fromIndex: '11', toIndex: '30' });
    expect(rowIds(res.text)).toHaveLength(20);
    const all = await get('xml/Leads/searchRecords', { criteria: '(Company:Co 3)', fromIndex: '1', toIndex: '200' });
    expect(rowIds(all.text)).toHaveLength(45);
    expect(rowIds(all.text).slice(10, 30)).toEqual(rowIds(res.text));
  });

  it('unknown label → 4832 in the hand-built JSON style; missing criteria → 4600', async () => {
    const res = await get('json/Leads/searchRecords', { criteria: '(Em|ail:a@b.example)' });
    expect(res.text).toBe(
      '{"response": {"uri":"/crm/private/json/Leads/searchRecords","error": {"code":4832,"message":"API call cannot be completed as the Criteria parameter contains empty field name"}}}\n',
    );
    const missing = await get('json/Leads/searchRecords');
    expect(missing.text).toContain('"error": {"code":4600,');
    expect(missing.text).toContain('\\"criteria\\" parameter');
  });

  it('getSearchRecords (old alias) and getSearchRecordsByPDC', async () => {
    const old = await get('xml/Leads/getSearchRecords', { searchCondition: '(Email|=|lead21@example.com)', selectColumns: 'All' });
    expect(old.text).toContain('uri="/crm/private/xml/Leads/getSearchRecords"');
    expect(rowIds(old.text)).toEqual([leadIds[21]]);
    const pdc = await get('xml/Leads/getSearchRecordsByPDC', { searchColumn: 'email', searchValue: 'lead22@example.com', selectColumns: 'All', version: '2' });
    expect(rowIds(pdc.text)).toEqual([leadIds[22]]);
    expect((await get('xml/Leads/getSearchRecordsByPDC', { searchColumn: 'shoesize', searchValue: '1' })).text).toContain('"searchColumn" parameter');
  });
});

describe('metadata methods', () => {
  it('getFields: sections without a <response> wrapper, Designation with dv Title, picklists, type=2', async () => {
    const res = await get('xml/Leads/getFields');
    expect(res.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8" \?>\n<Leads><section name="Lead Information" dv="Lead Information"><FL req="false" type="Lookup" isreadonly="false" maxlength="120"  label="Lead Owner" dv="Lead Owner" customfield="false"><\/FL>/);
    expect(res.text).toContain('label="Designation" dv="Title"');
    expect(res.text).toContain('<val>-None-</val>');
    expect(res.text).toContain('<section name="Address Information"');
    const mandatory = await get('json/Leads/getFields', { type: '2' });
    const body = JSON.parse(mandatory.text);
    expect(Object.keys(body)).toEqual(['Leads']);
    const labels = [body.Leads.section].flat().flatMap((s: { FL: unknown }) => [s.FL].flat()).map((f) => (f as { label: string }).label);
    expect(labels.sort()).toEqual(['Company', 'Last Name']);
  });

  it('Info/getModules in JSON: response.result.row[] with content/pl/sl (what a Python client reads)', async () => {
    const res = await get('json/Info/getModules', { type: 'api' });
    const rows = JSON.parse(res.text).response.result.row as { content: string; pl: string; sl: string; gt: string }[];
    expect(rows.map((r) => r.content)).toContain('Potentials');
    expect(rows.find((r) => r.content === 'Leads')).toMatchObject({ pl: 'Leads', sl: 'Lead', gt: '1' });
    expect(rows.find((r) => r.content === 'CustomModule1')?.gt).toBe('4');
    expect((await get('xml/Info/getRecords')).text).toContain('<code>4600</code>');
  });

  it('Users/getUsers: <users> without wrapper, type filter, searchColumn; unknown type → 4600', async () => {
    const res = await get('xml/Users/getUsers', { type: 'AllUsers' });
    expect(res.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8" \?>\n<users><user id="1386586000000105001" email="dexter.heng@example.com" role="CEO" profile="Administrator" status="active" confirm="true" zuid="700000000" timezone="America\/Los_Angeles" language="en_US" /);
    const one = await get('json/Users/getUsers', { type: 'AllUsers', searchColumn: 'name', searchValue: 'dexter heng' });
    expect(JSON.parse(one.text).users.user.content).toBe('Dexter Heng');
    const none = await get('json/Users/getUsers', { type: 'AllUsers', searchColumn: 'email', searchValue: 'nobody@example.com' });
    expect(none.text).toBe('{"users":{"nodata":{"message":"There is no data to show","code":"4422"}}}\n');
    expect((await get('xml/Users/getUsers', { type: 'Martians' })).text).toContain('"type" parameter');
  });
});
