/**
 * Round trip (issue: "a record written through v1 insertRecords and read back through v1 getRecordById comes
 * back with the same v1 values"), as a property over every field type, through the real proxy and sandbox:
 * text, phone with leading zeros, email, website, picklist, textarea, integer, bigint, currency, double,
 * boolean, date, datetime (profile zone), multi-select, owner and lookup id+name pairs, SEID/SEMODULE.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProxy, TOKEN, type TestProxy } from './helpers.js';

let t: TestProxy;
let accountId = '';
let vendorId = '';
const OWNER = { id: '1386586000000105001', name: 'Dexter Heng' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

async function insert(module: string, fields: [string, string][]): Promise<string> {
  const xml = `<${module}><row no="1">${fields.map(([l, v]) => `<FL val="${l}">${esc(v)}</FL>`).join('')}</row></${module}>`;
  const res = await t.http
    .post(`/crm/private/xml/${module}/insertRecords`)
    .type('form')
    .send(new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', xmlData: xml }).toString());
  const id = /<FL val="Id">(\d+)<\/FL>/.exec(res.text)?.[1];
  if (!id) throw new Error(`insert failed: ${res.text}`);
  return id;
}

/** getRecordById → label → value of the row (JSON form, so CDATA and raw values read alike). */
async function readBack(module: string, id: string): Promise<Map<string, string>> {
  const res = await t.http.get(`/crm/private/json/${module}/getRecordById?${new URLSearchParams({ authtoken: TOKEN, scope: 'crmapi', id })}`);
  const row = JSON.parse(res.text).response.result[module].row as { FL: { val: string; content?: string } | { val: string; content?: string }[] };
  return new Map([row.FL].flat().map((f) => [f.val, f.content ?? '']));
}

const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 .,'&<>-]{0,30}[A-Za-z0-9]$/);
const decimal = fc
  .tuple(fc.integer({ min: 0, max: 9_999_999 }), fc.option(fc.integer({ min: 1, max: 99 }), { nil: undefined }))
  .map(([i, f]) => (f === undefined ? String(i) : `${i}.${String(f).padStart(2, '0').replace(/0$/, '')}`));
const date = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
// Wall times from 04:00 on: no DST gap or overlap in America/Los_Angeles.
const datetime = fc
  .tuple(date, fc.integer({ min: 4, max: 22 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }))
  .map(([d, h, m, s]) => `${d} ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`);

beforeAll(async () => {
  t = await startTestProxy();
  accountId = await insert('Accounts', [['Account Name', 'Round Trip Ltd']]);
  vendorId = await insert('Vendors', [['Vendor Name', 'Parts & Co']]);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const RUNS = { numRuns: 12 };

describe('insertRecords → getRecordById gives back the same v1 values', () => {
  it('Leads: text, phone with leading zeros, email, website, picklist, textarea, integer, currency, boolean, custom date, owner', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          'First Name': word,
          'Last Name': word,
          Company: word,
          Phone: fc.stringMatching(/^0\d{6,12}$/),
          Email: fc.stringMatching(/^[a-z]{1,8}\.[a-z]{1,8}@[a-z]{2,8}\.example$/),
          Website: fc.stringMatching(/^https:\/\/[a-z]{2,10}\.example\/[a-z]{0,6}$/),
          'Lead Source': fc.constantFrom('Advertisement', 'Cold Call', 'Web Download'),
          Description: word,
          'No of Employees': fc.integer({ min: 0, max: 99_999 }).map(String),
          'Annual Revenue': decimal,
          'Email Opt Out': fc.constantFrom('true', 'false'),
          'Date Field': date,
        }),
        async (values) => {
          const id = await insert('Leads', [...Object.entries(values), ['SMOWNERID', OWNER.id]]);
          const back = await readBack('Leads', id);
          for (const [label, value] of Object.entries(values)) expect(back.get(label), label).toBe(value);
          expect(back.get('LEADID')).toBe(id);
          expect(back.get('SMOWNERID')).toBe(OWNER.id);
          expect(back.get('Lead Owner')).toBe(OWNER.name);
        },
      ),
      RUNS,
    );
  }, 180_000);

  it('Products: multi-select with ;, double, currency, boolean, dates, VENDORID + Vendor Name', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          'Product Name': word,
          Tax: fc.uniqueArray(fc.constantFrom('Sales Tax', 'VAT', 'Service Tax'), { minLength: 1, maxLength: 3 }).map((a) => a.join(';')),
          'Qty in Stock': decimal,
          'Unit Price': decimal,
          Taxable: fc.constantFrom('true', 'false'),
          'Sales Start Date': date,
        }),
        async (values) => {
          const id = await insert('Products', [...Object.entries(values), ['VENDORID', vendorId]]);
          const back = await readBack('Products', id);
          for (const [label, value] of Object.entries(values)) expect(back.get(label), label).toBe(value);
          expect(back.get('VENDORID')).toBe(vendorId);
          expect(back.get('Vendor Name')).toBe('Parts & Co');
        },
      ),
      RUNS,
    );
  }, 180_000);

  it('Contacts: ACCOUNTID + Account Name, date of birth, phones', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ 'Last Name': word, 'Date of Birth': date, 'Home Phone': fc.stringMatching(/^00\d{4,10}$/) }), async (values) => {
        const id = await insert('Contacts', [...Object.entries(values), ['ACCOUNTID', accountId]]);
        const back = await readBack('Contacts', id);
        for (const [label, value] of Object.entries(values)) expect(back.get(label), label).toBe(value);
        expect(back.get('ACCOUNTID')).toBe(accountId);
        expect(back.get('Account Name')).toBe('Round Trip Ltd');
      }),
      RUNS,
    );
  }, 180_000);

  it('Accounts: bigint kept as digits, integer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ 'Account Name': word, // Account_Number is a bigint of length 18: 10^18 (19 digits) is rightly refused with 4832.
        'Account Number': fc.bigInt({ min: 1n, max: 10n ** 18n - 1n }).map(String), Employees: fc.integer({ min: 1, max: 100_000 }).map(String) }),
        async (values) => {
          const id = await insert('Accounts', Object.entries(values));
          const back = await readBack('Accounts', id);
          for (const [label, value] of Object.entries(values)) expect(back.get(label), label).toBe(value);
        },
      ),
      RUNS,
    );
  }, 180_000);

  it('Events: datetimes in the profile zone, SEID + SEMODULE + Related To', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ Subject: word, 'Start DateTime': datetime, 'End DateTime': datetime }), async (values) => {
        const id = await insert('Events', [...Object.entries(values), ['SEID', accountId], ['SEMODULE', 'Accounts']]);
        const back = await readBack('Events', id);
        for (const [label, value] of Object.entries(values)) expect(back.get(label), label).toBe(value);
        expect(back.get('ACTIVITYID')).toBe(id);
        expect(back.get('SEID')).toBe(accountId);
        expect(back.get('SEMODULE')).toBe('Accounts');
        expect(back.get('Related To')).toBe('Round Trip Ltd');
      }),
      RUNS,
    );
  }, 180_000);
});
