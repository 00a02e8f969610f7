/** duplicateCheck 1/2, version=4, updates, every mapped legacy error, and the journal, end to end. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { code, form, ids, seedRecord, startTestProxy, TOKEN, type TestProxy } from './helpers.js';

let t: TestProxy;
beforeAll(async () => {
  t = await startTestProxy();
});
afterAll(async () => {
  await t?.close();
});

async function call(module: string, method: string, params: Record<string, string>, format = 'xml') {
  const res = await t.http
    .post(`/crm/private/${format}/${module}/${method}`)
    .type('form')
    .send(form({ authtoken: TOKEN, scope: 'crmapi', ...params }));
  expect(res.status).toBe(200);
  return res.text;
}

const row = (no: string, fields: Record<string, string>) =>
  `<row no="${no}">${Object.entries(fields).map(([k, v]) => `<FL val="${k}">${v}</FL>`).join('')}</row>`;
const leads = (...rows: string[]) => `<Leads>${rows.join('')}</Leads>`;

describe('duplicateCheck', () => {
  it('=1 without version=4 answers "Record(s) already exists" with the existing record, creating nothing', async () => {
    const first = await call('Leads', 'insertRecords', { xmlData: leads(row('1', { 'Last Name': 'Dup', Company: 'A', Email: 'dup1@example.com' })) });
    const [id] = ids(first);
    const again = await call('Leads', 'insertRecords', {
      duplicateCheck: '1',
      xmlData: leads(row('1', { 'Last Name': 'Dup again', Company: 'A', Email: 'DUP1@example.com' })),
    });
    expect(again).toContain('<message>Record(s) already exists</message>');
    expect(ids(again)).toEqual([id]);
    expect(t.sandbox.state.records('Leads').filter((r) => r.values.Email === 'dup1@example.com' || r.values.Last_Name === 'Dup again')).toHaveLength(1);
    const outcome = t.outcomes().at(-1)!;
    // Inserted through this proxy a moment ago: found in the recent-records memory (finding 25), read by id.
    expect(outcome.duplicates).toEqual([{ no: '1', field: 'Email', existingId: id, via: 'recent' }]);
  });

  it('=1 with version=4: 2002 for the existing row, 2000 for the new one', async () => {
    const first = await call('Leads', 'insertRecords', { xmlData: leads(row('1', { 'Last Name': 'V4dup', Company: 'A', Email: 'v4dup@example.com' })) });
    const xml = await call('Leads', 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: leads(row('7', { 'Last Name': 'V4dup', Company: 'A', Email: 'v4dup@example.com' }), row('8', { 'Last Name': 'V4new', Company: 'A', Email: 'v4new@example.com' })),
    });
    expect(xml).toMatch(new RegExp(`<row no="7"><success><code>2002</code><details><FL val="Id">${ids(first)[0]}</FL>`));
    expect(xml).toMatch(/<row no="8"><success><code>2000<\/code>/);
  });

  it('=2 without version=4 upserts on the duplicate-check field: added, then updated', async () => {
    const a = await call('Leads', 'insertRecords', { duplicateCheck: '2', xmlData: leads(row('1', { 'Last Name': 'Ups', Company: 'A', Email: 'ups@example.com' })) });
    expect(a).toContain('Record(s) added successfully');
    const b = await call('Leads', 'insertRecords', { duplicateCheck: '2', xmlData: leads(row('1', { 'Last Name': 'Ups', Company: 'B', Email: 'ups@example.com' })) });
    expect(b).toContain('Record(s) updated successfully');
    expect(ids(b)).toEqual(ids(a));
    const stored = t.sandbox.state.records('Leads').filter((r) => r.values.Email === 'ups@example.com');
    expect(stored).toHaveLength(1);
    expect(stored[0].values.Company).toBe('B');
    const request = t.requests().at(-1)!;
    expect(request.plan?.requests[0].path).toBe('/crm/v2/Leads/upsert');
    expect((request.plan?.bodies?.[0] as { duplicate_check_fields: string[] }).duplicate_check_fields).toEqual(['Email']);
  });

  it('=2 with version=4: 2000 inserted, 2001 updated', async () => {
    await call('Leads', 'insertRecords', { xmlData: leads(row('1', { 'Last Name': 'U4', Company: 'A', Email: 'u4@example.com' })) });
    const xml = await call('Leads', 'insertRecords', {
      duplicateCheck: '2',
      version: '4',
      xmlData: leads(row('1', { 'Last Name': 'U4', Company: 'Z', Email: 'u4@example.com' }), row('2', { 'Last Name': 'U4b', Company: 'A', Email: 'u4b@example.com' })),
    });
    expect(xml).toMatch(/<row no="1"><success><code>2001<\/code>/);
    expect(xml).toMatch(/<row no="2"><success><code>2000<\/code>/);
  });
});

describe('updates', () => {
  it('updateRecords&id= updates that record', async () => {
    const created = await call('Leads', 'insertRecords', { xmlData: leads(row('1', { 'Last Name': 'Upd', Company: 'A' })) });
    const [id] = ids(created);
    const xml = await call('Leads', 'updateRecords', { id, xmlData: leads(row('1', { Company: 'Updated Co', 'Annual Revenue': '1234.50' })) });
    expect(xml).toContain('<message>Record(s) updated successfully</message>');
    expect(ids(xml)).toEqual([id]);
    const rec = t.sandbox.state.records('Leads').find((r) => r.id === id)!;
    expect(rec.values.Company).toBe('Updated Co');
    expect(rec.values.Annual_Revenue).toBe(1234.5);
  });

  it('version=4 update by each row\'s Id: 2001, missing Id 4425, unknown Id 4425', async () => {
    const [id] = ids(await call('Leads', 'insertRecords', { xmlData: leads(row('1', { 'Last Name': 'V4upd', Company: 'A' })) }));
    const xml = await call('Leads', 'updateRecords', {
      version: '4',
      xmlData: leads(row('1', { Id: id, Company: 'V4 Co' }), row('2', { Company: 'no id' }), row('3', { Id: '3652397999999999999', Company: 'ghost' })),
    });
    expect(xml).toMatch(new RegExp(`<row no="1"><success><code>2001</code><details><FL val="Id">${id}</FL>`));
    expect(xml).toContain('<row no="2"><error><code>4425</code><details>Unable to process your request. Please check whether you have given the valid record Id</details></error></row>');
    expect(xml).toContain('<row no="3"><error><code>4425</code>');
  });

  it('update without id → 4600 "id"; unknown id → 4600 "id"', async () => {
    expect(await call('Leads', 'updateRecords', { xmlData: leads(row('1', { Company: 'x' })) })).toContain(
      'Please verify if the name and value is appropriate for the "id" parameter.',
    );
    const unknown = await call('Leads', 'updateRecords', { id: '3652397999999999998', xmlData: leads(row('1', { Company: 'x' })) });
    expect(code(unknown)).toBe('4600');
    expect(unknown).toContain('"id" parameter');
  });
});

describe('mapped legacy errors', () => {
  const cases: { name: string; module?: string; method?: string; params: Record<string, string>; expect: string }[] = [
    {
      name: 'mandatory field missing (default version) → 4401',
      params: { xmlData: leads(row('1', { Company: 'A' })) },
      expect: '<error><code>4401</code><message>Unable to populate data, please check if mandatory value is entered correctly.</message></error>',
    },
    {
      name: 'mandatory field missing (version=4) → row 4891',
      params: { version: '4', xmlData: leads(row('1', { Company: 'A' })) },
      expect: '<row no="1"><error><code>4891</code><details>Mandatory Field Missing : Last Name</details></error></row>',
    },
    {
      name: 'a value that cannot be converted → 4832 with the label',
      params: { xmlData: leads(row('1', { 'Last Name': 'Bad', Company: 'A', 'Annual Revenue': 'lots' })) },
      expect: '<code>4832</code><message>You have given a wrong value for the field : Annual Revenue</message>',
    },
    {
      name: 'empty row → 4401',
      params: { xmlData: '<Leads><row no="1"/></Leads>' },
      expect: '<code>4401</code>',
    },
    { name: 'unknown module → 4600', module: 'Widgets', params: { xmlData: leads(row('1', { 'Last Name': 'x' })) }, expect: '<code>4600</code>' },
    { name: 'wrong-case module → 4600', module: 'leads', params: { xmlData: leads(row('1', { 'Last Name': 'x' })) }, expect: '<code>4600</code>' },
    { name: 'unsupported v1 method → 4600', method: 'getCVRecords', params: {}, expect: '<code>4600</code>' },
    { name: 'missing xmlData → 4600 "xmlData"', params: {}, expect: 'appropriate for the "xmlData" parameter.' },
    { name: 'malformed xmlData → 4600 "xmlData"', params: { xmlData: '<Leads><row no="1"><FL val="Last Name">x</row>' }, expect: '"xmlData" parameter' },
    {
      name: 'DOCTYPE / entities → 4600 "xmlData", nothing expanded',
      params: { xmlData: '<!DOCTYPE Leads [<!ENTITY x "boom">]><Leads><row no="1"><FL val="Last Name">&x;</FL></row></Leads>' },
      expect: '"xmlData" parameter',
    },
    { name: 'scope other than crmapi → 4600 "scope"', params: { scope: 'crm', xmlData: leads(row('1', { 'Last Name': 'x' })) }, expect: '"scope" parameter' },
    {
      name: 'several rows to an inventory module without version=4 → 4600 "xmlData"',
      module: 'Quotes',
      params: { xmlData: `<Quotes>${row('1', { Subject: 'a' })}${row('2', { Subject: 'b' })}</Quotes>` },
      expect: '"xmlData" parameter',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const xml = await call(c.module ?? 'Leads', c.method ?? 'insertRecords', c.params);
      expect(xml).toContain(c.expect);
    });
  }

  it('a user-defined unique field clash → 4819 naming the label', async () => {
    await call('Leads', 'insertRecords', { xmlData: leads(row('1', { 'Last Name': 'Uniq', Company: 'A', 'Stripe ID': 'cus_42' })) });
    const xml = await call('Leads', 'insertRecords', { xmlData: leads(row('1', { 'Last Name': 'Uniq2', Company: 'A', 'Stripe ID': 'CUS_42' })) });
    expect(xml).toContain('<code>4819</code><message>Duplicate record(s) with same Stripe ID already exists.</message>');
  });

  it('unknown authtoken → 4834; ticket+apikey → 4500; neither is journaled in clear', async () => {
    const bad = await t.http.get('/crm/private/xml/Leads/insertRecords').query({ authtoken: 'not-a-token', scope: 'crmapi', xmlData: leads(row('1', { 'Last Name': 'x' })) });
    expect(bad.text).toContain('<error><code>4834</code><message>Invalid Ticket Id</message></error>');
    const ticket = await t.http.get('/crm/private/xml/Leads/insertRecords').query({ ticket: 'tkt-secret', apikey: 'key-secret', scope: 'crmapi' });
    expect(ticket.text).toContain('<code>4500</code><message>Problem occured while processing the request</message>');
    const journal = JSON.stringify(t.journal.entries);
    for (const secret of [TOKEN, 'not-a-token', 'tkt-secret', 'key-secret']) expect(journal).not.toContain(secret);
  });

  it('an oversize body → 4600 "xmlData" and the proxy keeps serving', async () => {
    const huge = 'x'.repeat(6 * 1024 * 1024);
    const res = await t.http.post('/crm/private/xml/Leads/insertRecords').type('form').send(form({ authtoken: TOKEN, scope: 'crmapi', xmlData: huge }));
    expect(res.text).toContain('"xmlData" parameter');
    const ok = await call('Leads', 'insertRecords', { xmlData: leads(row('1', { 'Last Name': 'After oversize', Company: 'A' })) });
    expect(ok).toContain('Record(s) added successfully');
  });

  it('unsupported methods are counted and journaled', async () => {
    await call('Leads', 'getCVRecords', { cvName: 'All Open Leads' });
    const outcome = t.outcomes().at(-1)!;
    expect(outcome.category).toBe('unsupported-method');
    expect(outcome.method).toBe('getCVRecords');
    const metrics = await t.http.get('/metrics');
    expect(metrics.text).toMatch(/zbridge_unsupported_method_calls_total\{method="getCVRecords"\} [1-9]/);
  });
});

describe('journal', () => {
  it('writes a request line before the upstream call and an outcome line after, same id', async () => {
    await call('Leads', 'insertRecords', { xmlData: leads(row('1', { 'Last Name': 'Journaled', Company: 'A', 'Zoho_id': '99' })) });
    const outcome = t.outcomes().at(-1)!;
    const request = t.requests().find((r) => r.id === outcome.id)!;
    expect(t.journal.entries.indexOf(request)).toBeLessThan(t.journal.entries.indexOf(outcome));
    expect(request.xmlData).toContain('Journaled');
    expect(request.params.authtoken).toBeUndefined();
    expect(request.warnings?.some((w) => w.kind === 'unknown-label' && w.label === 'Zoho_id')).toBe(true);
    expect(outcome.rows[0]).toMatchObject({ no: '1', code: '2000', id: expect.stringMatching(/^\d{19}$/) });
    expect(outcome.v2Calls[0]).toMatchObject({ method: 'POST', path: '/crm/v2/Leads', status: 201, attempts: 1 });
    expect(outcome.client.tokenFingerprint).toMatch(/^fp:[0-9a-f]{12}$/);
    expect(outcome.credits).toBeGreaterThan(0);
  });
});

describe('Notes', () => {
  it('entityId of a record the bridge created resolves without probing other modules', async () => {
    const [id] = ids(await call('Contacts', 'insertRecords', { xmlData: '<Contacts><row no="1"><FL val="Last Name">Parent</FL></row></Contacts>' }));
    const probesBefore = t.sandbox.state.stats().requests['GET /crm/v2/:module/:id'] ?? 0;
    const xml = await call('Notes', 'insertRecords', {
      xmlData: `<Notes><row no="1"><FL val="entityId">${id}</FL><FL val="Note Title">Called</FL><FL val="Note Content">Needs a follow-up</FL></row></Notes>`,
    });
    expect(xml).toContain('Record(s) added successfully');
    expect(t.sandbox.state.stats().requests['GET /crm/v2/:module/:id'] ?? 0).toBe(probesBefore);
    const note = t.sandbox.state.records('Notes').at(-1)!;
    expect(note.values).toMatchObject({ Note_Title: 'Called', Note_Content: 'Needs a follow-up' });
    expect(JSON.stringify(note.values)).toContain(id);
    expect(JSON.stringify(note.values)).toContain('Contacts');
  });

  it('entityId of a record made elsewhere is found by probing the candidate modules', async () => {
    const { id } = t.sandbox.state.store.next();
    seedRecord(t.sandbox, 'Accounts', id, { Account_Name: 'Made elsewhere' });
    const xml = await call('Notes', 'insertRecords', {
      xmlData: `<Notes><row no="1"><FL val="entityId">${id}</FL><FL val="Note Content">Probed</FL></row></Notes>`,
    });
    expect(xml).toContain('Record(s) added successfully');
    expect(t.outcomes().at(-1)!.resolutions).toContainEqual(expect.objectContaining({ kind: 'note-parent', value: id, module: 'Accounts' }));
  });
});
