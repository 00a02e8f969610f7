import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotDir } from '../../src/paths.js';
import { DEMO_USER, manualClock, sandbox, type TestSandbox } from './helpers.js';

const lead = (extra: Record<string, unknown> = {}) => ({ Last_Name: 'Boyle', Company: 'Zylker', ...extra });
const err = (code: string, details: Record<string, unknown>, message: string) => ({ code, details, message, status: 'error' });

async function insert(t: TestSandbox, module: string, data: unknown[]) {
  return t.http.post(`/crm/v2/${module}`).set(t.auth).send({ data, trigger: [] });
}
async function insertOne(t: TestSandbox, module: string, record: Record<string, unknown>): Promise<string> {
  const res = await insert(t, module, [record]);
  if (res.status !== 201) throw new Error(`insert ${module} failed: ${res.text}`);
  return res.body.data[0].details.id as string;
}

describe('insert', () => {
  it('answers 201 with the exact §9.2 envelope: key order, 19-digit string ids, user zone offset, no ms', async () => {
    const clock = manualClock(Date.UTC(2021, 4, 2, 18, 17, 33, 456));
    const t = await sandbox({ now: clock.now });
    const res = await insert(t, 'Leads', [lead()]);
    expect(res.status).toBe(201);
    const entry = res.body.data[0];
    expect(Object.keys(entry)).toEqual(['code', 'details', 'message', 'status']);
    expect(Object.keys(entry.details)).toEqual(['Modified_Time', 'Modified_By', 'Created_Time', 'id', 'Created_By']);
    expect(entry).toMatchObject({ code: 'SUCCESS', message: 'record added', status: 'success' });
    expect(entry.details.id).toMatch(/^3652397000\d{9}$/);
    // Dexter Heng is in America/Los_Angeles: PDT in May.
    expect(entry.details.Created_Time).toBe('2021-05-02T11:17:33-07:00');
    expect(entry.details.Created_By).toEqual({ name: DEMO_USER.name, id: DEMO_USER.id });
    expect(res.text).toContain(`"id":"${entry.details.id}"`);
  });

  it('idSeed sets the leading digits; ids stay 19 digits', async () => {
    const t = await sandbox({ idSeed: '554023000000' });
    const id = await insertOne(t, 'Leads', lead());
    expect(id).toMatch(/^554023000000\d{7}$/);
  });

  it('lower-case detail keys (2016/17 style) as an option', async () => {
    const t = await sandbox({ lowerCaseDetailKeys: true });
    const res = await insert(t, 'Leads', [lead()]);
    expect(Object.keys(res.body.data[0].details)).toEqual(['modified_time', 'modified_by', 'created_time', 'id', 'created_by']);
  });

  it.each([
    ['default (v2-doc)', undefined, 201, 202],
    ['v2-doc', 'v2-doc', 201, 202],
    ['seed (older name of v2-doc)', 'seed', 201, 202],
    ['always-201', 'always-201', 201, 201],
  ] as const)('insert statuses, %s: one record %i, several %i', async (_name, insertStatus, one, several) => {
    const t = await sandbox(insertStatus === undefined ? {} : { insertStatus });
    expect((await insert(t, 'Leads', [lead()])).status).toBe(one);
    expect((await insert(t, 'Leads', [lead(), lead()])).status).toBe(several);
    // All failed: 400 whatever the setting, still in the data wrapper.
    expect((await insert(t, 'Leads', [{}, {}])).status).toBe(400);
  });

  it('mixed batch: 207 by default (202/200 as options), index-aligned', async () => {
    const t = await sandbox();
    const res = await insert(t, 'Leads', [lead(), { Company: 'No last name' }, lead()]);
    expect(res.status).toBe(207);
    expect(res.body.data.map((d: { status: string }) => d.status)).toEqual(['success', 'error', 'success']);
    expect(res.body.data[1]).toEqual(err('MANDATORY_NOT_FOUND', { api_name: 'Last_Name' }, 'required field not found'));
    expect((await insert(await sandbox({ mixedStatus: 202 }), 'Leads', [lead(), {}])).status).toBe(202);
    expect((await insert(await sandbox({ mixedStatus: 200 }), 'Leads', [lead(), {}])).status).toBe(200);
  });

  it('every record failed: 400 with {"data":[…]}, or the first error object as an option', async () => {
    const t = await sandbox();
    const res = await insert(t, 'Leads', [{}, 7]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      data: [
        err('MANDATORY_NOT_FOUND', { api_name: 'Last_Name' }, 'required field not found'),
        err('INVALID_DATA', { expected_data_type: 'jsonobject', index: 1 }, 'invalid data'),
      ],
    });
    const top = await insert(await sandbox({ allFailedShape: 'top-level' }), 'Leads', [{}]);
    expect(top.status).toBe(400);
    expect(top.body).toEqual(err('MANDATORY_NOT_FOUND', { api_name: 'Last_Name' }, 'required field not found'));
    expect(t.sb.state.records('Leads')).toHaveLength(0);
  });

  it('top-level errors: no data, data not an array, empty, more than 100, invalid JSON', async () => {
    const t = await sandbox();
    const post = (body: string) => t.http.post('/crm/v2/Leads').set(t.auth).set('Content-Type', 'application/json').send(body);
    const noData = await post('{"trigger":[]}');
    expect(noData.status).toBe(400);
    expect(noData.body).toEqual(err('MANDATORY_NOT_FOUND', { api_name: 'data' }, 'required field not found'));
    expect((await post('')).body).toEqual(err('MANDATORY_NOT_FOUND', { api_name: 'data' }, 'required field not found'));
    expect((await post('{"data":[]}')).body.code).toBe('MANDATORY_NOT_FOUND');
    expect((await post('{"data":{"Last_Name":"x"}}')).body).toEqual(
      err('INVALID_DATA', { expected_data_type: 'jsonarray', api_name: 'data' }, 'invalid data'),
    );
    const tooMany = await insert(t, 'Leads', Array.from({ length: 101 }, () => lead()));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual(err('LIMIT_EXCEEDED', { limit: 100 }, 'limit exceeded'));
    expect((await insert(t, 'Leads', Array.from({ length: 100 }, () => lead()))).status).toBe(202);
    const broken = await post('{"data":[');
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe('INVALID_DATA');
  });

  it('unknown module → 400 INVALID_MODULE; module names are case-insensitive unless strict', async () => {
    const t = await sandbox();
    const res = await insert(t, 'Nope', [lead()]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(err('INVALID_MODULE', {}, 'the module name given seems to be invalid'));
    expect((await insert(t, 'leads', [lead()])).status).toBe(201);
    const strict = await sandbox({ moduleNames: 'strict' });
    expect((await insert(strict, 'leads', [lead()])).body.code).toBe('INVALID_MODULE');
  });

  it.each([
    ['integer', { No_of_Employees: '12' }, { expected_data_type: 'integer', api_name: 'No_of_Employees' }],
    ['integer, not a fraction', { No_of_Employees: 1.5 }, { expected_data_type: 'integer', api_name: 'No_of_Employees' }],
    ['double', { Annual_Revenue: '1000.5' }, { expected_data_type: 'double', api_name: 'Annual_Revenue' }],
    ['text', { First_Name: 42 }, { expected_data_type: 'text', api_name: 'First_Name' }],
    ['boolean', { Email_Opt_Out: 'true' }, { expected_data_type: 'boolean', api_name: 'Email_Opt_Out' }],
    ['date', { Date_Field: '11/23/2009' }, { expected_data_type: 'date', api_name: 'Date_Field' }],
    ['date, not a real day', { Date_Field: '2009-02-30' }, { expected_data_type: 'date', api_name: 'Date_Field' }],
    ['too long', { First_Name: 'x'.repeat(256) }, { maximum_length: 255, api_name: 'First_Name' }],
    ['lookup to no record', { Initial_Campaign: { id: '3652397000000999999' } }, { api_name: 'Initial_Campaign' }],
    ['lookup given by name', { Initial_Campaign: { name: 'Spring' } }, { api_name: 'Initial_Campaign' }],
    ['owner that is no user', { Owner: { id: '3652397000000999999' } }, { api_name: 'Owner' }],
    ['email format', { Email: 'not-an-email' }, { api_name: 'Email' }],
  ])('INVALID_DATA: %s', async (_name, extra, details) => {
    const t = await sandbox();
    const res = await insert(t, 'Leads', [lead(extra)]);
    expect(res.status).toBe(400);
    expect(res.body.data[0]).toEqual(err('INVALID_DATA', details, 'invalid data'));
  });

  it('read-only and unknown fields are ignored; typed values are stored as received', async () => {
    const t = await sandbox();
    const res = await insert(t, 'Leads', [
      lead({ Last_Activity_Time: 'junk', Full_Name: 'x', Not_A_Field: 1, No_of_Employees: 12, Annual_Revenue: 1000.5, Tag: [{ name: 't' }], Phone: '04422334455' }),
    ]);
    expect(res.status).toBe(201);
    const stored = t.sb.state.records('Leads')[0].values;
    expect(stored).toEqual({ Last_Name: 'Boyle', Company: 'Zylker', No_of_Employees: 12, Annual_Revenue: 1000.5, Phone: '04422334455' });
  });

  it('jsonarray and multi-select values; datetimes need an offset', async () => {
    const t = await sandbox();
    const product = (extra: Record<string, unknown>) => insert(t, 'Products', [{ Product_Name: 'p', ...extra }]);
    expect((await product({ Tax: 'Sales Tax;VAT' })).body.data[0]).toEqual(
      err('INVALID_DATA', { expected_data_type: 'jsonarray', api_name: 'Tax' }, 'invalid data'),
    );
    expect((await product({ Tax: ['Sales Tax', 'VAT'] })).status).toBe(201);
    const event = (start: string) =>
      insert(t, 'Events', [{ Event_Title: 'e', Start_DateTime: start, End_DateTime: '2021-05-02T11:00:00+05:30' }]);
    expect((await event('2009-08-04T01:00:00')).body.data[0]).toEqual(
      err('INVALID_DATA', { expected_data_type: 'datetime', api_name: 'Start_DateTime' }, 'invalid data'),
    );
    expect((await event('2009-08-04 01:00:00')).status).toBe(400);
    expect((await event('2009-08-04T01:00:00+05:30')).status).toBe(201);
  });

  it.each([
    ['2026-05-04T10:00:00Z', true],
    ['2026-05-04T10:00:00.000Z', true],
    ['2026-05-04T10:00:00.000+05:30', true],
    ['2026-05-04T10:00:00.5-08:00', true],
    ['2026-05-04T10:00:00+14:00', true],
    ['2026-05-04T10:00:00z', false],
    ['2026-05-04T10:00Z', false],
    ['2026-05-04T10:00:00.Z', false],
    ['2026-05-04T10:00:00+0530', false],
    ['2026-05-04T24:00:00Z', false],
    ['2026-02-30T10:00:00Z', false],
    ['2026-05-04T10:00:00+15:00', false],
  ])('datetime %s accepted: %s', async (start, ok) => {
    const t = await sandbox();
    const res = await insert(t, 'Events', [{ Event_Title: 'e', Start_DateTime: start, End_DateTime: '2026-05-04T23:00:00Z' }]);
    expect(res.status).toBe(ok ? 201 : 400);
  });

  it('datetimes are read back in the user\'s zone without milliseconds, whatever form was sent', async () => {
    const t = await sandbox();
    const res = await insert(t, 'Events', [{ Event_Title: 'e', Start_DateTime: '2026-05-04T10:00:00.000Z', End_DateTime: '2026-05-04T11:30:00+05:30' }]);
    const got = await t.http.get(`/crm/v2/Events/${res.body.data[0].details.id}`).set(t.auth);
    // The demo user's zone is America/Los_Angeles (UTC-7 in May).
    expect(got.body.data[0].Start_DateTime).toBe('2026-05-04T03:00:00-07:00');
    expect(got.body.data[0].End_DateTime).toBe('2026-05-03T23:00:00-07:00');
  });

  it('mandatory: §9.7 set plus layout fields (Leads Company by default; option)', async () => {
    const t = await sandbox();
    expect((await insert(t, 'Leads', [{ Last_Name: 'x' }])).body.data[0].details).toEqual({ api_name: 'Company' });
    expect((await insert(t, 'Leads', [{ Last_Name: '  ', Company: 'c' }])).body.data[0].details).toEqual({ api_name: 'Last_Name' });
    expect((await insert(t, 'Deals', [{ Deal_Name: 'd' }])).body.data[0].details).toEqual({ api_name: 'Stage' });
    expect((await insert(t, 'Course_Progress', [{ Email: 'a@b.co' }])).body.data[0].details).toEqual({ api_name: 'Name' });
    const bare = await sandbox({ layoutMandatory: {} });
    expect((await insert(bare, 'Leads', [{ Last_Name: 'x' }])).status).toBe(201);
  });

  it('lookups by {id} or bare id are stored as {name,id}; owner defaults to the token user', async () => {
    const t = await sandbox();
    const acc = await insertOne(t, 'Accounts', { Account_Name: 'Zylker Inc' });
    const c1 = await insertOne(t, 'Contacts', { Last_Name: 'A', First_Name: 'Pat', Account_Name: { id: acc } });
    await insertOne(t, 'Contacts', { Last_Name: 'B', Account_Name: acc });
    const got = await t.http.get(`/crm/v2/Contacts/${c1}`).set(t.auth);
    expect(got.status).toBe(200);
    expect(got.body.data[0].Account_Name).toEqual({ name: 'Zylker Inc', id: acc });
    expect(got.body.data[0].Owner).toMatchObject({ id: DEMO_USER.id, name: DEMO_USER.name });
    expect(t.sb.state.records('Contacts')[1].values.Account_Name).toEqual({ name: 'Zylker Inc', id: acc });
  });

  it('What_Id needs $se_module naming the module of an existing record', async () => {
    const t = await sandbox();
    const acc = await insertOne(t, 'Accounts', { Account_Name: 'Zylker' });
    const task = (extra: Record<string, unknown>) => insert(t, 'Tasks', [{ Subject: 'Call', ...extra }]);
    expect((await task({ What_Id: { id: acc } })).body.data[0]).toEqual(err('INVALID_DATA', { api_name: 'What_Id' }, 'invalid data'));
    expect((await task({ What_Id: { id: acc }, $se_module: 'Leads' })).body.data[0].code).toBe('INVALID_DATA');
    const ok = await task({ What_Id: { id: acc }, $se_module: 'Accounts' });
    expect(ok.status).toBe(201);
    const stored = t.sb.state.records('Tasks')[0].values;
    expect(stored.What_Id).toEqual({ name: 'Zylker', id: acc });
    expect(stored.$se_module).toBe('Accounts');
  });

  it('Events Participants: more than 50 → LIMIT_EXCEEDED', async () => {
    const t = await sandbox();
    const participants = Array.from({ length: 51 }, (_, i) => ({ participant: `p${i}@x.co`, type: 'email' }));
    const res = await insert(t, 'Events', [
      { Event_Title: 'e', Start_DateTime: '2021-05-02T10:00:00+05:30', End_DateTime: '2021-05-02T11:00:00+05:30', Participants: participants },
    ]);
    expect(res.body.data[0].code).toBe('LIMIT_EXCEEDED');
  });

  it('unique fields → DUPLICATE_DATA with the existing id (case-insensitive when casesensitive "0"), within a batch too', async () => {
    const t = await sandbox();
    const first = await insertOne(t, 'Leads', lead({ Stripe_ID: 'cus_1' }));
    const res = await insert(t, 'Leads', [lead({ Stripe_ID: 'CUS_1' }), lead({ Stripe_ID: 'cus_2' }), lead({ Stripe_ID: 'cus_2' })]);
    expect(res.status).toBe(207);
    const dup = err('DUPLICATE_DATA', { api_name: 'Stripe_ID', id: first }, 'duplicate data');
    expect(res.body.data[0]).toEqual(dup);
    expect(res.body.data[2]).toEqual(err('DUPLICATE_DATA', { api_name: 'Stripe_ID', id: res.body.data[1].details.id }, 'duplicate data'));
    // Without enforceSystemDuplicates a duplicate Email is simply inserted.
    await insertOne(t, 'Leads', lead({ Email: 'p@z.co' }));
    expect((await insert(t, 'Leads', [lead({ Email: 'P@Z.co' })])).status).toBe(201);
    const withModule = await sandbox({ duplicateDetailsWithModule: true });
    const a = await insertOne(withModule, 'Leads', lead({ Stripe_ID: 'x' }));
    expect((await insert(withModule, 'Leads', [lead({ Stripe_ID: 'x' })])).body.data[0].details).toEqual({ api_name: 'Stripe_ID', id: a, module: 'Leads' });
  });

  it('enforceSystemDuplicates: insert also checks the §9.7 field', async () => {
    const t = await sandbox({ enforceSystemDuplicates: true });
    const first = await insertOne(t, 'Leads', lead({ Email: 'p@z.co' }));
    expect((await insert(t, 'Leads', [lead({ Email: 'P@Z.CO' })])).body.data[0]).toEqual(
      err('DUPLICATE_DATA', { api_name: 'Email', id: first }, 'duplicate data'),
    );
  });

  it('line items: product {id} or bare id of a Products record; GET adds computed keys', async () => {
    const t = await sandbox();
    const product = await insertOne(t, 'Products', { Product_Name: 'Widget', Product_Code: 'W-1', Unit_Price: 100, Qty_in_Stock: 7 });
    const quote = (items: unknown) => insert(t, 'Quotes', [{ Subject: 'Q1', Product_Details: items }]);
    expect((await quote([{ product: { id: '3652397000000000001' }, quantity: 1 }])).body.data[0]).toEqual(
      err('INVALID_DATA', { api_name: 'Product_Details' }, 'invalid data'),
    );
    expect((await quote([{ quantity: 1 }])).body.data[0].code).toBe('INVALID_DATA');
    expect((await insert(t, 'Quotes', [{ Subject: 'Q0' }])).body.data[0].details).toEqual({ api_name: 'Product_Details' });
    const ok = await quote([
      { product: { id: product }, quantity: 2, list_price: 100, Discount: '10%', line_tax: [{ name: 'Sales Tax', percentage: 1 }] },
      { product, quantity: 1 },
    ]);
    expect(ok.status).toBe(201);
    const got = await t.http.get(`/crm/v2/Quotes/${ok.body.data[0].details.id}`).set(t.auth);
    const [first, second] = got.body.data[0].Product_Details;
    expect(first).toMatchObject({
      product: { Product_Code: 'W-1', name: 'Widget', id: product },
      quantity: 2,
      total: 200,
      total_after_discount: 180,
      Tax: 1.8,
      net_total: 181.8,
      unit_price: 100,
      quantity_in_stock: 7,
      book: null,
    });
    expect(first.id).toMatch(/^\d{19}$/);
    expect(second.product.id).toBe(product);
  });
});

