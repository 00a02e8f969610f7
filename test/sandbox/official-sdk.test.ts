/**
 * Zoho's official v2 Node SDK (@zohocrm/nodejs-sdk-2.0, unmodified, configured through its documented settings)
 * against the sandbox over real HTTP: every answer must parse in the SDK and carry what the v2 documents say.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CLIENT, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { actions, initSdk, sdk, value, type SdkSetup } from './sdk/zoho-sdk.js';

const USER_EMAIL = 'dexter.heng@example.com';

let sb: RunningSandbox;
let setup: SdkSetup;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let ops: any;
const { RecordOperations, SearchRecordsParam } = sdk('core/com/zoho/crm/api/record/record_operations');
const ZRecord = sdk('core/com/zoho/crm/api/record/record').MasterModel;
const { BodyWrapper } = sdk('core/com/zoho/crm/api/record/body_wrapper');
const { ParameterMap } = sdk('routes/parameter_map');

function body(records: unknown[], extra?: (b: { setDuplicateCheckFields(f: string[]): void }) => void): unknown {
  const b = new BodyWrapper();
  b.setData(records);
  extra?.(b);
  return b;
}

function rec(fields: Record<string, unknown>): unknown {
  const r = new ZRecord();
  for (const [k, v] of Object.entries(fields)) r.addKeyValue(k, v);
  return r;
}

/** A token minted the way any client does (urlencoded), for the raw-HTTP checks beside the SDK. */
async function rawToken(): Promise<string> {
  const res = await fetch(`${sb.url}/oauth/v2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret, refresh_token: DEMO_CLIENT.refreshToken }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

function search(param: unknown, v: string): Promise<unknown> {
  const p = new ParameterMap();
  return p.add(param, v).then(() => ops.searchRecords('Leads', p));
}

beforeAll(async () => {
  sb = await startSandbox();
  setup = await initSdk(sb.url, DEMO_CLIENT, USER_EMAIL);
  ops = new RecordOperations();
});

afterAll(async () => {
  await sb?.close();
  setup?.cleanup();
});

describe('official Zoho v2 Node SDK against the sandbox', () => {
  it('refreshes a token from a refresh token (multipart form) and inserts one record: 201 SUCCESS', async () => {
    const res = await ops.createRecords('Leads', body([rec({ Last_Name: 'Boyle', Company: 'Zylker', Email: 'p.boyle@zylker.example' })]));
    expect(res.getStatusCode()).toBe(201);
    const [a] = actions(res);
    expect(a).toMatchObject({ status: 'success', code: 'SUCCESS', message: 'record added' });
    expect(a.details.id).toMatch(/^\d{19}$/);
    expect(sb.state.stats().tokenGrants.refresh_token).toBe(1);
  });

  it('metadata: modules and fields parse into SDK objects', async () => {
    const { ModulesOperations } = sdk('core/com/zoho/crm/api/modules/modules_operations');
    const mods = await new ModulesOperations().getModules();
    expect(mods.getStatusCode()).toBe(200);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const names = mods.getObject().getModules().map((m: any) => m.getAPIName());
    expect(names).toEqual(expect.arrayContaining(['Leads', 'Contacts', 'Quotes', 'Tasks']));
    const { FieldsOperations } = sdk('core/com/zoho/crm/api/fields/fields_operations');
    const fields = await new FieldsOperations('Leads').getFields();
    expect(fields.getStatusCode()).toBe(200);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const email = fields.getObject().getFields().find((f: any) => f.getAPIName() === 'Email');
    expect(email.getDataType()).toBe('email');
  });

  it('inserts 100 records (202, one SUCCESS each, index-aligned) and refuses 101 (400 LIMIT_EXCEEDED)', async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => rec({ Last_Name: `Bulk ${i}`, Company: 'Bulk Inc' }));
    const res = await ops.createRecords('Leads', body(hundred));
    expect(res.getStatusCode()).toBe(202);
    const data = actions(res);
    expect(data).toHaveLength(100);
    expect(new Set(data.map((a) => a.details.id)).size).toBe(100);
    expect(data.every((a) => a.code === 'SUCCESS')).toBe(true);

    // The SDK itself refuses a 101st record before sending anything (its BodyWrapper allows 100).
    const posts = () => sb.state.stats().requests['POST /crm/v2/:module'] ?? 0;
    const before = posts();
    await expect(ops.createRecords('Leads', body([...hundred, rec({ Last_Name: 'one too many', Company: 'X' })]))).rejects.toThrow(
      /"maximum-length":100/,
    );
    expect(posts()).toBe(before);
  });

  it('101 records sent anyway (raw HTTP, as a non-SDK client would) → 400 LIMIT_EXCEEDED, nothing stored', async () => {
    const token = await rawToken();
    const before = sb.state.records('Leads').length;
    const res = await fetch(`${sb.url}/crm/v2/Leads`, {
      method: 'POST',
      headers: { Authorization: `Zoho-oauthtoken ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: Array.from({ length: 101 }, (_, i) => ({ Last_Name: `R${i}`, Company: 'R' })) }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 'LIMIT_EXCEEDED', details: { limit: 100 }, message: 'limit exceeded', status: 'error' });
    expect(sb.state.records('Leads')).toHaveLength(before);
  });

  it('update by id, bulk update, and an invalid id on update', async () => {
    const created = actions(await ops.createRecords('Leads', body([rec({ Last_Name: 'Upd', Company: 'Before' })])))[0];
    const id = created.details.id as string;
    const one = new ZRecord();
    one.addKeyValue('Company', 'After');
    const res = await ops.updateRecord(BigInt(id), 'Leads', body([one]));
    expect(res.getStatusCode()).toBe(200);
    expect(actions(res)[0]).toMatchObject({ code: 'SUCCESS', message: 'record updated' });
    expect(sb.state.store.get('Leads', id)!.values.Company).toBe('After');

    const good = new ZRecord();
    good.setId(BigInt(id));
    good.addKeyValue('Company', 'Again');
    const bad = new ZRecord();
    bad.setId(BigInt('1111111111111111111'));
    bad.addKeyValue('Company', 'Nobody');
    const mixed = await ops.updateRecords('Leads', body([good, bad]));
    expect(mixed.getStatusCode()).toBe(207);
    const [a, b] = actions(mixed);
    expect(a.code).toBe('SUCCESS');
    expect(b).toMatchObject({ status: 'error', code: 'INVALID_DATA', message: 'the id given seems to be invalid' });
    expect(b.details).toEqual({ api_name: 'id' });
  });

  it('upsert: an existing e-mail is updated, a new one inserted (duplicate_field, action)', async () => {
    await ops.createRecords('Leads', body([rec({ Last_Name: 'Ups', Company: 'Old', Email: 'ups@zylker.example' })]));
    const res = await ops.upsertRecords(
      'Leads',
      body([rec({ Last_Name: 'Ups', Company: 'New', Email: 'ups@zylker.example' }), rec({ Last_Name: 'Fresh', Company: 'F', Email: 'fresh@zylker.example' })], (b) =>
        b.setDuplicateCheckFields(['Email']),
      ),
    );
    expect(res.getStatusCode()).toBe(200);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const data = res.getObject().getData().map((x: any) => ({ code: value(x.getCode()), field: x.getDuplicateField() ?? null, action: value(x.getAction()), message: value(x.getMessage()) }));
    expect(data).toEqual([
      { code: 'SUCCESS', field: 'Email', action: 'update', message: 'record updated' },
      { code: 'SUCCESS', field: null, action: 'insert', message: 'record added' },
    ]);
    const updated = sb.state.records('Leads').filter((r) => r.values.Email === 'ups@zylker.example');
    expect(updated.map((r) => r.values.Company)).toEqual(['New']);
  });

  it('search by email, criteria and word', async () => {
    await ops.createRecords('Leads', body([rec({ Last_Name: 'Findme', Company: 'Search Co', Email: 'find.me@zylker.example' })]));
    const byEmail = await search(SearchRecordsParam.EMAIL, 'find.me@zylker.example');
    expect(byEmail.getStatusCode()).toBe(200);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const rows = byEmail.getObject().getData();
    expect(rows).toHaveLength(1);
    expect(rows[0].getKeyValue('Last_Name')).toBe('Findme');
    expect(byEmail.getObject().getInfo().getMoreRecords()).toBe(false);
    const byCriteria = await search(SearchRecordsParam.CRITERIA, '((Last_Name:equals:Findme)and(Company:starts_with:Search))');
    expect(byCriteria.getObject().getData()).toHaveLength(1);
    const byWord = await search(SearchRecordsParam.WORD, 'Search Co');
    expect(byWord.getObject().getData().length).toBeGreaterThanOrEqual(1);
    const none = await search(SearchRecordsParam.EMAIL, 'nobody@nowhere.example');
    expect(none.getStatusCode()).toBe(204);
  });

  it('get by id returns the record as a Record with system fields', async () => {
    const id = actions(await ops.createRecords('Leads', body([rec({ Last_Name: 'Getme', Company: 'G', Email: 'get@zylker.example' })])))[0].details.id as string;
    const res = await ops.getRecord(BigInt(id), 'Leads');
    expect(res.getStatusCode()).toBe(200);
    const [r] = res.getObject().getData();
    expect(String(r.getId())).toBe(id);
    expect(r.getKeyValue('Email')).toBe('get@zylker.example');
    expect(r.getCreatedTime()).toBeInstanceOf(Date);
    expect(r.getKeyValue('Owner').getName()).toBe('Dexter Heng');
  });

  it('a Quote with line items: Product_Details parsed as InventoryLineItems with computed totals', async () => {
    const productId = actions(await ops.createRecords('Products', body([rec({ Product_Name: 'Widget', Unit_Price: 12.5 })])))[0].details.id as string;
    const { InventoryLineItems } = sdk('core/com/zoho/crm/api/record/inventory_line_items');
    const { LineItemProduct } = sdk('core/com/zoho/crm/api/record/line_item_product');
    const item = new InventoryLineItems();
    const product = new LineItemProduct();
    product.setId(BigInt(productId));
    item.setProduct(product);
    item.setQuantity(4);
    item.setListPrice(10.0);
    const quote = new ZRecord();
    quote.addKeyValue('Subject', 'Q-1');
    quote.addKeyValue('Product_Details', [item]);
    const res = await ops.createRecords('Quotes', body([quote]));
    expect(res.getStatusCode()).toBe(201);
    const id = actions(res)[0].details.id as string;
    const got = await ops.getRecord(BigInt(id), 'Quotes');
    const [q] = got.getObject().getData();
    const [line] = q.getKeyValue('Product_Details');
    expect(line.getProduct().getName()).toBe('Widget');
    expect(String(line.getProduct().getId())).toBe(productId);
    expect(line.getQuantity()).toBe(4);
    expect(line.getListPrice()).toBe(10);
    expect(line.getTotal()).toBe(40);
    expect(line.getNetTotal()).toBe(40);
  });

  it('a Task with What_Id and $se_module: linked to the Account, read back with both', async () => {
    const accountId = actions(await ops.createRecords('Accounts', body([rec({ Account_Name: 'Zylker Task Co' })])))[0].details.id as string;
    const task = new ZRecord();
    task.addKeyValue('Subject', 'Call back');
    const what = new ZRecord();
    what.setId(BigInt(accountId));
    task.addKeyValue('What_Id', what);
    task.addKeyValue('$se_module', 'Accounts');
    const res = await ops.createRecords('Tasks', body([task]));
    expect(res.getStatusCode()).toBe(201);
    const [t] = (await ops.getRecord(BigInt(actions(res)[0].details.id as string), 'Tasks')).getObject().getData();
    expect(String(t.getKeyValue('What_Id').getId())).toBe(accountId);
    expect(t.getKeyValue('What_Id').getKeyValue('name')).toBe('Zylker Task Co');
    expect(t.getKeyValue('$se_module')).toBe('Accounts');

    const orphan = new ZRecord();
    orphan.addKeyValue('Subject', 'No module');
    orphan.addKeyValue('What_Id', what);
    const bad = await ops.createRecords('Tasks', body([orphan]));
    expect(bad.getStatusCode()).toBe(400);
    expect(actions(bad)[0]).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'What_Id' } });
  });

  it('wrong types the SDK checks itself never reach the sandbox', async () => {
    const posts = () => sb.state.stats().requests['POST /crm/v2/:module'] ?? 0;
    const before = posts();
    // The SDK validates JSON types of the fields it fetched from /settings/fields before sending.
    await expect(ops.createRecords('Leads', body([rec({ Last_Name: 'T', Company: 'T', No_of_Employees: 'twelve' })]))).rejects.toThrow(
      /"accepted-type":"Integer"/,
    );
    expect(posts()).toBe(before);
  });

  it('wrong types, bad values, missing mandatory fields and unknown fields in one batch: 207, index-aligned', async () => {
    const { Choice } = sdk('utils/util/choice');
    const res = await ops.createRecords(
      'Leads',
      body([
        // A picklist given as a Choice of a number: the SDK lets it pass, v2 wants text.
        rec({ Last_Name: 'Typed', Company: 'T', Lead_Status: new Choice(42) }),
        rec({ Last_Name: 'Bad e-mail', Company: 'T', Email: 'not-an-address' }),
        rec({ Company: 'No last name' }),
        rec({ Last_Name: 'Unknown', Company: 'U', Not_A_Field__c: 'ignored' }),
      ]),
    );
    expect(res.getStatusCode()).toBe(207);
    const [typed, email, missing, unknown] = actions(res);
    expect(typed).toMatchObject({ status: 'error', code: 'INVALID_DATA', message: 'invalid data' });
    expect(typed.details).toEqual({ expected_data_type: 'text', api_name: 'Lead_Status' });
    expect(email).toMatchObject({ status: 'error', code: 'INVALID_DATA', message: 'invalid data' });
    expect(email.details).toEqual({ api_name: 'Email' });
    expect(missing).toMatchObject({ status: 'error', code: 'MANDATORY_NOT_FOUND', message: 'required field not found' });
    expect(missing.details).toEqual({ api_name: 'Last_Name' });
    expect(unknown).toMatchObject({ status: 'success', code: 'SUCCESS', message: 'record added' });
    const stored = sb.state.store.get('Leads', unknown.details.id as string)!;
    expect(stored.values).not.toHaveProperty('Not_A_Field__c');
  });

  it('every record failing: 400 with the data wrapper, parsed as an ActionWrapper', async () => {
    const res = await ops.createRecords('Leads', body([rec({ Company: 'a' }), rec({ Company: 'b' })]));
    expect(res.getStatusCode()).toBe(400);
    expect(actions(res).map((a) => a.code)).toEqual(['MANDATORY_NOT_FOUND', 'MANDATORY_NOT_FOUND']);
  });

  it('one token served the whole run, persisted by the SDK\'s FileStore', () => {
    // One grant for the SDK, one for the raw-HTTP check of 101 records.
    expect(sb.state.stats().tokenGrants).toMatchObject({ refresh_token: 2, errors: 0 });
    const stored = readFileSync(join(setup.dir, 'sdk_tokens.txt'), 'utf8');
    expect(stored).toContain(USER_EMAIL);
    expect(stored).toMatch(/1000\.[0-9a-f]+\.[0-9a-f]+/); // the access token the sandbox minted
  });
});
