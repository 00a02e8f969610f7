/**
 * Issue 8: duplicateCheck=1 keeps v1's promise end to end (proxy → sandbox). v2 insert only rejects
 * user-defined unique fields, so the bridge searches each row's duplicate-check field first (docs/PROTOCOL.md §1,
 * §3, §9.7) and answers "Record(s) already exists" / 2002 with the EXISTING record, creating nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { criteriaBatches } from '../../src/bridge/duplicates.js';
import { ids, payload, productDetails, row, rowXml, startHarness, type BridgeHarness } from './helpers.js';

let h: BridgeHarness;
let productId: string;
let vendorId: string;
let ownerName: string;
beforeAll(async () => {
  h = await startHarness();
  productId = h.seed('Products', { Product_Name: 'Line item product' });
  vendorId = h.seed('Vendors', { Vendor_Name: 'Line item vendor' });
  ownerName = h.sandbox.state.metadata.users[0].fullName;
});
afterAll(async () => {
  await h?.close();
});

interface ModuleCase {
  /** v1 module path. */
  v1: string;
  /** v2 module api_name. */
  api: string;
  /** v1 label and v2 api_name of the duplicate-check field. */
  label: string;
  field: string;
  /** The other fields a row needs to be insertable. */
  rest: () => Record<string, string>;
}

const MODULES: ModuleCase[] = [
  { v1: 'Leads', api: 'Leads', label: 'Email', field: 'Email', rest: () => ({ 'Last Name': 'Dup', Company: 'Acme' }) },
  { v1: 'Contacts', api: 'Contacts', label: 'Email', field: 'Email', rest: () => ({ 'Last Name': 'Dup' }) },
  { v1: 'Accounts', api: 'Accounts', label: 'Account Name', field: 'Account_Name', rest: () => ({ Phone: '0123' }) },
  { v1: 'Potentials', api: 'Deals', label: 'Potential Name', field: 'Deal_Name', rest: () => ({ Stage: 'Qualification' }) },
  { v1: 'Cases', api: 'Cases', label: 'Subject', field: 'Subject', rest: () => ({ Status: 'New', 'Case Origin': 'Email' }) },
  { v1: 'Quotes', api: 'Quotes', label: 'Subject', field: 'Subject', rest: () => ({ 'Product Details': productDetails(productId) }) },
  { v1: 'SalesOrders', api: 'Sales_Orders', label: 'Subject', field: 'Subject', rest: () => ({ 'Product Details': productDetails(productId) }) },
  {
    v1: 'PurchaseOrders',
    api: 'Purchase_Orders',
    label: 'Subject',
    field: 'Subject',
    rest: () => ({ VENDORID: vendorId, 'Product Details': productDetails(productId) }),
  },
  { v1: 'Invoices', api: 'Invoices', label: 'Subject', field: 'Subject', rest: () => ({ 'Product Details': productDetails(productId) }) },
  { v1: 'Products', api: 'Products', label: 'Product Name', field: 'Product_Name', rest: () => ({ 'Product Code': 'P-1' }) },
  { v1: 'Vendors', api: 'Vendors', label: 'Vendor Name', field: 'Vendor_Name', rest: () => ({ Phone: '0123' }) },
  { v1: 'Campaigns', api: 'Campaigns', label: 'Campaign Name', field: 'Campaign_Name', rest: () => ({ Type: 'Webinar' }) },
  { v1: 'CustomModule1', api: 'Course_Progress', label: 'CustomModule1 Name', field: 'Name', rest: () => ({}) },
];