describe('update', () => {
  it('PUT /{M} with ids: 200 "record updated", Created_Time stays, Modified_Time moves', async () => {
    const clock = manualClock();
    const t = await sandbox({ now: clock.now });
    const id = await insertOne(t, 'Leads', lead());
    clock.advance(60_000);
    const res = await t.http.put('/crm/v2/Leads').set(t.auth).send({ data: [{ id, First_Name: 'Pat' }], trigger: [] });
    expect(res.status).toBe(200);
    const entry = res.body.data[0];
    expect(entry).toMatchObject({ code: 'SUCCESS', message: 'record updated', status: 'success' });
    expect(entry.details.id).toBe(id);
    expect(Date.parse(entry.details.Modified_Time) - Date.parse(entry.details.Created_Time)).toBe(60_000);
    expect(t.sb.state.records('Leads')[0].values).toMatchObject({ Last_Name: 'Boyle', First_Name: 'Pat' });
  });

  it('PUT /{M}/{id} takes the id from the URL', async () => {
    const t = await sandbox();
    const id = await insertOne(t, 'Leads', lead());
    const res = await t.http.put(`/crm/v2/Leads/${id}`).set(t.auth).send({ data: [{ Phone: '0123' }] });
    expect(res.status).toBe(200);
    expect(t.sb.state.records('Leads')[0].values.Phone).toBe('0123');
  });

  it('missing id → MANDATORY_NOT_FOUND id; unknown id → "the id given seems to be invalid" (details option)', async () => {
    const t = await sandbox();
    const id = await insertOne(t, 'Leads', lead());
    const res = await t.http.put('/crm/v2/Leads').set(t.auth).send({ data: [{ Phone: '1' }, { id: '3652397000000000404', Phone: '1' }, { id, Phone: '2' }] });
    expect(res.status).toBe(207);
    expect(res.body.data[0]).toEqual(err('MANDATORY_NOT_FOUND', { api_name: 'id' }, 'required field not found'));
    expect(res.body.data[1]).toEqual(err('INVALID_DATA', { api_name: 'id' }, 'the id given seems to be invalid'));
    const one = await t.http.put('/crm/v2/Leads/3652397000000000404').set(t.auth).send({ data: [{ Phone: '1' }] });
    expect(one.status).toBe(400);
    expect(one.body.data[0].message).toBe('the id given seems to be invalid');
    const empty = await sandbox({ invalidIdDetails: 'empty' });
    const e = await empty.http.put('/crm/v2/Leads/1').set(empty.auth).send({ data: [{ Phone: '1' }] });
    expect(e.body.data[0]).toEqual(err('INVALID_DATA', {}, 'the id given seems to be invalid'));
  });

  it('clearing a mandatory field fails; a unique clash with another record fails; with itself it does not', async () => {
    const t = await sandbox();
    const a = await insertOne(t, 'Leads', lead({ Stripe_ID: 'a' }));
    const b = await insertOne(t, 'Leads', lead({ Stripe_ID: 'b' }));
    const put = (data: unknown[]) => t.http.put('/crm/v2/Leads').set(t.auth).send({ data });
    expect((await put([{ id: a, Last_Name: null }])).body.data[0].code).toBe('MANDATORY_NOT_FOUND');
    expect((await put([{ id: b, Stripe_ID: 'A' }])).body.data[0]).toEqual(err('DUPLICATE_DATA', { api_name: 'Stripe_ID', id: a }, 'duplicate data'));
    expect((await put([{ id: a, Stripe_ID: 'a' }])).status).toBe(200);
  });
});