describe.each(MODULES)('duplicateCheck=1 on $v1 ($field)', (m) => {
  const existingValue = m.field === 'Email' ? `dup.${m.api.toLowerCase()}@example.com` : `Existing ${m.api} record`;
  // v2 search matches case-insensitively, as v1's duplicate check did.
  const sentValue = existingValue.toUpperCase();
  let existingId: string;
  beforeAll(() => {
    existingId = h.seed(m.api, { [m.field]: existingValue, ...(m.field === 'Email' ? { Last_Name: 'Existing' } : {}) });
  });

  const count = () => h.sandbox.state.records(m.api).length;

  it('without version=4: "Record(s) already exists" with the existing record, nothing created', async () => {
    const before = count();
    const xml = await h.call(m.v1, 'insertRecords', {
      duplicateCheck: '1',
      xmlData: payload(m.v1, row('1', { [m.label]: sentValue, ...m.rest() })),
    });
    expect(xml).toContain('<result><message>Record(s) already exists</message><recorddetail>');
    expect(ids(xml)).toEqual([existingId]);
    expect(xml).toContain(`<FL val="Created By"><![CDATA[${ownerName}]]></FL>`);
    expect(xml).toMatch(/<FL val="Created Time">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<\/FL>/);
    expect(count()).toBe(before);
    const outcome = h.lastOutcome();
    expect(outcome.duplicates).toEqual([{ no: '1', field: m.field, existingId, via: 'search' }]);
    expect(outcome.rows).toEqual([{ no: '1', code: '2002', id: existingId }]);
    expect(outcome.v2Calls.filter((c) => c.method === 'POST')).toEqual([]);
  });

  it('with version=4: row 2002 with the existing record, the new row 2000', async () => {
    const before = count();
    const newValue = m.field === 'Email' ? `fresh.${m.api.toLowerCase()}@example.com` : `Fresh ${m.api} record`;
    const xml = await h.call(m.v1, 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: payload(m.v1, row('1', { [m.label]: sentValue, ...m.rest() }), row('2', { [m.label]: newValue, ...m.rest() })),
    });
    expect(rowXml(xml, '1')).toMatch(new RegExp(`^<success><code>2002</code><details><FL val="Id">${existingId}</FL>`));
    expect(rowXml(xml, '2')).toMatch(/^<success><code>2000<\/code>/);
    expect(count()).toBe(before + 1);
    const created = h.sandbox.state.records(m.api).at(-1)!;
    expect(created.values[m.field]).toBe(newValue);
    // The previous call found this record: it is remembered (finding 25), read by id instead of searched again.
    expect(h.lastOutcome().duplicates).toEqual([{ no: '1', field: m.field, existingId, via: 'recent' }]);
  });
});