/** A copy of the bundled snapshot whose Leads have two user-defined unique fields: Stripe_ID (u1), Skype_ID (u2). */
function twoUniqueFieldsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zbridge-sandbox-meta-'));
  cpSync(snapshotDir, dir, { recursive: true });
  const file = join(dir, 'fields', 'Leads.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { fields: { api_name: string; unique: unknown }[] };
  for (const f of doc.fields) if (f.api_name === 'Skype_ID') f.unique = { casesensitive: '1' };
  writeFileSync(file, JSON.stringify(doc));
  return dir;
}

describe('upsert', () => {
  const upsert = (t: TestSandbox, data: unknown[], fields?: string[], query = '') =>
    t.http.post(`/crm/v2/Leads/upsert${query}`).set(t.auth).send({ data, trigger: [], ...(fields ? { duplicate_check_fields: fields } : {}) });

  it('insert then update on the system field: action, duplicate_field, key order, status 200', async () => {
    const t = await sandbox();
    const ins = await upsert(t, [lead({ Email: 'p@z.co' })], ['Email']);
    expect(ins.status).toBe(200);
    expect(Object.keys(ins.body.data[0])).toEqual(['code', 'duplicate_field', 'action', 'details', 'message', 'status']);
    expect(ins.body.data[0]).toMatchObject({ duplicate_field: null, action: 'insert', message: 'record added' });
    const upd = await upsert(t, [lead({ Email: 'P@Z.CO', First_Name: 'Pat' })], ['Email']);
    expect(upd.body.data[0]).toMatchObject({ duplicate_field: 'Email', action: 'update', message: 'record updated' });
    expect(upd.body.data[0].details.id).toBe(ins.body.data[0].details.id);
    expect(t.sb.state.records('Leads')).toHaveLength(1);
    const s201 = await sandbox({ upsertInsertedStatus: 201 });
    expect((await upsert(s201, [lead({ Email: 'x@z.co' })])).status).toBe(201);
  });

  it('check order of §9.7 with two unique fields; system field ignored unless listed or absent', async () => {
    const t = await sandbox({ metadataDir: twoUniqueFieldsDir() });
    const byEmail = await insertOne(t, 'Leads', lead({ Email: 'e@z.co' }));
    const byU1 = await insertOne(t, 'Leads', lead({ Stripe_ID: 'u1' }));
    const byU2 = await insertOne(t, 'Leads', lead({ Skype_ID: 'u2' }));
    const probe = { Email: 'e@z.co', Stripe_ID: 'u1-new', Skype_ID: 'u2' };
    // ["Stripe_ID"]: u1 (no match), then u2 → byU2; Email is not checked.
    let res = await upsert(t, [lead({ ...probe })], ['Stripe_ID']);
    expect(res.body.data[0]).toMatchObject({ action: 'update', duplicate_field: 'Skype_ID' });
    expect(res.body.data[0].details.id).toBe(byU2);
    // absent: Email first → byEmail.
    res = await upsert(t, [lead({ Email: 'e@z.co', Stripe_ID: 'u1-other' })]);
    expect(res.body.data[0]).toMatchObject({ action: 'update', duplicate_field: 'Email' });
    expect(res.body.data[0].details.id).toBe(byEmail);
    // ["Skype_ID"]: u2 first, then u1.
    res = await upsert(t, [lead({ Stripe_ID: 'u1', Skype_ID: 'nope' })], ['Skype_ID']);
    expect(res.body.data[0]).toMatchObject({ action: 'update', duplicate_field: 'Stripe_ID' });
    expect(res.body.data[0].details.id).toBe(byU1);
  });

  it('several matching records → the oldest is updated; the query parameter form works', async () => {
    const t = await sandbox();
    const oldest = await insertOne(t, 'Leads', lead({ Email: 'same@z.co' }));
    await insertOne(t, 'Leads', lead({ Email: 'same@z.co' }));
    const res = await upsert(t, [lead({ Email: 'same@z.co', City: 'Chennai' })], undefined, '?duplicate_check_fields=Email');
    expect(res.body.data[0].details.id).toBe(oldest);
    expect(t.sb.state.records('Leads')[0].values.City).toBe('Chennai');
  });

  it('validation still applies: insert path needs the mandatory set, update path does not', async () => {
    const t = await sandbox();
    await insertOne(t, 'Leads', lead({ Email: 'p@z.co' }));
    const res = await upsert(t, [{ Email: 'p@z.co', City: 'X' }, { Email: 'new@z.co' }, lead({ No_of_Employees: 'x' })]);
    expect(res.status).toBe(207);
    expect(res.body.data[0].action).toBe('update');
    expect(res.body.data[1]).toEqual(err('MANDATORY_NOT_FOUND', { api_name: 'Last_Name' }, 'required field not found'));
    expect(res.body.data[2].details).toEqual({ expected_data_type: 'integer', api_name: 'No_of_Employees' });
  });

  it.each([
    ['Last_Name (an ordinary field)', ['Last_Name'], 'Last_Name'],
    ['Phone (not unique in this org)', ['Email', 'Phone'], 'Phone'],
    ['a field that does not exist', ['No_Such_Field'], 'No_Such_Field'],
  ])('duplicate_check_fields naming %s → 400 INVALID_DATA, nothing written', async (_name, fields, refused) => {
    const t = await sandbox({ metadataDir: twoUniqueFieldsDir() });
    await insertOne(t, 'Leads', lead({ Email: 'keep@z.co', Last_Name: 'Keep' }));
    const res = await upsert(t, [lead({ Email: 'keep@z.co', Last_Name: 'Keep', City: 'Changed' })], fields);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(err('INVALID_DATA', { api_name: refused }, 'the field is not a duplicate check field'));
    expect(t.sb.state.records('Leads')).toHaveLength(1);
    expect(t.sb.state.records('Leads')[0].values.City).toBeUndefined();
  });

  it.each([
    ['the system field', ['Email']],
    ['user-defined unique fields', ['Stripe_ID', 'Skype_ID']],
    ['both, in any order', ['Skype_ID', 'Email']],
  ])('duplicate_check_fields with %s is accepted (body or query form)', async (_name, fields) => {
    const t = await sandbox({ metadataDir: twoUniqueFieldsDir() });
    expect((await upsert(t, [lead({ Email: 'a@z.co' })], fields)).status).toBe(200);
    expect((await upsert(t, [lead({ Email: 'a@z.co' })], undefined, `?duplicate_check_fields=${fields.join(',')}`)).status).toBe(200);
    const bad = await upsert(t, [lead({ Email: 'a@z.co' })], undefined, '?duplicate_check_fields=Email,City');
    expect(bad.body).toEqual(err('INVALID_DATA', { api_name: 'City' }, 'the field is not a duplicate check field'));
  });

  it('Tasks have no upsert (seed 000)', async () => {
    const t = await sandbox();
    const res = await t.http.post('/crm/v2/Tasks/upsert').set(t.auth).send({ data: [{ Subject: 's' }] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(err('INVALID_MODULE', {}, 'the given module is not supported in api'));
  });
});

describe('Notes', () => {
  it('POST /Notes with Parent_Id string + se_module, or {id} + $se_module', async () => {
    const t = await sandbox();
    const leadId = await insertOne(t, 'Leads', lead({ First_Name: 'Pat' }));
    const res = await insert(t, 'Notes', [
      { Note_Title: 'Contacted', Note_Content: 'Need to do further tracking', Parent_Id: leadId, se_module: 'Leads' },
      { Note_Content: 'b', Parent_Id: { id: leadId }, $se_module: 'Leads' },
    ]);
    expect(res.status).toBe(202);
    expect(res.body.data[0]).toMatchObject({ code: 'SUCCESS', message: 'record added' });
    const notes = t.sb.state.records('Notes');
    expect(notes[0].values).toMatchObject({ Note_Title: 'Contacted', Parent_Id: { name: 'Pat Boyle', id: leadId }, $se_module: 'Leads' });
    expect(notes[1].values.Parent_Id).toEqual({ name: 'Pat Boyle', id: leadId });
  });

  it('Notes errors: no content, no parent, no module, unknown parent', async () => {
    const t = await sandbox();
    const leadId = await insertOne(t, 'Leads', lead());
    const res = await insert(t, 'Notes', [
      { Parent_Id: leadId, se_module: 'Leads' },
      { Note_Content: 'x', se_module: 'Leads' },
      { Note_Content: 'x', Parent_Id: leadId },
      { Note_Content: 'x', Parent_Id: leadId, se_module: 'Contacts' },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.data.map((d: { details: unknown }) => d.details)).toEqual([
      { api_name: 'Note_Content' },
      { api_name: 'Parent_Id' },
      { api_name: 'se_module' },
      { api_name: 'Parent_Id' },
    ]);
  });

  it('POST /{M}/{id}/Notes takes parent and module from the URL', async () => {
    const t = await sandbox();
    const leadId = await insertOne(t, 'Leads', lead());
    const ok = await t.http.post(`/crm/v2/Leads/${leadId}/Notes`).set(t.auth).send({ data: [{ Note_Content: 'hi' }] });
    expect(ok.status).toBe(201);
    expect(t.sb.state.records('Notes')[0].values).toMatchObject({ Parent_Id: { id: leadId }, $se_module: 'Leads' });
    const bad = await t.http.post('/crm/v2/Leads/3652397000000000404/Notes').set(t.auth).send({ data: [{ Note_Content: 'hi' }] });
    expect(bad.body.data[0].message).toBe('the id given seems to be invalid');
  });
});

describe('reads', () => {
  it('GET /{M}/{id} → record with system fields; unknown → 204', async () => {
    const t = await sandbox();
    const id = await insertOne(t, 'Leads', lead({ No_of_Employees: 5 }));
    const res = await t.http.get(`/crm/v2/Leads/${id}`).set(t.auth);
    const r = res.body.data[0];
    expect(r).toMatchObject({ id, Last_Name: 'Boyle', No_of_Employees: 5, Created_By: { name: DEMO_USER.name, id: DEMO_USER.id } });
    expect(r.Created_Time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    const none = await t.http.get('/crm/v2/Leads/3652397000000000404').set(t.auth);
    expect(none.status).toBe(204);
    expect(none.text).toBe('');
  });

  it('GET /{M} pages with info; 204 when empty', async () => {
    const t = await sandbox();
    expect((await t.http.get('/crm/v2/Leads').set(t.auth)).status).toBe(204);
    await insert(t, 'Leads', [lead({ First_Name: 'a' }), lead({ First_Name: 'b' }), lead({ First_Name: 'c' })]);
    // Oldest first on request (the default is newest first, test/sandbox/reads.test.ts).
    const p1 = await t.http.get('/crm/v2/Leads?page=1&per_page=2&sort_order=asc').set(t.auth);
    expect(p1.body.info).toEqual({ per_page: 2, count: 2, page: 1, more_records: true });
    const p2 = await t.http.get('/crm/v2/Leads?page=2&per_page=2&sort_order=asc').set(t.auth);
    expect(p2.body.data.map((r: { First_Name: string }) => r.First_Name)).toEqual(['c']);
    expect(p2.body.info.more_records).toBe(false);
    expect((await t.http.get('/crm/v2/Leads?page=3&per_page=2').set(t.auth)).status).toBe(204);
  });

  it('unknown paths → 404 INVALID_URL_PATTERN; wrong method → 405', async () => {
    const t = await sandbox();
    const notFound = await t.http.get('/crm/v2/Leads/1/2/3').set(t.auth);
    expect(notFound.status).toBe(404);
    expect(notFound.body.code).toBe('INVALID_URL_PATTERN');
    const wrong = await t.http.patch('/crm/v2/Leads').set(t.auth);
    expect(wrong.status).toBe(405);
    expect(wrong.body).toEqual(err('INVALID_REQUEST_METHOD', {}, 'The http request method type is not a valid one'));
  });
});