describe('duplicateCheck=1 details', () => {
  it('rows of one call that repeat each other: the first is inserted, later ones 2002 with its id', async () => {
    const before = h.sandbox.state.records('Leads').length;
    const xml = await h.call('Leads', 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: payload(
        'Leads',
        row('1', { 'Last Name': 'Batch', Company: 'A', Email: 'batch.one@example.com' }),
        row('2', { 'Last Name': 'Batch', Company: 'A', Email: 'batch.two@example.com' }),
        row('3', { 'Last Name': 'Batch', Company: 'A', Email: 'Batch.One@example.com' }),
        row('4', { 'Last Name': 'Batch', Company: 'A', Email: 'batch.one@example.com ' }),
      ),
    });
    const first = ids(rowXml(xml, '1'))[0];
    expect(rowXml(xml, '1')).toMatch(/^<success><code>2000<\/code>/);
    expect(rowXml(xml, '2')).toMatch(/^<success><code>2000<\/code>/);
    expect(rowXml(xml, '3')).toMatch(new RegExp(`^<success><code>2002</code><details><FL val="Id">${first}</FL>`));
    expect(rowXml(xml, '4')).toMatch(new RegExp(`^<success><code>2002</code><details><FL val="Id">${first}</FL>`));
    expect(rowXml(xml, '3')).toContain(`<FL val="Created By"><![CDATA[${ownerName}]]></FL>`);
    expect(h.sandbox.state.records('Leads').length).toBe(before + 2);
    expect(h.lastOutcome().duplicates).toEqual([
      { no: '3', field: 'Email', existingId: first, via: 'batch' },
      { no: '4', field: 'Email', existingId: first, via: 'batch' },
    ]);
  });

  it('when the first of repeated rows fails upstream, the next one is inserted (v1 processed rows in order)', async () => {
    const before = h.sandbox.state.records('Leads').length;
    const xml = await h.call('Leads', 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: payload(
        'Leads',
        row('1', { 'Last Name': 'x'.repeat(256), Company: 'A', Email: 'leader.fails@example.com' }),
        row('2', { 'Last Name': 'Second', Company: 'A', Email: 'leader.fails@example.com' }),
        row('3', { 'Last Name': 'Third', Company: 'A', Email: 'leader.fails@example.com' }),
      ),
    });
    expect(rowXml(xml, '1')).toBe('<error><code>4832</code><details>You have given a wrong value for the field : Last Name</details></error>');
    expect(rowXml(xml, '2')).toMatch(/^<success><code>2000<\/code>/);
    const second = ids(rowXml(xml, '2'))[0];
    expect(rowXml(xml, '3')).toMatch(new RegExp(`^<success><code>2002</code><details><FL val="Id">${second}</FL>`));
    expect(h.sandbox.state.records('Leads').length).toBe(before + 1);
    expect(h.sandbox.state.records('Leads').at(-1)!.values.Last_Name).toBe('Second');
  });

  it('a value that needs escaping in criteria is found: A (B), C\\D', async () => {
    const name = 'A (B), C\\D';
    const existingId = h.seed('Accounts', { Account_Name: name });
    h.seed('Accounts', { Account_Name: 'A (B)' }); // must not match: the escaped comma is not an alternative
    const before = h.sandbox.state.records('Accounts').length;
    const xml = await h.call('Accounts', 'insertRecords', { duplicateCheck: '1', xmlData: payload('Accounts', row('1', { 'Account Name': name })) });
    expect(xml).toContain('Record(s) already exists');
    expect(ids(xml)).toEqual([existingId]);
    expect(h.sandbox.state.records('Accounts').length).toBe(before);
  });

  it('several special values searched together in one criteria expression', async () => {
    const a = h.seed('Accounts', { Account_Name: 'Or (x) and, y' });
    const b = h.seed('Accounts', { Account_Name: 'Back\\slash:colon' });
    const searchesBefore = h.searches();
    const xml = await h.call('Accounts', 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: payload(
        'Accounts',
        row('1', { 'Account Name': 'or (X) AND, y' }),
        row('2', { 'Account Name': 'New (one), fresh' }),
        row('3', { 'Account Name': 'Back\\slash:colon' }),
      ),
    });
    expect(ids(rowXml(xml, '1'))).toEqual([a]);
    expect(rowXml(xml, '1')).toContain('<code>2002</code>');
    expect(rowXml(xml, '2')).toContain('<code>2000</code>');
    expect(ids(rowXml(xml, '3'))).toEqual([b]);
    expect(h.searches() - searchesBefore).toBe(1);
  });

  it('many values are searched in batches of at most 10 conditions', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `Batch account ${i}`);
    const existing = h.seed('Accounts', { Account_Name: names[17] });
    const searchesBefore = h.searches();
    const xml = await h.call('Accounts', 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: payload('Accounts', ...names.map((n, i) => row(String(i + 1), { 'Account Name': n }))),
    });
    expect(h.searches() - searchesBefore).toBe(3);
    expect(ids(rowXml(xml, '18'))).toEqual([existing]);
    expect(rowXml(xml, '18')).toContain('<code>2002</code>');
    expect((xml.match(/<code>2000<\/code>/g) ?? []).length).toBe(22);
  });

  it('a DUPLICATE_DATA on a user-defined unique field is reported as "already exists" too', async () => {
    const existingId = h.seed('Leads', { Last_Name: 'Stripe', Email: 'stripe.one@example.com', Stripe_ID: 'cus_dup_1' });
    const before = h.sandbox.state.records('Leads').length;
    const xml = await h.call('Leads', 'insertRecords', {
      duplicateCheck: '1',
      xmlData: payload('Leads', row('1', { 'Last Name': 'Stripe', Company: 'A', Email: 'stripe.two@example.com', 'Stripe ID': 'CUS_DUP_1' })),
    });
    expect(xml).toContain('<message>Record(s) already exists</message>');
    expect(ids(xml)).toEqual([existingId]);
    expect(xml).toContain(`<FL val="Created By"><![CDATA[${ownerName}]]></FL>`);
    expect(h.lastOutcome().duplicates).toEqual([{ no: '1', field: 'Stripe_ID', existingId, via: 'unique' }]);

    const v4 = await h.call('Leads', 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: payload('Leads', row('5', { 'Last Name': 'Stripe', Company: 'A', Email: 'stripe.three@example.com', 'Stripe ID': 'cus_dup_1' })),
    });
    expect(rowXml(v4, '5')).toMatch(new RegExp(`^<success><code>2002</code><details><FL val="Id">${existingId}</FL>`));
    expect(h.sandbox.state.records('Leads').length).toBe(before);
  });

  it('JSON answers carry the existing record too', async () => {
    const existingId = h.seed('Vendors', { Vendor_Name: 'Json vendor' });
    const json = await h.call('Vendors', 'insertRecords', { duplicateCheck: '1', xmlData: payload('Vendors', row('1', { 'Vendor Name': 'Json vendor' })) }, 'json');
    const doc = JSON.parse(json) as { response: { result: { message: string; recorddetail: { FL: { content: string; val: string }[] } } } };
    expect(doc.response.result.message).toBe('Record(s) already exists');
    expect(doc.response.result.recorddetail.FL[0]).toEqual({ content: existingId, val: 'Id' });
  });

  it('without duplicateCheck a duplicate is simply inserted, and no search is made', async () => {
    h.seed('Campaigns', { Campaign_Name: 'Plain insert' });
    const before = h.sandbox.state.records('Campaigns').length;
    const searchesBefore = h.searches();
    const xml = await h.call('Campaigns', 'insertRecords', { xmlData: payload('Campaigns', row('1', { 'Campaign Name': 'Plain insert' })) });
    expect(xml).toContain('Record(s) added successfully');
    expect(h.sandbox.state.records('Campaigns').length).toBe(before + 1);
    expect(h.searches()).toBe(searchesBefore);
  });

  it('a single Leads value is looked up with email=, several with criteria on Email', async () => {
    const a = h.seed('Leads', { Last_Name: 'E', Email: 'by.email@example.com' });
    // Secondary_Email matches email= but is not the duplicate-check field.
    h.seed('Leads', { Last_Name: 'E', Secondary_Email: 'second.only@example.com' });
    const xml = await h.call('Leads', 'insertRecords', {
      duplicateCheck: '1',
      xmlData: payload('Leads', row('1', { 'Last Name': 'E', Company: 'A', Email: 'second.only@example.com' })),
    });
    expect(xml).toContain('Record(s) added successfully');
    const v4 = await h.call('Leads', 'insertRecords', {
      duplicateCheck: '1',
      version: '4',
      xmlData: payload(
        'Leads',
        row('1', { 'Last Name': 'E', Company: 'A', Email: 'by.email@example.com' }),
        row('2', { 'Last Name': 'E', Company: 'A', Email: 'other.new@example.com' }),
      ),
    });
    expect(ids(rowXml(v4, '1'))).toEqual([a]);
  });
});

describe('criteriaBatches', () => {
  it('joins up to 10 conditions with or, escaped', () => {
    expect(criteriaBatches('Subject', ['a', 'b (c)'])).toEqual(['((Subject:equals:a)or(Subject:equals:b \\(c\\)))']);
    expect(criteriaBatches('Subject', ['only'])).toEqual(['(Subject:equals:only)']);
    const many = criteriaBatches('Subject', Array.from({ length: 21 }, (_, i) => `v${i}`));
    expect(many).toHaveLength(3);
    expect(many[2]).toBe('(Subject:equals:v20)');
  });

  it('stays within 2000 characters', () => {
    const long = Array.from({ length: 6 }, (_, i) => `${i}${'x'.repeat(500)}`);
    const batches = criteriaBatches('Account_Name', long);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(2000);
    expect(batches.join('')).toContain(long[5]);
  });
});
